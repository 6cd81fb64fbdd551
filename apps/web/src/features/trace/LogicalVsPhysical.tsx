import { useMemo } from 'react';
import type { GraphNode, TraceComparison, TraceGraph } from '@tracemap/analysis';

function walk(g: TraceGraph, keep: (n: GraphNode) => boolean): GraphNode[] {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  return g.path.map((id) => byId.get(id)).filter((n): n is GraphNode => n !== undefined && keep(n));
}

function Item({ n, marked, onClick }: { n: GraphNode; marked: boolean; onClick?: () => void }) {
  return (
    <li className={`${marked ? 'first-diff' : ''}${n.drop ? ' drop' : ''}`} data-first-diff={marked ? 'true' : undefined}>
      <button type="button" className="linkish" onClick={onClick} disabled={!onClick}>
        {marked && <span className="diff-tag">≠ first difference</span>}
        {n.drop && <span className="badge drop">✖ drop</span>}
        <span className="code">{n.table !== null ? `${n.table}`.padStart(2, ' ') : '··'}</span> <strong>{n.stage ?? n.label}</strong>
        <span className="muted">
          {' '}
          {n.datapath}
          {n.pipeline ? ` ${n.pipeline}` : ''}
        </span>
        {n.sublabel && n.sublabel !== n.stage && <div className="code small muted">{n.sublabel}</div>}
      </button>
    </li>
  );
}

/**
 * ovn-trace (what the logical flows say should happen) next to ofproto/trace (what the OpenFlow
 * tables did), reduced to logical stages, with the first place they part marked on both sides.
 */
export function LogicalVsPhysical({
  logical,
  physical,
  comparison,
  onSelectPhysical,
}: {
  logical: TraceGraph;
  physical: TraceGraph;
  comparison: TraceComparison | null;
  onSelectPhysical: (id: string) => void;
}) {
  const left = useMemo(() => walk(logical, (n) => n.kind !== 'raw'), [logical]);
  const right = useMemo(() => walk(physical, (n) => Boolean(n.stage) || n.drop || (n.kind !== 'table' && n.kind !== 'no-match')), [physical]);
  const fd = comparison?.firstDifference;
  return (
    <section className="lvp" data-testid="logical-vs-physical" aria-label="Logical and physical paths side by side">
      <h3>
        Logical vs physical{' '}
        {comparison &&
          (comparison.agree && !fd ? (
            <span className="ok small">✔ same path</span>
          ) : (
            <span className="bad small" data-testid="first-difference">
              ≠ {fd?.text ?? 'the verdicts differ'}
            </span>
          ))}
      </h3>
      <div className="lvp-cols">
        <div>
          <h4>ovn-trace (logical) — {left.length} stages</h4>
          <ol>
            {left.map((n) => (
              <Item key={n.id} n={n} marked={fd?.ovnNodeId === n.id} />
            ))}
          </ol>
        </div>
        <div>
          <h4>ofproto/trace (OpenFlow) — {right.length} logical steps</h4>
          <ol>
            {right.map((n) => (
              <Item key={n.id} n={n} marked={fd?.ofNodeId === n.id} onClick={() => onSelectPhysical(n.id)} />
            ))}
          </ol>
        </div>
      </div>
    </section>
  );
}
