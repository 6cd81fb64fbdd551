/*
 * TraceGraph (from @tracemap/analysis) -> pixel positions. Pure maths, no DOM.
 *
 * The packet's walk reads like text: it is cut into segments, each a run of consecutive table
 * visits in one lane (logical datapath + pipeline) and one pass, and each segment is a band of
 * rows, left to right, wrapping after `wrap` columns. Segments stack top to bottom in walk
 * order, so crossing a patch port or entering egress starts a new band below, a recirculation
 * starts a new band headed "pass N", and the end of the path (output or drop) is at the bottom.
 *
 * Why not one global column per step (the first layout): a routed packet across three datapaths
 * is ~125 visits, so the graph was a diagonal staircase 23,000 px wide whose first screen showed
 * seven tables of the first lane above empty bands. Wrapping keeps the whole walk's shape in a
 * box whose aspect follows the viewport (`chooseWrap`), so it can open fitted.
 */
import { linkHorizontal, linkVertical } from 'd3';
import type { GraphEdge, GraphNode, TraceGraph } from '@tracemap/analysis';

export const MARGIN = 12;
const MARGIN_X = MARGIN;
export const NODE_W = 150;
export const NODE_H = 44;
export const COL_W = NODE_W + 34;
/** Gap between the rows of one segment: room for arcs over skipped nodes and wrap-around links. */
export const ROW_GAP = 20;
export const ROW_H = NODE_H + ROW_GAP;
/** Header line of a segment: the lane's name (and the pass, after a recirculation). */
export const SEG_HEAD = 22;
/** Where edges from an earlier row enter a node, from its left; segment headers start after it. */
export const ENTRY_X = 10;
export const HEAD_X = MARGIN_X + ENTRY_X + 10;
export const SEG_GAP = 6;
/** Padding kept around a framed box, in screen pixels. */
export const VIEW_PAD = 16;
/** Below this scale node text (11 px) is too small to read. */
export const READABLE_K = 0.55;
/** At and above this scale a node reads as well as at 1. */
export const COMFORT_K = 0.85;
/** Below this scale even the path's shape is lost: open on the end of the path instead. */
export const OVERVIEW_K = 0.25;

export interface PlacedNode {
  node: GraphNode;
  x: number;
  y: number;
  /** Position in walk order (path first, then nodes the path does not visit). */
  order: number;
  /** Column within its row. */
  col: number;
  /** Row over the whole layout (top to bottom). */
  row: number;
  seg: number;
  laneIndex: number;
  /** First node of its segment. */
  laneStart: boolean;
}

export interface PlacedEdge {
  edge: GraphEdge;
  d: string;
  labelX: number;
  labelY: number;
  /** What the curve and its label cover, for culling. */
  box: Box;
}

export interface PlacedLane {
  id: string;
  label: string;
  index: number;
}

/** A band: consecutive visits in one lane and one pass. */
export interface PlacedSegment {
  index: number;
  laneIndex: number;
  label: string;
  pass: number;
  /** The pass differs from the previous segment's: a recirculation happened in between. */
  passStart: boolean;
  x: number;
  y: number;
  width: number;
  height: number;
  rows: number;
  nodeCount: number;
}

export type Box = [x0: number, y0: number, x1: number, y1: number];

export interface GraphLayout {
  nodes: PlacedNode[];
  byId: Map<string, PlacedNode>;
  edges: PlacedEdge[];
  lanes: PlacedLane[];
  segments: PlacedSegment[];
  wrap: number;
  width: number;
  height: number;
}

export interface LayoutOptions {
  /** Columns per row before a segment wraps; default fits about 8 tables. */
  wrap?: number;
}

const hlink = linkHorizontal<{ source: [number, number]; target: [number, number] }, [number, number]>()
  .source((d) => d.source)
  .target((d) => d.target);
const vlink = linkVertical<{ source: [number, number]; target: [number, number] }, [number, number]>()
  .source((d) => d.source)
  .target((d) => d.target);

/** Nodes in walk order: the path first, then anything it does not visit (kept, at the end). */
function walkOrder(g: TraceGraph): GraphNode[] {
  const nodeById = new Map(g.nodes.map((n) => [n.id, n]));
  const order: GraphNode[] = [];
  const seen = new Set<string>();
  for (const id of g.path) {
    const n = nodeById.get(id);
    if (n && !seen.has(id)) {
      order.push(n);
      seen.add(id);
    }
  }
  for (const n of g.nodes) if (!seen.has(n.id)) order.push(n);
  return order;
}

/** Lengths of the segments (runs of one lane and one pass) in walk order. */
export function segmentRuns(g: TraceGraph): number[] {
  const runs: number[] = [];
  let prev: string | null = null;
  for (const n of walkOrder(g)) {
    const key = `${n.lane}\u0000${n.pass}`;
    if (key === prev) runs[runs.length - 1]!++;
    else runs.push(1);
    prev = key;
  }
  return runs;
}

function sizeFor(runs: readonly number[], wrap: number): { width: number; height: number } {
  const longest = Math.max(1, ...runs);
  const cols = Math.min(wrap, longest);
  const rows = runs.reduce((a, n) => a + Math.ceil(n / wrap), 0);
  return {
    width: MARGIN * 2 + cols * COL_W - (COL_W - NODE_W),
    // Per segment: header, rows, 8 px under the last row; SEG_GAP between segments.
    height: MARGIN * 2 + runs.length * (SEG_HEAD + 8 - ROW_GAP + SEG_GAP) - SEG_GAP + rows * ROW_H,
  };
}

/** The scale at which `box` fits a viewport of w x h with VIEW_PAD around it (never above maxK). */
export function fitScale(box: Box, w: number, h: number, maxK = 1): number {
  return Math.min(maxK, (w - 2 * VIEW_PAD) / Math.max(1, box[2] - box[0]), (h - 2 * VIEW_PAD) / Math.max(1, box[3] - box[1]));
}

/**
 * Columns per row that let the whole graph open at the largest scale in a w x h viewport.
 * Among wraps within a few percent of the best, the widest wins (fewer, longer rows read better).
 */
export function chooseWrap(g: TraceGraph, w: number, h: number): number {
  const runs = segmentRuns(g);
  const longest = Math.max(1, ...runs);
  const lo = Math.min(3, longest);
  const hi = Math.min(longest, 64);
  const ks: Array<[number, number]> = [];
  for (let wrap = lo; wrap <= hi; wrap++) {
    const s = sizeFor(runs, wrap);
    ks.push([wrap, fitScale([0, 0, s.width, s.height], w, h)]);
  }
  // Scales past COMFORT_K all read well: among those, the widest (fewest rows) wins.
  const score = (k: number) => Math.min(k, COMFORT_K);
  const best = Math.max(...ks.map(([, k]) => score(k)));
  let pick = lo;
  for (const [wrap, k] of ks) if (score(k) >= best * 0.97) pick = wrap;
  return pick;
}

export function layoutGraph(g: TraceGraph, opts: LayoutOptions = {}): GraphLayout {
  const wrap = Math.max(1, Math.floor(opts.wrap ?? 8));
  const laneIndex = new Map<string, number>();
  g.lanes.forEach((l, i) => laneIndex.set(l.id, i));
  const laneLabel = new Map(g.lanes.map((l) => [l.id, l.label]));
  const order = walkOrder(g);

  const placed: PlacedNode[] = [];
  const byId = new Map<string, PlacedNode>();
  const segments: PlacedSegment[] = [];
  let y = MARGIN;
  let row = -1;
  let seg: PlacedSegment | undefined;
  let prevKey: string | null = null;
  let col = 0;
  const closeSegment = () => {
    if (!seg) return;
    seg.height = SEG_HEAD + seg.rows * ROW_H - ROW_GAP + 8;
    y = seg.y + seg.height + SEG_GAP;
  };
  order.forEach((node, i) => {
    const li = laneIndex.get(node.lane) ?? Math.max(0, g.lanes.length - 1);
    const key = `${node.lane}\u0000${node.pass}`;
    let laneStart = false;
    if (key !== prevKey) {
      closeSegment();
      seg = {
        index: segments.length,
        laneIndex: li,
        label: laneLabel.get(node.lane) ?? node.lane,
        pass: node.pass,
        passStart: segments.length > 0 && segments[segments.length - 1]!.pass !== node.pass,
        x: 0,
        y,
        width: 0,
        height: 0,
        rows: 0,
        nodeCount: 0,
      };
      segments.push(seg);
      prevKey = key;
      col = 0;
      laneStart = true;
    }
    const s = seg!;
    if (col === 0) {
      s.rows++;
      row++;
    } else if (col >= wrap) {
      col = 0;
      s.rows++;
      row++;
    }
    const p: PlacedNode = {
      node,
      order: i,
      col,
      row,
      seg: s.index,
      laneIndex: li,
      x: MARGIN + col * COL_W,
      y: s.y + SEG_HEAD + (s.rows - 1) * ROW_H,
      laneStart,
    };
    s.nodeCount++;
    col++;
    placed.push(p);
    byId.set(node.id, p);
  });
  closeSegment();

  const runs = segments.map((s) => s.nodeCount);
  const size = sizeFor(runs.length ? runs : [1], wrap);
  for (const s of segments) s.width = size.width;

  const edges: PlacedEdge[] = [];
  for (const e of g.edges) {
    const a = byId.get(e.from);
    const b = byId.get(e.to);
    if (a && b) {
      const path = edgePath(a, b);
      // The curves stay within the two nodes' boxes widened by the row gap (arcs, loops) and the label.
      const box: Box = [
        Math.min(a.x, b.x, path.labelX - 20) - 4,
        Math.min(a.y, b.y, path.labelY - 12) - ROW_GAP,
        Math.max(a.x, b.x, path.labelX - 20) + NODE_W + 4,
        Math.max(a.y, b.y, path.labelY) + NODE_H + ROW_GAP,
      ];
      edges.push({ edge: e, ...path, box });
    }
  }

  return {
    nodes: placed,
    byId,
    edges,
    lanes: g.lanes.map((l, i) => ({ id: l.id, label: l.label, index: i })),
    segments,
    wrap,
    width: size.width,
    height: segments.length ? y - SEG_GAP + MARGIN : size.height,
  };
}

function edgePath(a: PlacedNode, b: PlacedNode): Omit<PlacedEdge, 'edge' | 'box'> {
  if (a.row === b.row) {
    if (b.col === a.col + 1) {
      const s: [number, number] = [a.x + NODE_W, a.y + NODE_H / 2];
      const t: [number, number] = [b.x, b.y + NODE_H / 2];
      return { d: hlink({ source: s, target: t }) ?? '', labelX: (s[0] + t[0]) / 2, labelY: s[1] - 4 };
    }
    if (b.col > a.col) {
      // Skips nodes in the same row: arc over them instead of drawing through them.
      const x1 = a.x + NODE_W * 0.75;
      const x2 = b.x + NODE_W * 0.25;
      const lift = Math.min(ROW_GAP - 4, 8 + (b.col - a.col) * 2);
      return { d: `M${x1},${a.y} C${x1},${a.y - lift} ${x2},${a.y - lift} ${x2},${a.y}`, labelX: (x1 + x2) / 2, labelY: a.y - lift };
    }
    // Backwards in the row (a loop in the walk): under the nodes.
    const x1 = a.x + NODE_W / 2;
    const x2 = b.x + NODE_W / 2;
    const y = a.y + NODE_H;
    const drop = ROW_GAP - 4;
    return { d: `M${x1},${y} C${x1},${y + drop} ${x2},${y + drop} ${x2},${y}`, labelX: (x1 + x2) / 2, labelY: y + drop };
  }
  if (b.row > a.row) {
    // Onto a later row (a wrap, or the next segment): out of the bottom, into the top near the
    // left corner, so the curve comes down beside the segment's header text, not through it.
    // The label sits by the source, clear of the header.
    const s: [number, number] = [a.x + NODE_W / 2, a.y + NODE_H];
    const t: [number, number] = [b.x + ENTRY_X, b.y];
    return { d: vlink({ source: s, target: t }) ?? '', labelX: s[0] + 22, labelY: s[1] + 10 };
  }
  // Back to an earlier row: out of the top, into the bottom.
  const s: [number, number] = [a.x + NODE_W / 2, a.y];
  const t: [number, number] = [b.x + NODE_W / 2, b.y + NODE_H];
  return { d: vlink({ source: s, target: t }) ?? '', labelX: (s[0] + t[0]) / 2, labelY: (s[1] + t[1]) / 2 };
}

/** The whole drawing. */
export function layoutBox(l: GraphLayout): Box {
  return [0, 0, l.width, l.height];
}

/** Nodes from walk position `from` to `to` (inclusive), with their segment headers. */
export function spanBox(l: GraphLayout, from: number, to: number): Box | null {
  let box: Box | null = null;
  const lo = Math.max(0, Math.min(from, to));
  const hi = Math.min(l.nodes.length - 1, Math.max(from, to));
  for (let i = lo; i <= hi; i++) {
    const p = l.nodes[i]!;
    const top = p.laneStart || p.col === 0 ? l.segments[p.seg]!.y : p.y - 4;
    const b: Box = [p.x - 8, top, p.x + NODE_W + 8, p.y + NODE_H + 8];
    box = box ? [Math.min(box[0], b[0]), Math.min(box[1], b[1]), Math.max(box[2], b[2]), Math.max(box[3], b[3])] : b;
  }
  return box;
}

/** A view: graph point (cx, cy) at the viewport's centre, at scale k. */
export interface View {
  k: number;
  cx: number;
  cy: number;
  /** Why this view was chosen (for tests and the data-view attribute). */
  reason: 'whole' | 'entry-to-end' | 'overview' | 'end';
}

function centreOf(box: Box, k: number): Omit<View, 'reason'> {
  return { k, cx: (box[0] + box[2]) / 2, cy: (box[1] + box[3]) / 2 };
}

/** Centre on (x, y) at scale k, but never show blank space past the drawing's edge when it is bigger than the viewport. */
export function clampView(box: Box, w: number, h: number, k: number, x: number, y: number): { cx: number; cy: number } {
  const hw = w / 2 / k;
  const hh = h / 2 / k;
  const cx = box[2] - box[0] <= 2 * hw ? (box[0] + box[2]) / 2 : Math.min(box[2] - hw, Math.max(box[0] + hw, x));
  const cy = box[3] - box[1] <= 2 * hh ? (box[1] + box[3]) / 2 : Math.min(box[3] - hh, Math.max(box[1] + hh, y));
  return { cx, cy };
}

/**
 * The first view of a graph in a w x h viewport:
 *  1. the whole graph, if it fits at a readable scale;
 *  2. else the walk from the packet's entry to `endId` (the drop, or the output), if that fits;
 *  3. else, for a delivered packet, that same walk as an overview down to OVERVIEW_K (its shape
 *     at a glance; the user zooms in);
 *  4. else the end itself at a readable scale: a drop in the middle (the finding), kept inside
 *     the drawing so the walk leading to it fills the rest of the view.
 */
export function openingView(l: GraphLayout, w: number, h: number, endId: string | undefined, dropped: boolean): View {
  const whole = layoutBox(l);
  const kWhole = fitScale(whole, w, h);
  if (kWhole >= READABLE_K || l.nodes.length === 0) return { ...centreOf(whole, kWhole), reason: 'whole' };
  const end = (endId ? l.byId.get(endId) : undefined) ?? l.nodes[l.nodes.length - 1]!;
  const span = spanBox(l, 0, end.order) ?? whole;
  const kSpan = fitScale(span, w, h);
  if (kSpan >= READABLE_K) return { ...centreOf(span, kSpan), reason: 'entry-to-end' };
  if (!dropped && kSpan >= OVERVIEW_K) return { ...centreOf(span, kSpan), reason: 'overview' };
  const k = READABLE_K;
  return { k, ...clampView(whole, w, h, k, end.x + NODE_W / 2, end.y + NODE_H / 2), reason: 'end' };
}

/** Characters that fit in `px` at the graph's monospace size (about 6.6 px per character at 11 px). */
export function fitText(s: string, px: number, charPx = 6.6): string {
  const n = Math.floor(px / charPx);
  return s.length <= n ? s : `${s.slice(0, Math.max(1, n - 1))}…`;
}

/*
 * Viewport culling. A 2,000-step trace is ~2,500 nodes and ~20,000 SVG elements: building them
 * all costs ~0.5 s before the first paint and every pan or zoom frame repaints them. Only what is
 * in or near the view is rendered: the drawn region is the viewport grown by CULL_MARGIN of its
 * size on each side, so a pan re-renders nothing until it nears the region's edge.
 */

/** Graphs up to this many nodes are drawn whole: culling them saves little. */
export const CULL_MIN_NODES = 300;
/** Extra drawn around the viewport, as a fraction of its width/height, on each side. */
export const CULL_MARGIN = 0.5;
/** Redraw a smaller region once the drawn one is this many times the viewport's area (zoomed in). */
export const CULL_MAX_RATIO = 12;

/**
 * Level of detail by scale: `full` is every line of text; `label` keeps one line (the rest is
 * under 4 px on screen); `box` is the boxes and curves only, for overviews of the whole walk.
 */
export type Lod = 'full' | 'label' | 'box';
export const LOD_FULL_K = 0.4;
export const LOD_LABEL_K = 0.2;

export function lodFor(k: number): Lod {
  return k >= LOD_FULL_K ? 'full' : k >= LOD_LABEL_K ? 'label' : 'box';
}

/** The graph-coordinate box a w x h viewport shows under the transform (x, y, k). */
export function viewportBox(t: { x: number; y: number; k: number }, w: number, h: number): Box {
  return [-t.x / t.k, -t.y / t.k, (w - t.x) / t.k, (h - t.y) / t.k];
}

/** The viewport box of a View (its centre at the viewport's centre). */
export function viewBox(v: Pick<View, 'k' | 'cx' | 'cy'>, w: number, h: number): Box {
  return [v.cx - w / 2 / v.k, v.cy - h / 2 / v.k, v.cx + w / 2 / v.k, v.cy + h / 2 / v.k];
}

/** The region to draw for a viewport box. */
export function cullRegion(vp: Box, margin = CULL_MARGIN): Box {
  const mx = (vp[2] - vp[0]) * margin;
  const my = (vp[3] - vp[1]) * margin;
  return [vp[0] - mx, vp[1] - my, vp[2] + mx, vp[3] + my];
}

const area = (b: Box) => Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
const contains = (outer: Box, inner: Box) => inner[0] >= outer[0] && inner[1] >= outer[1] && inner[2] <= outer[2] && inner[3] <= outer[3];
const overlaps = (a: Box, b: Box) => a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];

/** Does the drawn `region` (null: everything) still serve the viewport box `vp`? */
export function regionServes(region: Box | null, vp: Box): boolean {
  if (!region) return true;
  return contains(region, vp) && area(region) <= CULL_MAX_RATIO * Math.max(1, area(vp));
}

/** A node's box with its conjunction badge and selection ring. */
export function nodeBox(p: PlacedNode): Box {
  return [p.x - 8, p.y - 16, p.x + NODE_W + 8, p.y + NODE_H + 8];
}

export interface CulledLayout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  segments: PlacedSegment[];
}

/**
 * What to draw of `l` for the region (null: all of it). Nodes in `pinned` are always drawn (the
 * selection, the drop), so keyboard walking and `[data-drop]` never find them missing. Walk
 * order is kept, so React's keyed lists only insert and remove at the region's edges.
 */
export function cullLayout(l: GraphLayout, region: Box | null, pinned: Iterable<string | null | undefined> = []): CulledLayout {
  if (!region) return { nodes: l.nodes, edges: l.edges, segments: l.segments };
  const extra = new Set<PlacedNode>();
  for (const id of pinned) {
    const p = id ? l.byId.get(id) : undefined;
    if (p && !overlaps(region, nodeBox(p))) extra.add(p);
  }
  const nodes = l.nodes.filter((p) => extra.has(p) || overlaps(region, nodeBox(p)));
  const edges = l.edges.filter((e) => overlaps(region, e.box));
  const segments = l.segments.filter((s) => overlaps(region, [s.x, s.y, s.x + s.width, s.y + s.height]));
  return { nodes, edges, segments };
}
