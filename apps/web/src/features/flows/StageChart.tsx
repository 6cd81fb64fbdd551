import { useMemo } from 'react';
import { scaleBand, scaleLinear, max } from 'd3';
import type { LflowStats } from '../../api/types';

export interface StageCount {
  key: string;
  pipeline: 'ingress' | 'egress';
  table: number;
  stage: string;
  count: number;
}

/** Counts per stage, summed over the datapaths in view, most flows first. */
export function stageCounts(stats: LflowStats | undefined, datapath: string): StageCount[] {
  const m = new Map<string, StageCount>();
  for (const dp of stats?.datapaths ?? []) {
    if (datapath && dp.datapath !== datapath) continue;
    for (const s of dp.stages) {
      const key = `${s.pipeline}:${s.stage}`;
      const cur = m.get(key);
      if (cur) cur.count += s.count;
      else m.set(key, { key, pipeline: s.pipeline, table: s.table, stage: s.stage, count: s.count });
    }
  }
  return [...m.values()].sort((a, b) => b.count - a.count || a.table - b.table);
}

const ROW = 15;
const LABEL_W = 178;
const W = 420;

/** Horizontal bars, d3 scales for the maths, React for the SVG. Click a bar to filter by its stage. */
export function StageChart({ counts, selected, onSelect, limit = 24 }: { counts: StageCount[]; selected: string; onSelect: (stage: string) => void; limit?: number }) {
  const shown = counts.slice(0, limit);
  const { x, y, h } = useMemo(() => {
    const h = shown.length * ROW + 18;
    const x = scaleLinear()
      .domain([0, max(shown, (d) => d.count) ?? 1])
      .nice()
      .range([0, W - LABEL_W - 44]);
    const y = scaleBand<string>()
      .domain(shown.map((d) => d.key))
      .range([0, shown.length * ROW])
      .padding(0.18);
    return { x, y, h };
  }, [shown]);
  if (!shown.length) return <p className="muted small">No stage counts.</p>;
  return (
    <svg className="stage-chart" width={W} height={h} role="img" aria-label="Logical flows per stage" data-testid="stage-chart">
      {shown.map((d) => {
        const yy = y(d.key) ?? 0;
        const active = selected === d.stage;
        return (
          <g key={d.key} transform={`translate(0,${yy})`} className={`bar ${d.pipeline}${active ? ' active' : ''}`} onClick={() => onSelect(active ? '' : d.stage)} role="button" aria-pressed={active} tabIndex={0} onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && onSelect(active ? '' : d.stage)}>
            <title>{`${d.stage} (${d.pipeline} table ${d.table}): ${d.count} flows`}</title>
            <text className="bar-label" x={LABEL_W - 4} y={y.bandwidth() / 2 + 4} textAnchor="end">
              {d.stage.length > 27 ? `${d.stage.slice(0, 26)}…` : d.stage}
            </text>
            <rect x={LABEL_W} width={Math.max(1, x(d.count))} height={y.bandwidth()} rx={2} />
            <text className="bar-value" x={LABEL_W + x(d.count) + 4} y={y.bandwidth() / 2 + 4}>
              {d.count}
            </text>
          </g>
        );
      })}
      {counts.length > limit && (
        <text className="muted" x={LABEL_W} y={h - 4}>
          + {counts.length - limit} more stages
        </text>
      )}
    </svg>
  );
}
