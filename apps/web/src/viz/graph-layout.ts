/*
 * TraceGraph (from @tracemap/analysis) -> pixel positions. Pure maths, no DOM: the packet's walk
 * runs left to right (one column per table visit, in `path` order), each lane (logical datapath +
 * pipeline) is a horizontal band, so crossing a patch port or entering egress is a step down
 * to another band and a recirculation is a pass separator.
 */
import { linkHorizontal } from 'd3';
import type { GraphEdge, GraphNode, TraceGraph } from '@tracemap/analysis';

export const NODE_W = 150;
export const NODE_H = 44;
export const COL_W = NODE_W + 34;
export const LANE_H = 78;
export const LANE_PAD_TOP = 22;
export const MARGIN = 24;

export interface PlacedNode {
  node: GraphNode;
  x: number;
  y: number;
  col: number;
  laneIndex: number;
  /** First node of a run in its lane: the lane's name is printed above it. */
  laneStart: boolean;
}

export interface PlacedEdge {
  edge: GraphEdge;
  d: string;
  labelX: number;
  labelY: number;
}

export interface PlacedLane {
  id: string;
  label: string;
  y: number;
  index: number;
}

export interface PassMark {
  pass: number;
  x: number;
}

export interface GraphLayout {
  nodes: PlacedNode[];
  byId: Map<string, PlacedNode>;
  edges: PlacedEdge[];
  lanes: PlacedLane[];
  passes: PassMark[];
  width: number;
  height: number;
}

const link = linkHorizontal<{ source: [number, number]; target: [number, number] }, [number, number]>()
  .source((d) => d.source)
  .target((d) => d.target);

export function layoutGraph(g: TraceGraph): GraphLayout {
  const laneIndex = new Map<string, number>();
  g.lanes.forEach((l, i) => laneIndex.set(l.id, i));
  const nodeById = new Map(g.nodes.map((n) => [n.id, n]));
  // Path order first, then anything the path does not visit (kept, at the end).
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

  const placed: PlacedNode[] = [];
  const byId = new Map<string, PlacedNode>();
  let prevLane = -1;
  order.forEach((node, col) => {
    const li = laneIndex.get(node.lane) ?? Math.max(0, g.lanes.length - 1);
    const p: PlacedNode = {
      node,
      col,
      laneIndex: li,
      x: MARGIN + col * COL_W,
      y: MARGIN + li * LANE_H + LANE_PAD_TOP,
      laneStart: li !== prevLane,
    };
    prevLane = li;
    placed.push(p);
    byId.set(node.id, p);
  });

  const edges: PlacedEdge[] = [];
  for (const e of g.edges) {
    const a = byId.get(e.from);
    const b = byId.get(e.to);
    if (!a || !b) continue;
    let d: string;
    let labelX: number;
    let labelY: number;
    if (a.laneIndex === b.laneIndex && b.col > a.col + 1) {
      // Skips nodes in the same band: arc over them instead of drawing through them.
      const x1 = a.x + NODE_W * 0.75;
      const x2 = b.x + NODE_W * 0.25;
      const y = a.y;
      const lift = Math.min(LANE_PAD_TOP - 4, 8 + (b.col - a.col) * 3);
      d = `M${x1},${y} C${x1},${y - lift} ${x2},${y - lift} ${x2},${y}`;
      labelX = (x1 + x2) / 2;
      labelY = y - lift;
    } else if (b.col <= a.col) {
      // Backwards (a loop in the walk): under the nodes.
      const x1 = a.x + NODE_W / 2;
      const x2 = b.x + NODE_W / 2;
      const y1 = a.y + NODE_H;
      const y2 = b.y + NODE_H;
      const drop = 18;
      d = `M${x1},${y1} C${x1},${y1 + drop} ${x2},${y2 + drop} ${x2},${y2}`;
      labelX = (x1 + x2) / 2;
      labelY = Math.max(y1, y2) + drop;
    } else {
      const s: [number, number] = [a.x + NODE_W, a.y + NODE_H / 2];
      const t: [number, number] = [b.x, b.y + NODE_H / 2];
      d = link({ source: s, target: t }) ?? '';
      labelX = (s[0] + t[0]) / 2;
      labelY = (s[1] + t[1]) / 2 - 4;
    }
    edges.push({ edge: e, d, labelX, labelY });
  }

  const passes: PassMark[] = [];
  for (let i = 1; i < placed.length; i++) {
    const p = placed[i]!;
    if (p.node.pass !== placed[i - 1]!.node.pass) passes.push({ pass: p.node.pass, x: p.x - (COL_W - NODE_W) / 2 });
  }

  const lanes: PlacedLane[] = g.lanes.map((l, i) => ({ id: l.id, label: l.label, index: i, y: MARGIN + i * LANE_H }));
  return {
    nodes: placed,
    byId,
    edges,
    lanes,
    passes,
    width: MARGIN * 2 + Math.max(1, placed.length) * COL_W,
    height: MARGIN * 2 + Math.max(1, g.lanes.length) * LANE_H,
  };
}

/** Characters that fit in `px` at the graph's monospace size (about 6.6 px per character at 11 px). */
export function fitText(s: string, px: number, charPx = 6.6): string {
  const n = Math.floor(px / charPx);
  return s.length <= n ? s : `${s.slice(0, Math.max(1, n - 1))}…`;
}
