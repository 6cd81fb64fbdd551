import type { BrokenConjunction, LogicalFlow, OpenFlowFlow } from '@tracemap/model';
import { ConjunctionIndex } from '@tracemap/parsers';
import type { LogicalFlowIndex } from './join';
import { logicalFlowsForCookie } from './join';

/*
 * Broken conjunctive matches in a dump-flows. The check itself lives in @tracemap/parsers
 * (ConjunctionIndex), so the dump-flows parser can fill `conjunctions.broken` without importing
 * analysis; this adds counts and the logical flows behind the cookies.
 *
 * The real case (seed 001, an OVN bug since fixed upstream):
 *   priority=90,conj_id=19,icmp6,reg14=0x4,metadata=0x7,... actions=resubmit(,11)   cookie=0xe58f66b6
 *   priority=90,icmp6,...,nd_target=2001:db8::f816:3eff:fe1e:5a0f actions=conjunction(3,1/2)
 * conj_id=19 has no clauses (it can never match), and conjunction 3 has no conj_id=3 flow.
 */

export interface BrokenConjunctionReport extends BrokenConjunction {
  /** Logical flows of the cookies involved (when an index was given). */
  logical?: LogicalFlow[];
}

export interface ConjunctionReport {
  broken: BrokenConjunctionReport[];
  /** Flows with conj_id= in the match. */
  conjIdFlows: number;
  /** Flows with conjunction(...) actions. */
  clauseFlows: number;
  flows: number;
  elapsedMs: number;
}

export interface ConjunctionCheckOptions {
  logical?: LogicalFlowIndex;
}

export function checkConjunctions(flows: Iterable<OpenFlowFlow>, options: ConjunctionCheckOptions = {}): ConjunctionReport {
  const t0 = now();
  const index = new ConjunctionIndex();
  let n = 0;
  for (const f of flows) {
    n++;
    if (f.conjId !== undefined || f.conjunctions) index.add(f);
  }
  const broken: BrokenConjunctionReport[] = index.broken().map((b) => {
    if (!options.logical) return b;
    const logical = b.cookies.flatMap((c) => logicalFlowsForCookie(options.logical!, c));
    return logical.length ? { ...b, logical } : b;
  });
  return { broken, conjIdFlows: index.conjIdFlows, clauseFlows: index.clauseFlows, flows: n, elapsedMs: now() - t0 };
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}
