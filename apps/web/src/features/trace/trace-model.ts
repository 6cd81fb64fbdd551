/*
 * What the trace view derives from a TraceRecord: which graph to draw (physical ofproto/trace,
 * or logical ovn-trace), the raw text its line numbers refer to, and the step behind a node.
 * Pure functions; the graph builders themselves live in @tracemap/analysis.
 */
import { buildOvnTraceGraph, buildTraceGraph, compareTraces, type GraphNode, type TraceComparison, type TraceGraph } from '@tracemap/analysis';
import type { BrokenConjunction, OvnTraceSection, OvnTraceStep, TraceStep, TracePass } from '@tracemap/model';
import type { ToolRun, TraceRecord } from '../../api/types';

export type GraphSource = 'physical' | 'logical';

export function availableSources(r: TraceRecord): GraphSource[] {
  const out: GraphSource[] = [];
  if (r.ofproto) out.push('physical');
  if (r.ovnTrace && r.ovnTrace.sections.length > 0) out.push('logical');
  return out;
}

export function buildGraph(r: TraceRecord, source: GraphSource, compact: boolean, broken?: readonly BrokenConjunction[]): TraceGraph | null {
  if (source === 'physical' && r.ofproto) {
    return buildTraceGraph(r.ofproto, { compact, brokenConjunctions: broken ?? r.conjunctions?.broken ?? [] });
  }
  if (source === 'logical' && r.ovnTrace) return buildOvnTraceGraph(r.ovnTrace);
  return null;
}

/** The run whose output the model's line numbers point into. */
export function runFor(r: TraceRecord, source: GraphSource): ToolRun | undefined {
  const want = source === 'logical' ? ['ovn-trace'] : r.ofproto?.kind === 'ovn-detrace' ? ['ovn-detrace', 'ofproto-trace'] : ['ofproto-trace', 'ovn-detrace'];
  for (const t of want) {
    const run = r.runs.find((x) => x.tool === t);
    if (run) return run;
  }
  return r.runs[0];
}

/** Imported traces keep the pasted text as their only "run". */
export function rawText(r: TraceRecord, source: GraphSource): string {
  const run = runFor(r, source);
  if (run) return run.output;
  const req = r.request as { text?: unknown };
  return typeof req.text === 'string' ? req.text : '';
}

export type NodeDetail =
  | { kind: 'of-step'; node: GraphNode; step: TraceStep; pass: TracePass }
  | { kind: 'ovn-step'; node: GraphNode; step: OvnTraceStep; section: OvnTraceSection }
  | { kind: 'synthetic'; node: GraphNode };

export function nodeDetail(r: TraceRecord, source: GraphSource, node: GraphNode): NodeDetail {
  if (node.stepIndex >= 0) {
    if (source === 'physical' && r.ofproto) {
      const pass = r.ofproto.passes[node.pass];
      const step = pass?.steps[node.stepIndex];
      if (pass && step) return { kind: 'of-step', node, step, pass };
    }
    if (source === 'logical' && r.ovnTrace) {
      const section = r.ovnTrace.sections[node.pass];
      const step = section?.steps[node.stepIndex];
      if (section && step) return { kind: 'ovn-step', node, step, section };
    }
  }
  return { kind: 'synthetic', node };
}

export function comparisonOf(r: TraceRecord): TraceComparison | null {
  if (!r.ovnTrace || !r.ofproto) return null;
  try {
    return compareTraces(r.ovnTrace, r.ofproto);
  } catch {
    return null;
  }
}

/** In compact mode a node may stand for several: find the node that shows `id`. */
export function visibleNodeFor(g: TraceGraph, id: string): string | undefined {
  if (g.nodes.some((n) => n.id === id)) return id;
  return g.nodes.find((n) => n.foldedIds?.includes(id))?.id;
}

/**
 * The server checks conjunctions at trace time only from a flow index it already holds, which can
 * be missing or older than the trace. A trace that was just run and recorded no broken conjunction
 * gets a fresh check of the host's flow table; older permalinks stay as recorded (the flows may
 * have changed since).
 */
export function wantsLiveConjunctions(r: TraceRecord, now = Date.now()): boolean {
  return !r.conjunctions?.broken.length && Boolean(r.ofproto) && r.type !== 'import' && now - Date.parse(r.createdAt) < 2 * 60_000;
}
