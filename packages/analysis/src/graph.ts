import type {
  BrokenConjunction,
  OfAction,
  OfprotoTrace,
  OpenFlowFlow,
  OutputTarget,
  OvnTrace,
  OvnTraceSection,
  OvnTraceStep,
  TracePass,
  TraceStep,
  Verdict,
} from '@tracemap/model';
import { classifyDatapathActions, computeTraceVerdict } from '@tracemap/parsers';

/*
 * Trace -> graph, as a pure builder (antrea-ui's TraceflowGraphBuilder idea, kept out of the
 * components so it can be tested alone). The web app lays the result out with d3 and renders it
 * with React; nothing here knows about pixels.
 *
 * One node per table visit, grouped into lanes (one per logical datapath + pipeline, or per
 * bridge for plain OVS), edges for the call structure (resubmit / OVN `next;`), logical patch
 * hops, recirculation between passes and the final outputs. `path` is the order the packet
 * walked, for keyboard navigation.
 */

export const GRAPH_NODE_KINDS = ['table', 'no-match', 'output', 'drop', 'tunnel', 'controller', 'recirc', 'raw'] as const;
export type GraphNodeKind = (typeof GRAPH_NODE_KINDS)[number];
export const GRAPH_EDGE_KINDS = ['resubmit', 'next', 'patch', 'recirc', 'tunnel', 'output'] as const;
export type GraphEdgeKind = (typeof GRAPH_EDGE_KINDS)[number];

export interface GraphNode {
  id: string;
  kind: GraphNodeKind;
  /** Trace pass (0 before the first recirculation); for ovn-trace graphs, the section index. */
  pass: number;
  /** Index of the step in its pass (or section); -1 for synthetic nodes (outputs, recirc, drop). */
  stepIndex: number;
  /** OpenFlow table (ofproto/trace) or logical table (ovn-trace); null for synthetic nodes. */
  table: number | null;
  stage?: string;
  datapath?: string;
  pipeline?: 'ingress' | 'egress';
  label: string;
  sublabel?: string;
  priority?: number;
  cookie?: string;
  /** Input lines the node stands for (1-based, inclusive), so the raw pane can scroll to them. */
  line: number;
  endLine: number;
  drop: boolean;
  conjBroken?: { id: number; explanation: string };
  /** Compact mode: how many pass-through tables this node stands for (absent = 1). */
  folded?: number;
  /** Compact mode: the ids of the nodes folded into this one, in path order. */
  foldedIds?: string[];
  lane: string;
}

export interface GraphEdge {
  id: string;
  from: string;
  to: string;
  kind: GraphEdgeKind;
}

export interface GraphLane {
  id: string;
  datapath: string;
  pipeline?: 'ingress' | 'egress';
  label: string;
  nodeIds: string[];
}

export interface TraceGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  lanes: GraphLane[];
  /** Node ids in the order the packet walked. */
  path: string[];
  dropNodeId?: string;
  verdictText: string;
}

/**
 * Where OVN's logical pipelines sit among OpenFlow tables, for traces without ovn-detrace
 * annotations. Measured on the sandbox (OVN 23.03.1): logical ingress table N is OpenFlow 8+N
 * ("33. metadata=0x2,dl_dst=... " is ls_in_l2_lkup, logical 25); 37-41 are the ingress
 * pipeline's output plumbing (remote/local output, loopback check: "40. reg15=0x1,metadata=0x2"
 * picks the port, 41 clears registers); logical egress table N is OpenFlow 42+N (46 is
 * ls_out_acl, logical 4); 64 and up are helpers (save inport, log-to-phy, port-security checks
 * 73-75...) called from whichever pipeline is running. Other OVN versions shift these: pass your
 * own layout (or use ovn-detrace, whose annotations win over any layout).
 */
export interface OvnTableLayout {
  ingress: { first: number; last: number; logicalLast: number };
  egress: { first: number; last: number };
}

export const OVN_2303_TABLES: OvnTableLayout = {
  ingress: { first: 8, last: 41, logicalLast: 36 },
  egress: { first: 42, last: 63 },
};

export interface TraceGraphOptions {
  compact?: boolean;
  brokenConjunctions?: readonly BrokenConjunction[];
  /** The dump-flows the broken conjunctions came from: lets explanations quote the clauses exactly. */
  flows?: readonly OpenFlowFlow[];
  tables?: OvnTableLayout;
}

// ---- ofproto/trace and ovn-detrace -------------------------------------------------------

interface StepInfo {
  node: GraphNode;
  step: TraceStep;
  passIndex: number;
  laneKey: string;
  /** Parent step (call structure) within the pass, as an index into the pass's infos. */
  parent: number;
}

const METADATA_RE = /(?:^|,)metadata=(0x[0-9a-f]+|\d+)(?:,|$)/i;
const CONJ_ID_RE = /(?:^|,)conj_id=(\d+)/;

function hexKey(v: string): string {
  const n = v.startsWith('0x') || v.startsWith('0X') ? parseInt(v.slice(2), 16) : Number(v);
  return Number.isFinite(n) ? `0x${n.toString(16)}` : v.toLowerCase();
}

function matchMetadata(match: string): string | undefined {
  const m = METADATA_RE.exec(match);
  return m ? hexKey(m[1]!) : undefined;
}

/** `set_field:0x2->metadata` (OpenFlow 1.3+ spelling) or `load:0x2->OXM_OF_METADATA[]` (1.0). */
function metadataSetBy(actions: readonly OfAction[]): string | undefined {
  let found: string | undefined;
  for (const a of actions) {
    const field = a.args?.field;
    const value = a.args?.value;
    if ((a.kind === 'set_field' || a.kind === 'load') && value && field && /^(metadata|OXM_OF_METADATA(\[\])?)$/.test(field)) {
      found = hexKey(value);
    }
  }
  return found;
}

function walkActions(actions: readonly OfAction[], visit: (a: OfAction) => void): void {
  for (const a of actions) {
    visit(a);
    if (a.nested) walkActions(a.nested, visit);
  }
}

function hasOutputAction(step: TraceStep): boolean {
  let yes = false;
  walkActions(step.actions, (a) => {
    if (a.kind === 'output' || a.kind === 'controller' || a.kind === 'enqueue' || a.kind === 'bundle') yes = true;
  });
  return yes;
}

function recircAction(step: TraceStep): boolean {
  let yes = false;
  walkActions(step.actions, (a) => {
    if (a.kind === 'ct' && a.args?.table) yes = true;
  });
  return yes || step.notes.some((n) => n.includes('recirculate'));
}

/** The flow does nothing but pass the packet on: folded in compact mode. */
function isPassThrough(step: TraceStep): boolean {
  if (step.kind !== 'table' || step.dropped || step.conjId !== undefined) return false;
  if (step.logical?.actions !== undefined && step.logical.actions.trim() === 'next;') return true;
  // "resubmit(,10)" alone: a priority-0 default or ovn-controller's own plumbing (tables 37, 39, 64).
  return step.actions.length === 1 && step.actions[0]!.kind === 'resubmit' && step.notes.length === 0;
}

function firstAction(step: TraceStep): string | undefined {
  const a = step.actions.find((x) => x.kind !== 'resubmit');
  if (!a) return undefined;
  return a.text.length > 48 ? `${a.text.slice(0, 47)}…` : a.text;
}

function laneLabel(datapath: string, pipeline?: string): string {
  return pipeline ? `${datapath} ${pipeline}` : datapath;
}

/**
 * Builds the flow graph of an ofproto/trace or ovn-detrace result. Pure; never throws on a
 * parsed trace (raw steps and empty passes included).
 */
export function buildTraceGraph(trace: OfprotoTrace, opts: TraceGraphOptions = {}): TraceGraph {
  const layout = opts.tables ?? OVN_2303_TABLES;
  const verdict = computeTraceVerdict(trace);
  const conj = conjunctionIndex(opts.brokenConjunctions ?? [], opts.flows);

  // OVN when any step names a logical flow or matches on metadata; otherwise lanes are bridges.
  let ovn = false;
  const dpNameByMetadata = new Map<string, string>();
  for (const pass of trace.passes) {
    for (const step of pass.steps) {
      const md = matchMetadata(step.match);
      if (md !== undefined || step.logical) ovn = true;
      // ovn-detrace names the datapath; remember it for the unannotated steps (tables 37, 41, 64...).
      if (md !== undefined && step.logical?.datapath && !dpNameByMetadata.has(md)) dpNameByMetadata.set(md, step.logical.datapath);
    }
  }
  const dpName = (md: string | undefined, bridge: string): string =>
    md === undefined ? bridge : (dpNameByMetadata.get(md) ?? `metadata=${md}`);

  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const lanes = new Map<string, GraphLane>();
  const infos: StepInfo[][] = [];
  const path: string[] = [];
  let edgeSeq = 0;
  const addEdge = (from: string, to: string, kind: GraphEdgeKind) => {
    edges.push({ id: `e${edgeSeq++}`, from, to, kind });
  };
  const laneFor = (datapath: string, pipeline: 'ingress' | 'egress' | undefined): string => {
    const key = `${datapath}|${pipeline ?? ''}`;
    let lane = lanes.get(key);
    if (!lane) {
      lane = { id: `lane${lanes.size}`, datapath, label: laneLabel(datapath, pipeline), nodeIds: [] };
      if (pipeline) lane.pipeline = pipeline;
      lanes.set(key, lane);
    }
    return key;
  };
  const place = (node: GraphNode, laneKey: string) => {
    const lane = lanes.get(laneKey)!;
    node.lane = lane.id;
    lane.nodeIds.push(node.id);
    nodes.push(node);
    path.push(node.id);
  };

  let metadata: string | undefined;
  let pipeline: 'ingress' | 'egress' | undefined;
  let lastLaneKey: string | undefined;
  let prevTail: string | undefined; // node the next pass continues from (the recirc node)

  for (let pi = 0; pi < trace.passes.length; pi++) {
    const pass = trace.passes[pi]!;
    const passInfos: StepInfo[] = [];
    infos.push(passInfos);
    const flowMd = matchMetadata(pass.flow.replace(/^\S+?,/, ','));
    if (flowMd !== undefined) metadata = flowMd;
    const stack: number[] = []; // indices into passInfos, by depth

    pass.steps.forEach((step, i) => {
      const bridge = step.bridge ?? 'br-int';
      const table = step.table;
      // Datapath: the annotation, else the metadata the flow matched on, else what is running.
      const ownMd = matchMetadata(step.match);
      const setMd = metadataSetBy(step.actions);
      let md = ownMd ?? metadata;
      if (ownMd === undefined && table !== null && table < layout.ingress.first && setMd !== undefined) md = setMd; // table 0 enters the datapath
      let stepPipeline: 'ingress' | 'egress' | undefined = step.logical?.pipeline;
      if (!stepPipeline && ovn && table !== null) {
        if (table < layout.ingress.first) stepPipeline = 'ingress';
        else if (table <= layout.ingress.last) stepPipeline = 'ingress';
        else if (table <= layout.egress.last) stepPipeline = 'egress';
        else stepPipeline = pipeline; // helper tables run inside whichever pipeline called them
      }
      if (!ovn) stepPipeline = undefined;
      const datapath = ovn ? (step.logical?.datapath && (ownMd === undefined || dpNameByMetadata.get(ownMd) === step.logical.datapath || !dpNameByMetadata.has(ownMd)) ? step.logical.datapath : dpName(md, bridge)) : bridge;
      const laneKey = step.kind === 'raw' && lastLaneKey ? lastLaneKey : laneFor(datapath, stepPipeline);
      if (setMd !== undefined) metadata = setMd;
      else if (ownMd !== undefined) metadata = ownMd;
      if (stepPipeline) pipeline = stepPipeline;

      const stage = step.logical?.stage;
      const node: GraphNode = {
        id: `p${pass.index}s${i}`,
        kind: step.kind,
        pass: pass.index,
        stepIndex: i,
        table,
        label: step.kind === 'raw' ? 'unparsed line' : table === null ? 'step' : `table ${table}`,
        line: step.line,
        endLine: step.endLine,
        drop: false,
        lane: '',
      };
      if (stage) node.stage = stage;
      if (ovn) node.datapath = datapath;
      if (stepPipeline) node.pipeline = stepPipeline;
      if (step.priority !== null) node.priority = step.priority;
      if (step.cookie !== null) node.cookie = step.cookie;
      const sub = step.kind === 'no-match' ? 'no match' : step.kind === 'raw' ? step.match.slice(0, 60) : (stage ?? firstAction(step));
      if (sub) node.sublabel = sub;
      const conjId = step.conjId ?? numberOr(CONJ_ID_RE.exec(step.match)?.[1]);
      if (conjId !== undefined) {
        const hit = conj.byConjId.get(conjId);
        if (hit) node.conjBroken = { id: conjId, explanation: hit };
      }
      place(node, laneKey);

      // Call structure: the caller is the nearest earlier step one level up.
      const depth = Math.max(0, step.depth);
      stack.length = Math.min(stack.length, depth);
      const parent = depth > 0 ? (stack[depth - 1] ?? stack[stack.length - 1] ?? -1) : passInfos.length > 0 ? passInfos.length - 1 : -1;
      stack[depth] = passInfos.length;
      passInfos.push({ node, step, passIndex: pass.index, laneKey, parent });
      if (parent >= 0) {
        const p = passInfos[parent]!;
        addEdge(p.node.id, node.id, edgeKind(p, passInfos[passInfos.length - 1]!));
      } else if (prevTail) {
        addEdge(prevTail, node.id, 'recirc');
      }
      lastLaneKey = laneKey;
    });
    prevTail = undefined;

    // Terminal nodes of the pass: the datapath's outputs, and a recirc node when it continues.
    const targets = classifyDatapathActions(pass.datapathActions);
    const src = sourceOfOutputs(passInfos);
    const tailLane = lastLaneKey ?? laneFor(trace.passes.length ? 'br-int' : 'trace', undefined);
    targets.forEach((t, k) => {
      if (t.kind === 'recirc') return;
      const node = outputNode(t, pass, k);
      place(node, tailLane);
      if (src) addEdge(src.node.id, node.id, t.kind === 'tunnel' ? 'tunnel' : 'output');
    });
    const recirc = targets.find((t) => t.kind === 'recirc');
    const next = trace.passes[pi + 1];
    if (recirc && next) {
      const from = [...passInfos].reverse().find((x) => recircAction(x.step)) ?? passInfos[passInfos.length - 1];
      const node: GraphNode = {
        id: `p${pass.index}-recirc`,
        kind: 'recirc',
        pass: pass.index,
        stepIndex: -1,
        table: next.resumeTable ?? null,
        label: recirc.text,
        sublabel: next.banner ? next.banner.split('\n')[0]!.replace(/^recirc\([^)]*\)\s*-\s*/, '') : 'recirculation',
        line: next.line,
        endLine: next.line,
        drop: false,
        lane: '',
      };
      if (from?.node.datapath) node.datapath = from.node.datapath;
      if (from?.node.pipeline) node.pipeline = from.node.pipeline;
      place(node, from?.laneKey ?? tailLane);
      if (from) addEdge(from.node.id, node.id, 'recirc');
      prevTail = node.id;
    }
  }

  // The drop point: the step the verdict names, else a synthetic node at the end of the walk.
  let dropNodeId: string | undefined;
  if (verdict.dropped) {
    const drop = verdict.drop;
    const info = drop && drop.step !== undefined ? infos[trace.passes.findIndex((p) => p.index === drop.pass)]?.[drop.step] : undefined;
    if (info) {
      info.node.drop = true;
      dropNodeId = info.node.id;
    } else {
      const last = nodes[nodes.length - 1];
      const node: GraphNode = {
        id: 'drop',
        kind: 'drop',
        pass: drop?.pass ?? 0,
        stepIndex: -1,
        table: drop?.table ?? null,
        label: 'dropped',
        sublabel: drop?.detail ?? drop?.reason ?? 'no output',
        line: drop?.line ?? last?.endLine ?? 1,
        endLine: drop?.line ?? last?.endLine ?? 1,
        drop: true,
        lane: '',
      };
      place(node, lastLaneKey ?? laneFor('trace', undefined));
      if (last) addEdge(last.id, node.id, 'next');
      dropNodeId = node.id;
    }
    const dropNode = nodes.find((n) => n.id === dropNodeId)!;
    if (!dropNode.conjBroken && dropNode.table !== null) {
      const hit = conj.byTable.get(dropNode.table);
      if (hit) dropNode.conjBroken = hit;
    }
  }

  const graph: TraceGraph = { nodes, edges, lanes: [...lanes.values()].filter((l) => l.nodeIds.length > 0), path, verdictText: verdictText(verdict) };
  if (dropNodeId) graph.dropNodeId = dropNodeId;
  return opts.compact ? compactGraph(graph, infos) : graph;
}

function numberOr(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

function edgeKind(parent: StepInfo, child: StepInfo): GraphEdgeKind {
  const a = parent.node;
  const b = child.node;
  if (a.kind === 'raw' || b.kind === 'raw') return 'resubmit'; // an unparsed line says nothing about datapaths
  // A logical patch port (table 65 clones into table 8 with the peer's metadata) or an OVS patch
  // port into another bridge: the packet enters another datapath.
  if (a.datapath !== b.datapath || (parent.step.bridge ?? '') !== (child.step.bridge ?? '')) return 'patch';
  // OVN's `next;` is a resubmit to the following table of the same pipeline.
  if (a.table !== null && b.table === a.table + 1 && a.pipeline === b.pipeline) return 'next';
  return 'resubmit';
}

/** The step whose actions sent the packet out: the last one with an output/controller action. */
function sourceOfOutputs(infos: StepInfo[]): StepInfo | undefined {
  for (let i = infos.length - 1; i >= 0; i--) if (hasOutputAction(infos[i]!.step)) return infos[i];
  for (let i = infos.length - 1; i >= 0; i--) if (infos[i]!.step.kind !== 'raw') return infos[i];
  return undefined;
}

function outputNode(t: OutputTarget, pass: TracePass, k: number): GraphNode {
  const kind: GraphNodeKind = t.kind === 'tunnel' ? 'tunnel' : t.kind === 'controller' ? 'controller' : 'output';
  const line = pass.datapathActionsLine ?? pass.line;
  return {
    id: `p${pass.index}-out${k}`,
    kind,
    pass: pass.index,
    stepIndex: -1,
    table: null,
    label: kind === 'output' ? `output ${t.text}` : kind === 'tunnel' ? 'tunnel' : 'controller',
    sublabel: kind === 'output' ? 'datapath port' : t.text.length > 60 ? `${t.text.slice(0, 59)}…` : t.text,
    line,
    endLine: line,
    drop: false,
    lane: '',
  };
}

export function verdictText(v: Verdict): string {
  if (v.error) return `dropped: ${v.error}`;
  if (!v.dropped) {
    if (v.outputs.length === 0) return 'no verdict (the trace ends before "Datapath actions")';
    const parts = v.outputs.map((o) => (o.kind === 'port' ? `port ${o.text}` : o.kind === 'tunnel' ? `tunnel (${o.text})` : o.kind === 'controller' ? 'controller' : o.text));
    return `delivered to ${parts.join(', ')}`;
  }
  const d = v.drop;
  if (!d) return 'dropped';
  const where = d.table !== null ? `at table ${d.table}` : 'with no flow to blame';
  const ctx = [d.stage && `logical stage ${d.stage}`, d.datapath && `datapath ${d.datapath}`].filter(Boolean).join(', ');
  const reason: Record<string, string> = {
    'explicit-drop': 'explicit drop action',
    'no-match': 'no flow matched',
    acl: 'ACL',
    'port-security': 'port security',
    'no-output': 'pipeline ended without output',
    error: 'translation error',
    unknown: 'unknown reason',
  };
  return `dropped ${where}${ctx ? ` (${ctx})` : ''}${d.pass > 0 ? ` in pass ${d.pass + 1}` : ''}: ${reason[d.reason] ?? d.reason}${d.detail ? ` — ${d.detail}` : ''}`;
}

// ---- broken conjunction badges -----------------------------------------------------------

interface ConjIndex {
  byConjId: Map<number, string>;
  byTable: Map<number, { id: number; explanation: string }>;
}

function conjunctionIndex(broken: readonly BrokenConjunction[], flows: readonly OpenFlowFlow[] | undefined): ConjIndex {
  const byConjId = new Map<number, string>();
  const byTable = new Map<number, { id: number; explanation: string }>();
  if (broken.length === 0) return { byConjId, byTable };
  const tables = new Set(broken.map((b) => b.table));
  // Clause texts per table: exact from the flows when given, else from the checker's own detail text.
  const clauses = new Map<number, string[]>();
  if (flows) {
    for (const f of flows) {
      if (!tables.has(f.table) || !f.conjunctions) continue;
      const list = clauses.get(f.table) ?? [];
      for (const c of f.conjunctions) {
        const s = `conjunction(${c.id},${c.clause}/${c.of})`;
        if (!list.includes(s)) list.push(s);
      }
      clauses.set(f.table, list);
    }
  } else {
    for (const b of broken) {
      if (b.problem !== 'no-conj-id-flow' && b.problem !== 'missing-clauses') continue;
      const m = /conjunction\(\d+,[^)]*\)/.exec(b.detail);
      const list = clauses.get(b.table) ?? [];
      const s = m ? m[0] : `conjunction(${b.id},k/n)`;
      if (!list.includes(s)) list.push(s);
      clauses.set(b.table, list);
    }
  }
  const clauseText = (table: number, exceptId?: number): string => {
    const list = (clauses.get(table) ?? []).filter((c) => exceptId === undefined || !c.startsWith(`conjunction(${exceptId},`));
    if (list.length === 0) return '';
    return `; clauses in this table say ${list.slice(0, 6).join(', ')}${list.length > 6 ? `, … (${list.length} in all)` : ''}`;
  };
  // "conj_id=1002 flow has no conjunction(1002,k/n) clauses in table 44; clauses in this table say
  // conjunction(2,1/2), conjunction(2,2/2)": the mismatch an operator needs to see at a glance.
  const noClauses = (ids: number[], table: number): string =>
    ids.length === 1
      ? `conj_id=${ids[0]} flow has no conjunction(${ids[0]},k/n) clauses in table ${table}`
      : `conj_id=${ids.join(', conj_id=')} flows have no conjunction(id,k/n) clauses in table ${table}`;
  for (const b of broken) {
    if (b.problem === 'no-clauses') byConjId.set(b.id, `${noClauses([b.id], b.table)}${clauseText(b.table, b.id)}: it can never match`);
    else if (b.problem === 'missing-clauses') byConjId.set(b.id, `conjunction ${b.id} in table ${b.table} is missing clauses: ${b.detail}`);
  }
  // A drop in a table with broken conjunctions: the packet probably should have matched one.
  for (const t of tables) {
    const list = broken.filter((b) => b.table === t).sort((x, y) => rank(x) - rank(y));
    const parts: string[] = [];
    const nc = list.filter((b) => b.problem === 'no-clauses').map((b) => b.id);
    const orphans = list.filter((b) => b.problem === 'no-conj-id-flow');
    if (nc.length) parts.push(`${noClauses(nc, t)}${clauseText(t)}${orphans.length ? ', which have no conj_id flow' : ''}`);
    else if (orphans.length) parts.push(`conjunction clauses in table ${t} have no conj_id flow${clauseText(t)}`);
    for (const b of list.filter((x) => x.problem === 'missing-clauses')) parts.push(`conjunction ${b.id} is missing clauses: ${b.detail}`);
    byTable.set(t, { id: list[0]!.id, explanation: parts.join('. ') });
  }
  return { byConjId, byTable };
}

function rank(b: BrokenConjunction): number {
  return b.problem === 'no-clauses' ? 0 : b.problem === 'missing-clauses' ? 1 : 2;
}

// ---- compact mode ----------------------------------------------------------------------

/**
 * Folds runs of pass-through tables (`next;`-only logical flows, a lone resubmit) into one node.
 * A run never crosses a lane, a pass or a call boundary (each folded step is the callee of the
 * one before), and never swallows the drop node or a conjunction badge, so the story stays intact.
 */
function compactGraph(g: TraceGraph, infos: StepInfo[][]): TraceGraph {
  const rep = new Map<string, string>(); // node id -> representative id
  const folded = new Map<string, GraphNode>();
  for (const passInfos of infos) {
    let run: StepInfo[] = [];
    const flush = () => {
      if (run.length >= 2) {
        const first = run[0]!.node;
        const last = run[run.length - 1]!.node;
        const stages = run.map((r) => r.node.stage).filter((s): s is string => !!s);
        const node: GraphNode = {
          ...first,
          id: `${first.id}+${run.length}`,
          label: first.table !== null && last.table !== null ? `tables ${first.table}–${last.table}` : `${run.length} tables`,
          sublabel: stages.length ? `${stages[0]}${stages.length > 1 && stages[stages.length - 1] !== stages[0] ? ` … ${stages[stages.length - 1]}` : ""} (${run.length} pass-through)` : `${run.length} pass-through`,
          endLine: Math.max(...run.map((r) => r.node.endLine)),
          folded: run.length,
          foldedIds: run.map((r) => r.node.id),
        };
        delete node.priority;
        delete node.cookie;
        if (stages.length === 0) delete node.stage;
        folded.set(node.id, node);
        for (const r of run) rep.set(r.node.id, node.id);
      }
      run = [];
    };
    passInfos.forEach((info, i) => {
      const prev = run[run.length - 1];
      const ok = isPassThrough(info.step) && !info.node.drop && !info.node.conjBroken;
      const continues = prev !== undefined && info.parent === i - 1 && prev.laneKey === info.laneKey;
      if (!ok) return flush();
      if (!continues) flush();
      run.push(info);
    });
    flush();
  }
  if (rep.size === 0) return g;
  const seen = new Set<string>();
  const nodes: GraphNode[] = [];
  for (const n of g.nodes) {
    const r = rep.get(n.id);
    if (!r) nodes.push(n);
    else if (!seen.has(r)) {
      seen.add(r);
      nodes.push(folded.get(r)!);
    }
  }
  const map = (id: string) => rep.get(id) ?? id;
  const edgeKeys = new Set<string>();
  const edges: GraphEdge[] = [];
  for (const e of g.edges) {
    const from = map(e.from);
    const to = map(e.to);
    if (from === to) continue;
    const key = `${from}>${to}>${e.kind}`;
    if (edgeKeys.has(key)) continue;
    edgeKeys.add(key);
    edges.push({ ...e, from, to });
  }
  const dedupe = (ids: string[]) => {
    const out: string[] = [];
    for (const id of ids) {
      const r = map(id);
      if (out[out.length - 1] !== r) out.push(r);
    }
    return out;
  };
  const out: TraceGraph = {
    nodes,
    edges,
    lanes: g.lanes.map((l) => ({ ...l, nodeIds: dedupe(l.nodeIds) })),
    path: dedupe(g.path),
    verdictText: g.verdictText,
  };
  if (g.dropNodeId) out.dropNodeId = g.dropNodeId;
  return out;
}

// ---- ovn-trace (logical view) ---------------------------------------------------------------

const OUTPUT_NOTE_RE = /output to "([^"]*)", type "([^"]*)"/;

/** Logical view: one node per logical stage, one lane per `ingress(...)`/`egress(...)` section. */
export function buildOvnTraceGraph(trace: OvnTrace): TraceGraph {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const lanes: GraphLane[] = [];
  const path: string[] = [];
  let seq = 0;
  const addEdge = (from: string, to: string, kind: GraphEdgeKind) => edges.push({ id: `e${seq++}`, from, to, kind });
  const tails: (string | undefined)[] = []; // last node of each section
  const patchOut: boolean[] = [];

  if (trace.sections.length === 0 && trace.nodes?.length) {
    // --minimal: no stages or datapaths, only the actions that changed the packet.
    const lane: GraphLane = { id: 'lane0', datapath: '', label: 'ovn-trace --minimal', nodeIds: [] };
    lanes.push(lane);
    trace.nodes.forEach((n, i) => {
      const node: GraphNode = { id: `m${i}`, kind: /^output\(/.test(n.text) ? 'output' : 'raw', pass: 0, stepIndex: i, table: null, label: n.text, line: n.line, endLine: n.line, drop: false, lane: lane.id };
      nodes.push(node);
      lane.nodeIds.push(node.id);
      path.push(node.id);
      if (i > 0) addEdge(`m${i - 1}`, node.id, 'next');
    });
  }

  trace.sections.forEach((s, si) => {
    const lane: GraphLane = { id: `lane${si}`, datapath: s.datapath, pipeline: s.pipeline, label: sectionLabel(s), nodeIds: [] };
    lanes.push(lane);
    let prev: string | undefined;
    const parentTail = s.parent !== undefined ? tails[s.parent] : undefined;
    const link = (id: string) => {
      if (prev) addEdge(prev, id, 'next');
      else if (parentTail) addEdge(parentTail, id, s.parent !== undefined && patchOut[s.parent] ? 'patch' : 'resubmit');
      prev = id;
    };
    s.steps.forEach((st, i) => {
      const node: GraphNode = {
        id: `s${si}t${i}`,
        kind: st.noMatch ? 'no-match' : 'table',
        pass: si,
        stepIndex: i,
        table: st.table,
        label: st.stage ?? (st.table !== null ? `table ${st.table}` : 'stage'),
        sublabel: st.noMatch ? 'no match (implicit drop)' : st.actions.join(' ').slice(0, 60),
        line: st.line,
        endLine: st.endLine ?? st.line,
        drop: false,
        datapath: s.datapath,
        pipeline: s.pipeline,
        lane: lane.id,
      };
      if (st.stage) node.stage = st.stage;
      if (st.priority !== null) node.priority = st.priority;
      if (st.uuid) node.cookie = `0x${st.uuid.slice(0, 8)}`;
      nodes.push(node);
      lane.nodeIds.push(node.id);
      path.push(node.id);
      link(node.id);
    });
    patchOut[si] = false;
    s.events.forEach((ev, k) => {
      const m = OUTPUT_NOTE_RE.exec(ev.text);
      if (ev.kind !== 'output' || !m) return;
      if (m[2] === 'patch') {
        patchOut[si] = true; // continues in the nested ingress section of the peer datapath
        return;
      }
      const node: GraphNode = { id: `s${si}out${k}`, kind: m[2] === 'localnet' || m[2] === '' || m[2] === 'localport' ? 'output' : m[2] === 'vtep' ? 'tunnel' : 'output', pass: si, stepIndex: -1, table: null, label: `output to ${m[1]}`, sublabel: m[2] ? `type ${m[2]}` : 'logical port', line: ev.line, endLine: ev.line, drop: false, datapath: s.datapath, pipeline: s.pipeline, lane: lane.id };
      nodes.push(node);
      lane.nodeIds.push(node.id);
      path.push(node.id);
      if (prev) addEdge(prev, node.id, 'output');
      else if (parentTail) addEdge(parentTail, node.id, 'output');
    });
    tails[si] = prev ?? parentTail;
  });

  // Drops: every branch that ended without output; the verdict's own drop is the one to open on.
  let dropNodeId: string | undefined;
  const drops = trace.verdict.drops ?? (trace.verdict.drop ? [trace.verdict.drop] : []);
  for (const d of drops) {
    const s = trace.sections[d.section];
    let id: string | undefined;
    if (s) {
      let idx = -1;
      for (let i = s.steps.length - 1; i >= 0; i--) {
        const st = s.steps[i]!;
        if ((d.line !== undefined && st.line === d.line) || (d.line === undefined && st.table === d.table && st.stage === d.stage)) {
          idx = i;
          break;
        }
      }
      if (idx >= 0) id = `s${d.section}t${idx}`;
    }
    if (!id) {
      id = `drop${d.section >= 0 ? d.section : ''}`;
      if (!nodes.some((n) => n.id === id)) {
        const lane = lanes[d.section] ?? lanes[lanes.length - 1];
        const tail = d.section >= 0 ? tails[d.section] : path[path.length - 1];
        const node: GraphNode = { id, kind: 'drop', pass: Math.max(0, d.section), stepIndex: -1, table: d.table, label: 'dropped', sublabel: d.reason, line: d.line ?? 1, endLine: d.line ?? 1, drop: true, lane: lane?.id ?? 'lane0' };
        if (d.stage) node.stage = d.stage;
        if (!lane) lanes.push({ id: 'lane0', datapath: '', label: 'ovn-trace', nodeIds: [] });
        (lane ?? lanes[0]!).nodeIds.push(id);
        nodes.push(node);
        path.push(id);
        if (tail) addEdge(tail, id, 'next');
      }
    }
    const node = nodes.find((n) => n.id === id)!;
    node.drop = true;
    if (!dropNodeId || (trace.verdict.drop && d === trace.verdict.drop)) dropNodeId = id;
  }

  const v = trace.verdict;
  const text = trace.error
    ? `ovn-trace error: ${trace.error}`
    : !v.dropped
      ? `delivered to ${v.outputs.join(', ') || '(nothing)'}`
      : `dropped${v.drop?.stage ? ` in ${v.drop.stage}` : ''}${v.drop?.table !== null && v.drop?.table !== undefined ? ` (logical table ${v.drop.table})` : ''}${v.drop?.reason ? `: ${v.drop.reason}` : ''}`;
  const g: TraceGraph = { nodes, edges, lanes: lanes.filter((l) => l.nodeIds.length > 0 || trace.sections.length > 0), path, verdictText: text };
  if (dropNodeId) g.dropNodeId = dropNodeId;
  return g;
}

function sectionLabel(s: OvnTraceSection): string {
  const parts = [`dp="${s.datapath}"`];
  if (s.inport) parts.push(`inport="${s.inport}"`);
  if (s.outport) parts.push(`outport="${s.outport}"`);
  return `${s.pipeline}(${parts.join(', ')})${s.multicast ? ` via ${s.multicast}` : ''}`;
}

// ---- logical vs physical ---------------------------------------------------------------------

export interface TraceComparison {
  /** Both tools reach the same verdict (and, when both drop, in the same stage when both name one). */
  agree: boolean;
  ofproto: { dropped: boolean; outputs: string[]; dropStage?: string };
  ovnTrace: { dropped: boolean; outputs: string[]; dropStage?: string };
  /** The first logical stage where the two paths part; absent when they walk the same stages. */
  firstDifference?: { stage?: string; table?: number; datapath?: string; pipeline?: 'ingress' | 'egress'; ofNodeId?: string; ovnNodeId?: string; text: string };
}

interface OfLogicalStep {
  seg: number;
  datapath: string;
  named: boolean;
  pipeline: 'ingress' | 'egress';
  /** Logical table number. */
  ltable: number;
  table: number;
  stage?: string;
  priority?: number;
  actions?: string;
  nodeId: string;
  drop: boolean;
}

interface OvnLogicalStep {
  seg: number;
  section: OvnTraceSection;
  step: OvnTraceStep;
  nodeId: string;
}

/**
 * Where the logical (ovn-trace) and physical (ofproto/trace) paths of one packet part. Both are
 * reduced to their logical stages, grouped by datapath section; ovn-trace leaves out trivial
 * stages (match `1`, action `next;`), so the ovn-trace stages must appear in order among the
 * OpenFlow ones, not the reverse. Stage names come from ovn-detrace annotations; a plain
 * ofproto/trace is compared by logical table number (OpenFlow table - 8 or - 40 in OVN 23.03).
 */
export function compareTraces(ovn: OvnTrace, of: OfprotoTrace, opts: { tables?: OvnTableLayout } = {}): TraceComparison {
  const layout = opts.tables ?? OVN_2303_TABLES;
  const graph = buildTraceGraph(of, { tables: layout });
  const ofVerdict = computeTraceVerdict(of);
  const ofSide: TraceComparison['ofproto'] = { dropped: ofVerdict.dropped, outputs: ofVerdict.outputs.map((o) => o.text) };
  if (ofVerdict.drop?.stage) ofSide.dropStage = ofVerdict.drop.stage;
  const ovnSide: TraceComparison['ovnTrace'] = { dropped: ovn.verdict.dropped, outputs: [...ovn.verdict.outputs] };
  if (ovn.verdict.drop?.stage) ovnSide.dropStage = ovn.verdict.drop.stage;
  const agree =
    ofSide.dropped === ovnSide.dropped &&
    (!ofSide.dropped || !ofSide.dropStage || !ovnSide.dropStage || ofSide.dropStage === ovnSide.dropStage);

  // OpenFlow side: logical steps only, in walk order, split into segments at datapath/pipeline changes.
  const ofSteps: OfLogicalStep[] = [];
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const stepById = new Map<string, TraceStep>();
  for (const p of of.passes) p.steps.forEach((s, i) => stepById.set(`p${p.index}s${i}`, s));
  let seg = -1;
  let segKey = '';
  for (const id of graph.path) {
    const n = byId.get(id)!;
    if (n.kind !== 'table' && n.kind !== 'no-match') continue;
    if (n.table === null || !n.pipeline) continue;
    const st = stepById.get(id);
    const ann = st?.logical;
    let ltable: number | undefined = ann?.table;
    if (ltable === undefined || !ann?.stage) {
      if (n.table >= layout.ingress.first && n.table <= layout.ingress.logicalLast) ltable = n.table - layout.ingress.first;
      else if (n.table >= layout.egress.first && n.table <= layout.egress.last) ltable = n.table - layout.egress.first;
      else continue; // physical plumbing: tables 0, 37-39, 64+
    }
    const key = `${n.datapath}|${n.pipeline}`;
    if (key !== segKey) {
      seg++;
      segKey = key;
    }
    const item: OfLogicalStep = { seg, datapath: n.datapath ?? '', named: !!ann?.datapath, pipeline: n.pipeline, ltable, table: n.table, nodeId: id, drop: n.drop };
    if (ann?.stage) item.stage = ann.stage;
    if (ann?.priority !== undefined) item.priority = ann.priority;
    if (ann?.actions !== undefined) item.actions = ann.actions;
    ofSteps.push(item);
  }

  // ovn-trace side: sections in print order (depth first), empty ones skipped (an omitted
  // multicast copy to the inport never reaches an OpenFlow egress table either).
  const ovnSteps: OvnLogicalStep[] = [];
  let oseg = -1;
  ovn.sections.forEach((s, si) => {
    if (s.steps.length === 0) return;
    oseg++;
    s.steps.forEach((st, i) => ovnSteps.push({ seg: oseg, section: s, step: st, nodeId: `s${si}t${i}` }));
  });

  const result: TraceComparison = { agree, ofproto: ofSide, ovnTrace: ovnSide };
  const differ = (d: NonNullable<TraceComparison['firstDifference']>) => {
    result.firstDifference = d;
    return result;
  };
  const sameStage = (a: OfLogicalStep, b: OvnLogicalStep) =>
    a.pipeline === b.section.pipeline && (a.stage && b.step.stage ? a.stage === b.step.stage : a.ltable === b.step.table);

  let i = 0; // cursor in ofSteps
  let curOvnSeg = -1;
  let curOfSeg = -1;
  let lastMatched: OfLogicalStep | undefined;
  for (const o of ovnSteps) {
    const stage = o.step.stage ?? undefined;
    const where = `${o.section.pipeline}(dp="${o.section.datapath}")`;
    const newSeg = o.seg !== curOvnSeg;
    let found = -1;
    let passedDrop: OfLogicalStep | undefined;
    for (let k = i; k < ofSteps.length; k++) {
      const c = ofSteps[k]!;
      // Within one ovn-trace section the OpenFlow path may not leave its segment; a new section
      // must start in a later segment (possibly after ones ovn-trace printed empty).
      if (!newSeg && c.seg !== curOfSeg) break;
      if (newSeg && c.seg === curOfSeg) {
        if (c.drop) passedDrop ??= c;
        continue;
      }
      const compatible = c.pipeline === o.section.pipeline && (!c.named || c.datapath === o.section.datapath);
      if (compatible && sameStage(c, o)) {
        found = k;
        break;
      }
      if (c.drop) passedDrop ??= c;
    }
    if (found < 0) {
      const blame = passedDrop ?? (ofSteps.length === i && ofVerdict.dropped ? lastMatched : undefined);
      if (blame) {
        return differ(describe(blame, o, `OpenFlow dropped in ${blame.stage ?? `logical table ${blame.ltable}`} (table ${blame.table}) while ovn-trace continued to ${stage ?? `table ${o.step.table}`} in ${where}`));
      }
      const next = ofSteps[i];
      const ofWent = next
        ? `OpenFlow went on to ${next.pipeline}${next.named ? ` of "${next.datapath}"` : ''} table ${next.table}${next.stage ? ` (${next.stage})` : ''} instead`
        : 'the OpenFlow trace had already left the logical pipelines';
      const d: NonNullable<TraceComparison['firstDifference']> = { text: `ovn-trace matched ${stage ?? `table ${o.step.table}`} (priority ${o.step.priority ?? '?'}) in ${where}; ${ofWent}`, pipeline: o.section.pipeline, datapath: o.section.datapath, ovnNodeId: o.nodeId };
      if (stage) d.stage = stage;
      if (next) {
        d.table = next.table;
        d.ofNodeId = next.nodeId;
      }
      return differ(d);
    }
    const c = ofSteps[found]!;
    lastMatched = c;
    curOvnSeg = o.seg;
    curOfSeg = c.seg;
    const vd = ovn.verdict.drop;
    const ovnDropsHere = ovn.verdict.dropped && !!vd && ovn.sections[vd.section] === o.section && vd.table === o.step.table;
    if (c.drop && !ovnDropsHere) {
      // The logical flows may be intact while the OpenFlow ones are not (a broken conjunction).
      return differ(describe(c, o, `OpenFlow dropped in ${c.stage ?? `logical table ${c.ltable}`} (table ${c.table}${c.priority !== undefined ? `, logical flow priority ${c.priority}${c.actions ? ` "${c.actions}"` : ''}` : ''}) but ovn-trace matched priority ${o.step.priority ?? '?'} "${o.step.actions.join(' ')}" and continued`));
    }
    if (ovnDropsHere && !c.drop && found + 1 < ofSteps.length) {
      return differ(describe(c, o, `ovn-trace dropped in ${stage ?? `table ${o.step.table}`} but OpenFlow continued to table ${ofSteps[found + 1]!.table}`));
    }
    i = found + 1;
  }
  // ovn-trace ended; OpenFlow dropped later in a stage ovn-trace never reached.
  const ofDrop = ofSteps.find((s, k) => k >= i && s.drop);
  if (ofDrop && !ovn.verdict.dropped) {
    const d: NonNullable<TraceComparison['firstDifference']> = { table: ofDrop.table, pipeline: ofDrop.pipeline, ofNodeId: ofDrop.nodeId, text: `OpenFlow dropped in ${ofDrop.stage ?? `logical table ${ofDrop.ltable}`} (table ${ofDrop.table}), a stage ovn-trace passed without printing` };
    if (ofDrop.stage) d.stage = ofDrop.stage;
    if (ofDrop.named) d.datapath = ofDrop.datapath;
    return differ(d);
  }
  if (!agree && !result.firstDifference) {
    result.firstDifference = { text: `the paths walk the same stages but the verdicts differ: OpenFlow ${ofSide.dropped ? 'dropped' : 'delivered'}, ovn-trace ${ovnSide.dropped ? 'dropped' : 'delivered'}` };
  }
  return result;
}

function describe(c: OfLogicalStep, o: OvnLogicalStep, text: string): NonNullable<TraceComparison['firstDifference']> {
  const d: NonNullable<TraceComparison['firstDifference']> = { table: c.table, pipeline: c.pipeline, ofNodeId: c.nodeId, ovnNodeId: o.nodeId, text };
  const stage = c.stage ?? o.step.stage ?? undefined;
  if (stage) d.stage = stage;
  d.datapath = c.named ? c.datapath : o.section.datapath;
  return d;
}
