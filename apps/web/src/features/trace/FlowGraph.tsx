import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { flushSync } from 'react-dom';
import type { ZoomTransform } from 'd3';
import type { GraphEdgeKind, TraceGraph } from '@tracemap/analysis';
import { useZoom } from '../../viz/useZoom';
import {
  COL_W,
  CULL_MIN_NODES,
  HEAD_X,
  NODE_H,
  NODE_W,
  chooseWrap,
  cullLayout,
  cullRegion,
  fitText,
  layoutBox,
  layoutGraph,
  lodFor,
  openingView,
  regionServes,
  viewBox,
  viewportBox,
  type Box,
  type GraphLayout,
  type Lod,
  type PlacedEdge,
  type PlacedNode,
  type PlacedSegment,
} from '../../viz/graph-layout';

const EDGE_KINDS: GraphEdgeKind[] = ['resubmit', 'next', 'patch', 'recirc', 'tunnel', 'output'];
const EDGE_LABEL: Partial<Record<GraphEdgeKind, string>> = { patch: 'patch', recirc: 'recirc', tunnel: 'tunnel', output: 'out' };

function nodeTitle(p: PlacedNode): string {
  const n = p.node;
  const bits = [
    n.label,
    n.stage && `stage ${n.stage}`,
    n.datapath && `datapath ${n.datapath}${n.pipeline ? ` (${n.pipeline})` : ''}`,
    n.priority !== undefined && `priority ${n.priority}`,
    n.cookie && `cookie ${n.cookie}`,
    n.folded && n.folded > 1 && `${n.folded} pass-through tables folded`,
    n.drop && 'DROPPED HERE',
    n.conjBroken && `broken conjunction: ${n.conjBroken.explanation}`,
    `lines ${n.line}–${n.endLine}`,
  ];
  return bits.filter(Boolean).join('\n');
}

const Node = memo(function Node({ p, lod }: { p: PlacedNode; lod: Lod }) {
  const n = p.node;
  const kindIcon = n.drop ? '✖ ' : n.kind === 'output' ? '➜ ' : n.kind === 'tunnel' ? '⇶ ' : n.kind === 'controller' ? '⚙ ' : n.kind === 'recirc' ? '↻ ' : '';
  const head = `${kindIcon}${n.drop ? 'DROP · ' : ''}${n.label}${n.folded && n.folded > 1 ? ` ×${n.folded}` : ''}`;
  const second = n.stage ?? n.sublabel ?? (n.kind === 'no-match' ? 'no match' : '');
  const third = n.stage ? (n.sublabel && n.sublabel !== n.stage ? n.sublabel : n.priority !== undefined ? `prio ${n.priority}` : '') : n.priority !== undefined ? `prio ${n.priority}` : '';
  // Fewer elements when zoomed out (lodFor): text under ~4 px on screen is only paint work.
  return (
    <g
      className={`node k-${n.kind}${n.drop ? ' drop' : ''}${n.folded && n.folded > 1 ? ' folded' : ''}`}
      transform={`translate(${p.x},${p.y})`}
      data-node-id={n.id}
      data-drop={n.drop ? 'true' : undefined}
      data-stage={n.stage}
      data-table={n.table ?? undefined}
      data-lane={n.lane}
    >
      <title>{nodeTitle(p)}</title>
      {n.folded && n.folded > 1 && <rect className="fold-shadow" x={4} y={-4} width={NODE_W} height={NODE_H} rx={5} />}
      <rect className="box" width={NODE_W} height={NODE_H} rx={5} />
      {lod !== 'box' && (
        <text className="n1" x={7} y={14}>
          {fitText(head, NODE_W - 12, 6.9)}
        </text>
      )}
      {lod === 'full' && (
        <text className="n2" x={7} y={27}>
          {fitText(second, NODE_W - 12)}
        </text>
      )}
      {lod === 'full' && third && (
        <text className="n3" x={7} y={39}>
          {fitText(third, NODE_W - 12, 6)}
        </text>
      )}
      {n.conjBroken && (
        <g className="conj-badge" transform={`translate(${NODE_W - 8},-6)`} data-conj-broken="true" aria-label={`Broken conjunction ${n.conjBroken.id}: ${n.conjBroken.explanation}`}>
          <title>{`Broken conjunction ${n.conjBroken.id}: ${n.conjBroken.explanation}`}</title>
          <rect x={-34} y={-8} width={42} height={16} rx={8} />
          {lod !== 'box' && (
            <text x={-13} y={4} textAnchor="middle">
              ⚠ conj
            </text>
          )}
        </g>
      )}
    </g>
  );
});

const Edge = memo(function Edge({ e, label }: { e: PlacedEdge; label: boolean }) {
  const text = label ? EDGE_LABEL[e.edge.kind] : undefined;
  return (
    <g className={`edge e-${e.edge.kind}`} data-edge-kind={e.edge.kind}>
      <path d={e.d} markerEnd={`url(#arrow-${e.edge.kind})`} />
      {text && (
        <text x={e.labelX} y={e.labelY} textAnchor="middle">
          {text}
        </text>
      )}
    </g>
  );
});

const Background = memo(function Background({ segments, edges, lod }: { segments: PlacedSegment[]; edges: PlacedEdge[]; lod: Lod }) {
  return (
    <>
      <g className="lanes">
        {segments.map((sg) => (
          <g key={sg.index} data-segment={sg.index}>
            <rect className={`lane-band ${sg.laneIndex % 2 ? 'odd' : 'even'}`} x={sg.x} y={sg.y} width={sg.width} height={sg.height} />
            {sg.passStart && <line className="pass-line" x1={sg.x} x2={sg.x + sg.width} y1={sg.y} y2={sg.y} />}
          </g>
        ))}
      </g>
      <g className="edges">
        {edges.map((e) => (
          <Edge key={e.edge.id} e={e} label={lod !== 'box'} />
        ))}
      </g>
    </>
  );
});

/*
 * Segment headers, drawn over the nodes: when the view is zoomed out for an overview, they grow
 * (--label-scale, set by the zoom handler on this group only) so the lanes stay legible.
 */
const Headers = memo(function Headers({ segments }: { segments: PlacedSegment[] }) {
  return (
    <>
      {segments.map((sg) => (
        <text key={sg.index} className="seg-head" x={sg.x + HEAD_X} y={sg.y + 16}>
          <tspan className="lane-tag">{fitText(sg.label, sg.passStart ? COL_W * 2.2 : sg.width - HEAD_X - 12, 6.2)}</tspan>
          {sg.passStart && <tspan className="pass-label" dx={14}>{`↻ pass ${sg.pass + 1} (after recirculation)`}</tspan>}
        </text>
      ))}
    </>
  );
});

const Nodes = memo(function Nodes({ nodes, lod }: { nodes: PlacedNode[]; lod: Lod }) {
  return (
    <g className="nodes">
      {nodes.map((p) => (
        <Node key={p.node.id} p={p} lod={lod} />
      ))}
    </g>
  );
});

const EMPTY_LAYOUT = layoutGraph({ nodes: [], edges: [], lanes: [], path: [], verdictText: '' });

/** What is drawn: the region of `layout` (null: all of it) at a level of detail. */
interface Cull {
  layout: GraphLayout;
  region: Box | null;
  lod: Lod;
}

export interface FlowGraphProps {
  graph: TraceGraph;
  selectedId: string | null;
  onSelect: (id: string) => void;
  /** Focus this node when the graph opens (the drop, else the first). */
  initialFocusId?: string;
  /** Bumped when the view should fit the whole graph. */
  fitSignal?: number;
}

export function FlowGraph({ graph, selectedId, onSelect, initialFocusId, fitSignal }: FlowGraphProps) {
  const svgRef = useRef<SVGSVGElement>(null);
  const gRef = useRef<SVGGElement>(null);
  const headsRef = useRef<SVGGElement>(null);
  const onScale = useCallback((k: number) => {
    headsRef.current?.style.setProperty('--label-scale', String(Math.min(4, Math.max(1, 0.85 / k)).toFixed(2)));
  }, []);

  // Culling (graph-layout.ts): the zoom handler checks each transform against the drawn region
  // without React; only when the view leaves it (or the level of detail changes) is a new region
  // rendered, once per animation frame at most. The svg's size is kept by a ResizeObserver, not
  // read in the handler (clientWidth there would force a layout of the whole drawing per frame).
  const cullRef = useRef<Cull | null>(null);
  const sizeRef = useRef({ w: 800, h: 380 });
  const lastT = useRef<ZoomTransform | null>(null);
  const frame = useRef(0);
  const [cull, setCull] = useState<Cull | null>(null);
  const onTransform = useCallback((t: ZoomTransform) => {
    lastT.current = t;
    const c = cullRef.current;
    if (!c?.region || frame.current) return;
    if (lodFor(t.k) === c.lod && regionServes(c.region, viewportBox(t, sizeRef.current.w, sizeRef.current.h))) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      const now = lastT.current;
      const cur = cullRef.current;
      if (!now || !cur?.region) return;
      const vp = viewportBox(now, sizeRef.current.w, sizeRef.current.h);
      // Synchronously, so this frame paints the new region rather than the edge of the old one.
      flushSync(() => setCull({ layout: cur.layout, region: cullRegion(vp), lod: lodFor(now.k) }));
    });
  }, []);
  useEffect(() => () => cancelAnimationFrame(frame.current), []);

  const knownSize = useCallback(() => sizeRef.current, []);
  const zoom = useZoom(svgRef, gRef, { onScale, onTransform, size: knownSize });
  // The viewport, measured once before the first paint: the rows wrap to its aspect so the walk
  // can open fitted. Not re-measured on resize: moving every node under the user's hands would
  // lose their place (Fit re-frames the same layout).
  const [view, setView] = useState<{ w: number; h: number } | null>(null);
  useLayoutEffect(() => {
    const svg = svgRef.current;
    const v = { w: svg?.clientWidth || 800, h: svg?.clientHeight || 380 };
    sizeRef.current = v;
    setView(v);
  }, []);
  useEffect(() => {
    const svg = svgRef.current;
    if (!svg || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver((entries) => {
      const r = entries[0]?.contentRect;
      if (!r) return;
      sizeRef.current = { w: r.width || 800, h: r.height || 380 };
      if (lastT.current) onTransform(lastT.current);
    });
    ro.observe(svg);
    return () => ro.disconnect();
  }, [onTransform]);

  const layout = useMemo(() => {
    if (!view) return EMPTY_LAYOUT;
    const l = layoutGraph(graph, { wrap: chooseWrap(graph, view.w, view.h) });
    performance.mark('tracemap:graph-laid-out');
    return l;
  }, [graph, view]);
  const endId = initialFocusId ?? graph.path[graph.path.length - 1];
  const endIsDrop = Boolean(graph.dropNodeId && endId === graph.dropNodeId);
  // Open on the whole walk when it is readable, else entry to end, else the end (the drop).
  const opening = useMemo(() => (view && layout.nodes.length ? openingView(layout, view.w, view.h, endId, endIsDrop) : null), [layout, view, endId, endIsDrop]);
  // The first region is the opening view itself, so the first commit holds only what is seen;
  // once that is painted, the usual margin around it is drawn (before the user pans into it).
  const openingCull = useMemo<Cull>(
    () =>
      opening && view && layout.nodes.length > CULL_MIN_NODES
        ? { layout, region: cullRegion(viewBox(opening, view.w, view.h), 0), lod: lodFor(opening.k) }
        : { layout, region: null, lod: 'full' },
    [layout, opening, view],
  );
  useEffect(() => {
    if (!openingCull.region || !opening || !view) return;
    let timer = 0;
    const f = requestAnimationFrame(() => {
      timer = window.setTimeout(() => setCull((c) => (c && c.layout === layout ? c : { ...openingCull, region: cullRegion(viewBox(opening, view.w, view.h)) })), 0);
    });
    return () => {
      cancelAnimationFrame(f);
      clearTimeout(timer);
    };
  }, [openingCull, opening, view, layout]);
  const active = cull && cull.layout === layout ? cull : openingCull;
  useLayoutEffect(() => {
    cullRef.current = active;
  });
  const visible = useMemo(() => cullLayout(layout, active.region, [selectedId, graph.dropNodeId]), [layout, active.region, selectedId, graph.dropNodeId]);

  useLayoutEffect(() => {
    if (!opening) return;
    zoom.centerOn(opening.cx, opening.cy, opening.k, false);
    const svg = svgRef.current;
    if (svg) svg.dataset.view = opening.reason;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [layout, endId]);

  // For bench/web-render.bench.ts: the first commit with the nodes in the DOM, once per graph
  // view, and the end of the frame that paints it.
  const marked = useRef(false);
  useEffect(() => {
    if (marked.current || !layout.nodes.length) return;
    marked.current = true;
    performance.mark('tracemap:graph-rendered', { detail: { nodes: layout.nodes.length, rendered: visible.nodes.length } });
    requestAnimationFrame(() => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => performance.mark('tracemap:graph-painted');
      ch.port2.postMessage(null);
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [layout]);

  useEffect(() => {
    if (fitSignal) zoom.fit(layoutBox(layout), 1, true);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [fitSignal]);

  // Keep the selected node in view (keyboard walking runs off screen). It is drawn even when
  // culled (pinned above); the pan brings its surroundings in.
  useEffect(() => {
    const p = selectedId ? layout.byId.get(selectedId) : undefined;
    if (p) zoom.reveal([p.x, p.y - 20, p.x + NODE_W, p.y + NODE_H]);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [selectedId, layout]);

  const onClick = useCallback(
    (e: MouseEvent<SVGGElement>) => {
      const el = (e.target as Element).closest('[data-node-id]');
      const id = el?.getAttribute('data-node-id');
      if (id) {
        onSelect(id);
        svgRef.current?.focus({ preventScroll: true });
      }
    },
    [onSelect],
  );

  const walk = useMemo(() => graph.path.filter((id) => layout.byId.has(id)), [graph.path, layout]);
  const onKeyDown = (e: KeyboardEvent<SVGSVGElement>) => {
    const i = selectedId ? walk.indexOf(selectedId) : -1;
    let next: string | undefined;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') next = walk[Math.min(walk.length - 1, i + 1)];
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') next = walk[Math.max(0, i - 1)];
    else if (e.key === 'Home') next = walk[0];
    else if (e.key === 'End') next = walk[walk.length - 1];
    else if (e.key === 'd' && graph.dropNodeId) next = graph.dropNodeId;
    else if (e.key === '+' || e.key === '=') zoom.zoomBy(1.25);
    else if (e.key === '-') zoom.zoomBy(0.8);
    else return;
    e.preventDefault();
    if (next) onSelect(next);
  };

  const sel = selectedId ? layout.byId.get(selectedId) : undefined;
  return (
    <div className="graph-wrap">
      <svg
        ref={svgRef}
        className="flow-graph"
        data-testid="flow-graph"
        data-nodes={layout.nodes.length}
        data-rendered={visible.nodes.length}
        data-lod={active.lod}
        data-selected={selectedId ?? undefined}
        tabIndex={0}
        role="group"
        aria-label={`Flow graph: ${layout.nodes.length} table visits in ${layout.lanes.length} lanes. Arrow keys walk the path, D jumps to the drop, plus and minus zoom.`}
        onKeyDown={onKeyDown}
      >
        <defs>
          {EDGE_KINDS.map((k) => (
            <marker key={k} id={`arrow-${k}`} className={`arrow e-${k}`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M0,0 L10,5 L0,10 z" />
            </marker>
          ))}
        </defs>
        <g ref={gRef} onClick={onClick}>
          <Background segments={visible.segments} edges={visible.edges} lod={active.lod} />
          {/* Under the nodes, so badges stay readable on the selected one. */}
          {sel && (
            <rect className="selection" x={sel.x - 4} y={sel.y - 4} width={NODE_W + 8} height={NODE_H + 8} rx={7} data-testid="graph-selection" pointerEvents="none" />
          )}
          <Nodes nodes={visible.nodes} lod={active.lod} />
          <g className="lane-tags" ref={headsRef} pointerEvents="none">
            <Headers segments={visible.segments} />
          </g>
        </g>
      </svg>
      <div className="graph-controls">
        <button type="button" onClick={() => zoom.zoomBy(1.25)} aria-label="Zoom in">
          +
        </button>
        <button type="button" onClick={() => zoom.zoomBy(0.8)} aria-label="Zoom out">
          −
        </button>
        <button type="button" onClick={() => zoom.fit(layoutBox(layout), 1, true)}>
          Fit
        </button>
        {graph.dropNodeId && (
          <button type="button" className="danger" onClick={() => onSelect(graph.dropNodeId!)}>
            ✖ Drop
          </button>
        )}
      </div>
      <div className="legend small muted" aria-hidden="true">
        <span className="lg e-resubmit">— resubmit</span>
        <span className="lg e-next">— next</span>
        <span className="lg e-patch">— patch</span>
        <span className="lg e-recirc">┄ recirc</span>
        <span className="lg e-tunnel">┈ tunnel</span>
        <span>✖ drop</span>
        <span>⚠ conj broken conjunction</span>
      </div>
    </div>
  );
}
