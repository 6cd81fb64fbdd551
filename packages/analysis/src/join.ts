import type { LogicalAnnotation, LogicalFlow, OfprotoTrace, OpenFlowFlow, TraceStep } from '@tracemap/model';
import { lflowCookie } from '@tracemap/parsers';

/*
 * The logical <-> OpenFlow join. ovn-controller sets each OpenFlow flow's cookie to the first
 * 32 bits of the logical flow's UUID; OVS prints cookies unpadded ("cookie 0xa32ff42" in
 * ofproto/trace, "cookie=0xfdd57d3" in dump-flows) while the UUID prefix has 8 digits
 * ("uuid=0x0fdd57d3" in lflow-list), so both sides go through lflowCookie(). Cookie 0 is
 * ovn-controller's own flows (physical tables, conjunction clauses): never joined.
 * Pure: nothing here mutates its inputs.
 */

export interface LogicalFlowIndex {
  /** Padded cookie ("0x0fdd57d3") -> logical flows with that UUID prefix. */
  byCookie: Map<string, LogicalFlow[]>;
  size: number;
}

/** Index logical flows (from lflow-list --uuid or the Southbound JSON dump) by cookie. */
export function indexLogicalFlows(flows: Iterable<LogicalFlow>): LogicalFlowIndex {
  const byCookie = new Map<string, LogicalFlow[]>();
  let size = 0;
  for (const f of flows) {
    const key = f.cookie ? lflowCookie(f.cookie) : f.uuid ? lflowCookie(f.uuid) : null;
    if (!key) continue;
    size++;
    const list = byCookie.get(key);
    if (list) list.push(f);
    else byCookie.set(key, [f]);
  }
  return { byCookie, size };
}

/** Logical flows whose UUID prefix is this cookie (several when lflow-list repeats a grouped flow per datapath). */
export function logicalFlowsForCookie(index: LogicalFlowIndex, cookie: string | null | undefined): LogicalFlow[] {
  if (!cookie) return [];
  const key = lflowCookie(cookie);
  if (key === '0x00000000') return [];
  return index.byCookie.get(key) ?? [];
}

/** OpenFlow flows by padded cookie, for lflow -> OpenFlow lookups. */
export function indexOpenFlowByCookie(flows: Iterable<OpenFlowFlow>): Map<string, OpenFlowFlow[]> {
  const out = new Map<string, OpenFlowFlow[]>();
  for (const f of flows) {
    const key = lflowCookie(f.cookie);
    if (key === '0x00000000') continue;
    const list = out.get(key);
    if (list) list.push(f);
    else out.set(key, [f]);
  }
  return out;
}

/** The OpenFlow flows that ovn-controller installed for one logical flow. */
export function openFlowsForLogical(byCookie: Map<string, OpenFlowFlow[]>, lflow: LogicalFlow): OpenFlowFlow[] {
  const key = lflow.cookie ? lflowCookie(lflow.cookie) : lflow.uuid ? lflowCookie(lflow.uuid) : null;
  return key ? (byCookie.get(key) ?? []) : [];
}

/** The annotation for a set of logical flows sharing one cookie (null when none). */
export function logicalAnnotation(flows: LogicalFlow[]): LogicalAnnotation | null {
  const first = flows[0];
  if (!first) return null;
  const ann: LogicalAnnotation = {
    datapath: first.datapath,
    pipeline: first.pipeline,
    table: first.table,
    priority: first.priority,
    match: first.match,
    actions: first.actions,
  };
  if (first.stage) ann.stage = first.stage;
  if (first.uuid) ann.uuid = first.uuid;
  if (first.source) ann.source = first.source;
  const datapaths = [...new Set(flows.flatMap((f) => f.datapaths ?? [f.datapath]))].filter(Boolean);
  if (datapaths.length > 1 || first.datapaths) ann.datapaths = datapaths;
  // Two different logical flows with the same 32-bit prefix: say so rather than pick silently.
  const distinct = new Set(flows.map((f) => `${f.pipeline}/${f.table}/${f.priority}/${f.match}/${f.actions}`));
  if (distinct.size > 1) {
    ann.notes = [{ kind: 'ambiguous-cookie', text: `${distinct.size} different logical flows share this cookie; showing the first`, line: first.line }];
  }
  return ann;
}

/**
 * Sets `logical` on every step of an ofproto/trace whose cookie names a logical flow. Steps
 * that already carry one (ovn-detrace's annotation) keep it. Returns a new trace.
 */
export function joinTraceToLogical(trace: OfprotoTrace, index: LogicalFlowIndex): OfprotoTrace {
  return {
    ...trace,
    passes: trace.passes.map((pass) => ({
      ...pass,
      steps: pass.steps.map((step): TraceStep => {
        if (step.logical) return step;
        const ann = logicalAnnotation(logicalFlowsForCookie(index, step.cookie));
        return ann ? { ...step, logical: ann } : step;
      }),
    })),
  };
}
