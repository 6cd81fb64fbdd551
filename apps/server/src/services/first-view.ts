import { buildOvnTraceGraph, buildTraceGraph, compareTraces, type TraceComparison, type TraceGraph } from '@tracemap/analysis';
import type { BrokenConjunction, OfprotoTrace, OvnTrace } from '@tracemap/model';

/**
 * What the permalink page draws first, made once on the server: the record without its bulk
 * (tool outputs, steps, sections: `light: true`), the default graph (OpenFlow when there is one,
 * full, with the recorded broken conjunctions; else ovn-trace's), and the ovn-trace/OpenFlow
 * comparison. The page parses this (~1/4 of the record) and draws the verdict and the graph
 * without building anything; the whole record follows for details and raw output.
 */
export interface FirstView {
  record: Record<string, unknown>;
  graph: TraceGraph | null;
  /** Which graphs the whole record can draw, in the page's order. */
  sources: ('physical' | 'logical')[];
  /** The OpenFlow graph with pass-through tables folded (the page's compact mode). */
  compact: boolean;
  comparison: TraceComparison | null;
}

interface RunLike {
  output?: unknown;
}

export function firstView(record: Record<string, unknown>, compact = false): FirstView {
  const of = record.ofproto as OfprotoTrace | undefined;
  const ot = record.ovnTrace as OvnTrace | undefined;
  const broken = ((record.conjunctions as { broken?: BrokenConjunction[] } | undefined)?.broken ?? []) as BrokenConjunction[];
  const sources: FirstView['sources'] = [];
  if (of) sources.push('physical');
  if (ot && ot.sections.length > 0) sources.push('logical');
  let graph: TraceGraph | null = null;
  let comparison: TraceComparison | null = null;
  try {
    graph = of ? buildTraceGraph(of, { compact, brokenConjunctions: broken }) : ot && ot.sections.length ? buildOvnTraceGraph(ot) : null;
    if (of && ot) comparison = compareTraces(ot, of);
  } catch {
    /* the page builds what it can from the whole record */
  }
  const runs = Array.isArray(record.runs) ? (record.runs as RunLike[]) : [];
  const request = record.request as { text?: unknown } | undefined;
  const light: Record<string, unknown> = {
    ...record,
    light: true,
    runs: runs.map((r) => ({ ...r, output: '', outputBytes: typeof r.output === 'string' ? r.output.length : 0 })),
  };
  if (of) light.ofproto = { ...of, passes: [] };
  if (ot) light.ovnTrace = { ...ot, sections: [] };
  if (request && typeof request.text === 'string') light.request = { ...request, text: '' };
  return { record: light, graph, sources, compact: Boolean(of) && compact, comparison };
}
