import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, type KeyboardEvent, type MouseEvent } from 'react';
import type { GraphEdgeKind, TraceGraph } from '@tracemap/analysis';
import { useZoom } from '../../viz/useZoom';
import { COL_W, LANE_H, NODE_H, NODE_W, fitText, layoutGraph, type GraphLayout, type PlacedNode } from '../../viz/graph-layout';

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

const Node = memo(function Node({ p }: { p: PlacedNode }) {
  const n = p.node;
  const kindIcon = n.drop ? '✖ ' : n.kind === 'output' ? '➜ ' : n.kind === 'tunnel' ? '⇶ ' : n.kind === 'controller' ? '⚙ ' : n.kind === 'recirc' ? '↻ ' : '';
  const head = `${kindIcon}${n.drop ? 'DROP · ' : ''}${n.label}${n.folded && n.folded > 1 ? ` ×${n.folded}` : ''}`;
  const second = n.stage ?? n.sublabel ?? (n.kind === 'no-match' ? 'no match' : '');
  const third = n.stage ? (n.sublabel && n.sublabel !== n.stage ? n.sublabel : n.priority !== undefined ? `prio ${n.priority}` : '') : n.priority !== undefined ? `prio ${n.priority}` : '';
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
      <text className="n1" x={7} y={14}>
        {fitText(head, NODE_W - 12, 6.9)}
      </text>
      <text className="n2" x={7} y={27}>
        {fitText(second, NODE_W - 12)}
      </text>
      {third && (
        <text className="n3" x={7} y={39}>
          {fitText(third, NODE_W - 12, 6)}
        </text>
      )}
      {n.conjBroken && (
        <g className="conj-badge" transform={`translate(${NODE_W - 8},-6)`} data-conj-broken="true" aria-label={`Broken conjunction ${n.conjBroken.id}: ${n.conjBroken.explanation}`}>
          <title>{`Broken conjunction ${n.conjBroken.id}: ${n.conjBroken.explanation}`}</title>
          <rect x={-34} y={-8} width={42} height={16} rx={8} />
          <text x={-13} y={4} textAnchor="middle">
            ⚠ conj
          </text>
        </g>
      )}
    </g>
  );
});

const Background = memo(function Background({ layout }: { layout: GraphLayout }) {
  return (
    <>
      <g className="lanes">
        {layout.lanes.map((l) => (
          <rect key={l.id} className={`lane-band ${l.index % 2 ? 'odd' : 'even'}`} x={0} y={l.y} width={layout.width} height={LANE_H} />
        ))}
      </g>
      <g className="passes">
        {layout.passes.map((p) => (
          <g key={p.pass} transform={`translate(${p.x},0)`}>
            <line className="pass-line" x1={0} x2={0} y1={4} y2={layout.height} />
            <text className="pass-label" x={4} y={14}>
              ↻ pass {p.pass + 1} (after recirculation)
            </text>
          </g>
        ))}
      </g>
      <g className="edges">
        {layout.edges.map((e) => (
          <g key={e.edge.id} className={`edge e-${e.edge.kind}`} data-edge-kind={e.edge.kind}>
            <path d={e.d} markerEnd={`url(#arrow-${e.edge.kind})`} />
            {EDGE_LABEL[e.edge.kind] && (
              <text x={e.labelX} y={e.labelY} textAnchor="middle">
                {EDGE_LABEL[e.edge.kind]}
              </text>
            )}
          </g>
        ))}
      </g>
      <g className="lane-tags">
        {layout.nodes
          .filter((p) => p.laneStart)
          .map((p) => (
            <text key={p.node.id} className="lane-tag" x={p.x} y={p.y - 7}>
              {fitText(layout.lanes[p.laneIndex]?.label ?? '', COL_W * 2.4, 6.2)}
            </text>
          ))}
      </g>
    </>
  );
});

const Nodes = memo(function Nodes({ layout }: { layout: GraphLayout }) {
  return (
    <g className="nodes">
      {layout.nodes.map((p) => (
        <Node key={p.node.id} p={p} />
      ))}
    </g>
  );
});

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
  const layout = useMemo(() => layoutGraph(graph), [graph]);
  const svgRef = useRef<SVGSVGElement>(null);
  const gRef = useRef<SVGGElement>(null);
  const zoom = useZoom(svgRef, gRef);

  // Open on the drop (or the start of the walk): every lane in view, the drop in the middle.
  useLayoutEffect(() => {
    const focus = initialFocusId ? layout.byId.get(initialFocusId) : undefined;
    const svg = svgRef.current;
    const w = svg?.clientWidth || 800;
    const h = svg?.clientHeight || 380;
    if (layout.width <= w && layout.height <= h) {
      zoom.fit([0, 0, layout.width, layout.height], 1);
      return;
    }
    const k = Math.max(0.55, Math.min(1, (h - 30) / layout.height));
    const cy = layout.height * k <= h ? layout.height / 2 : (focus ? focus.y + NODE_H / 2 : h / 2 / k);
    if (focus) zoom.centerOn(focus.x + NODE_W / 2, cy, k, false);
    else zoom.centerOn(w / 2 / k, cy, k, false);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [layout, initialFocusId]);

  useEffect(() => {
    if (fitSignal) zoom.fit([0, 0, layout.width, layout.height], 1, true);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [fitSignal]);

  // Keep the selected node in view (keyboard walking runs off screen).
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
          <Background layout={layout} />
          {/* Under the nodes, so badges stay readable on the selected one. */}
          {sel && (
            <rect className="selection" x={sel.x - 4} y={sel.y - 4} width={NODE_W + 8} height={NODE_H + 8} rx={7} data-testid="graph-selection" pointerEvents="none" />
          )}
          <Nodes layout={layout} />
        </g>
      </svg>
      <div className="graph-controls">
        <button type="button" onClick={() => zoom.zoomBy(1.25)} aria-label="Zoom in">
          +
        </button>
        <button type="button" onClick={() => zoom.zoomBy(0.8)} aria-label="Zoom out">
          −
        </button>
        <button type="button" onClick={() => zoom.fit([0, 0, layout.width, layout.height], 1, true)}>
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
