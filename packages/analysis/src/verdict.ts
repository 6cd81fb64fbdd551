import type { DropPoint, DropReason, LogicalFlow, OfprotoTrace, TraceStep, Verdict } from '@tracemap/model';
import { computeTraceVerdict } from '@tracemap/parsers';

/*
 * Verdict of an ofproto/trace or ovn-detrace: delivered (to which ports,
 * tunnels, controller) or dropped, and where. The core rule lives in the parser
 * package (computeTraceVerdict) because parsers fill `verdict` themselves and
 * must not import analysis; this module re-exports it and adds what needs
 * outside knowledge: the OVN logical stage of the drop step when the trace was a
 * plain ofproto/trace, by joining its cookie against logical flows (an OVN
 * logical flow's cookie is the first 32 bits of its UUID).
 */

export { classifyDatapathActions, computeTraceVerdict } from '@tracemap/parsers';

export interface TraceVerdictOptions {
  /** Logical flows (from lflow-list or ovsdb dumps) used to name the stage of a drop step without ovn-detrace annotations. */
  logicalFlows?: readonly LogicalFlow[];
}

/** ofproto/trace prints cookies unpadded ("cookie 0x4d47bd2"); UUID prefixes have 8 digits. */
export function normalizeCookie(cookie: string): string {
  const hex = cookie.toLowerCase().replace(/^0x/, '');
  return `0x${hex.padStart(8, '0')}`;
}

function cookieOfLogicalFlow(lf: LogicalFlow): string | null {
  if (lf.cookie) return normalizeCookie(lf.cookie);
  if (lf.uuid) return `0x${lf.uuid.replace(/-/g, '').slice(0, 8).toLowerCase()}`;
  return null;
}

function reasonForStage(stage: string, fallback: DropReason): DropReason {
  if (stage.includes('acl')) return 'acl';
  if (stage.includes('port_sec')) return 'port-security';
  return fallback;
}

/** The step a drop point refers to, if any. */
export function dropStep(trace: OfprotoTrace, drop: DropPoint | null): TraceStep | undefined {
  if (!drop || drop.step === undefined) return undefined;
  return trace.passes[drop.pass]?.steps[drop.step];
}

/**
 * Computes the verdict of a trace. Pure: the trace is not modified.
 * With `logicalFlows`, a drop step that has no logical annotation gets its
 * stage (and the acl / port-security reason) from the logical flow whose UUID
 * prefix equals the step's cookie; ambiguous prefixes (several logical flows)
 * are left alone rather than guessed.
 */
export function traceVerdict(trace: OfprotoTrace, options: TraceVerdictOptions = {}): Verdict {
  const verdict = computeTraceVerdict(trace);
  const drop = verdict.drop;
  if (!drop || drop.stage !== undefined || !options.logicalFlows?.length) return verdict;
  const step = dropStep(trace, drop);
  if (!step?.cookie) return verdict;
  const want = normalizeCookie(step.cookie);
  const hits = options.logicalFlows.filter((lf) => cookieOfLogicalFlow(lf) === want);
  if (hits.length !== 1) return verdict;
  const lf = hits[0]!;
  const enriched: DropPoint = { ...drop, reason: reasonForStage(lf.stage ?? '', drop.reason) };
  if (lf.stage !== undefined) enriched.stage = lf.stage;
  enriched.datapath = lf.datapath;
  return { ...verdict, drop: enriched };
}
