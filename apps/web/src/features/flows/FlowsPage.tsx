import { useCallback, useDeferredValue, useMemo, useState } from 'react';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router-dom';
import type { LogicalFlow } from '@tracemap/model';
import { LFLOW_PAGE, lflowOpenflowQuery, lflowStatsQuery, lflowsQuery, openflowByCookieQuery } from '../../api/queries';
import type { LflowFilter } from '../../api/types';
import { ProblemBox } from '../../components/ProblemBox';
import { useHost } from '../../components/useHost';
import { VirtualList } from '../../components/VirtualList';
import { StageChart, stageCounts } from './StageChart';
import { syntheticFlow } from './synthetic';

const ROW_H = 22;

export function FlowsPage() {
  const { host } = useHost();
  const [params, setParams] = useSearchParams();
  const datapath = params.get('datapath') ?? '';
  const pipeline = (params.get('pipeline') ?? '') as LflowFilter['pipeline'];
  const stage = params.get('stage') ?? '';
  const [text, setText] = useState(params.get('q') ?? '');
  const q = useDeferredValue(text.trim());
  const synthetic = Number(params.get('synthetic') ?? 0) || 0;
  const [selected, setSelected] = useState<LogicalFlow | null>(null);

  const set = (k: string, v: string) =>
    setParams(
      (p) => {
        const n = new URLSearchParams(p);
        if (v) n.set(k, v);
        else n.delete(k);
        return n;
      },
      { replace: true },
    );

  const filter: LflowFilter = useMemo(() => ({ host, datapath, pipeline, stage, q }), [host, datapath, pipeline, stage, q]);
  const stats = useQuery({ ...lflowStatsQuery(host), enabled: !synthetic });
  const list = useInfiniteQuery({ ...lflowsQuery(filter), enabled: !synthetic });
  const cookieQ = /^0x[0-9a-f]{1,8}$/i.test(q) ? q.toLowerCase() : '';
  const byCookie = useQuery({ ...openflowByCookieQuery(host, cookieQ), enabled: Boolean(cookieQ) && !synthetic });

  const counts = useMemo(() => stageCounts(stats.data, datapath), [stats.data, datapath]);
  const stageOptions = useMemo(() => counts.filter((c) => !pipeline || c.pipeline === pipeline).map((c) => c.stage), [counts, pipeline]);

  const loaded = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  const total = synthetic || (list.data?.pages[0]?.total ?? 0);
  const rowAt = useCallback((i: number): LogicalFlow | undefined => (synthetic ? syntheticFlow(i) : loaded[i]), [synthetic, loaded]);

  const { hasNextPage, isFetchingNextPage, fetchNextPage } = list;
  const onRange = useCallback(
    (_first: number, last: number) => {
      if (!synthetic && hasNextPage && !isFetchingNextPage && last >= loaded.length - LFLOW_PAGE / 4) void fetchNextPage();
    },
    [synthetic, hasNextPage, isFetchingNextPage, loaded.length, fetchNextPage],
  );

  const selectedKey = selected ? selected.uuid ?? `${selected.datapath}:${selected.line}` : '';
  const renderRow = useCallback(
    (i: number) => {
      const f = rowAt(i);
      if (!f) return <div className="lf-row placeholder muted">loading row {i + 1}…</div>;
      const key = f.uuid ?? `${f.datapath}:${f.line}`;
      return (
        <div
          className={`lf-row${key === selectedKey ? ' selected' : ''}`}
          onClick={() => setSelected(f)}
          role="row"
          aria-selected={key === selectedKey}
          data-uuid={f.uuid}
          title={`${f.datapath} ${f.pipeline} table ${f.table} (${f.stage ?? '?'}) priority ${f.priority}\nmatch=(${f.match})\nactions=(${f.actions})`}
        >
          <span className="c-cookie code">{f.cookie ?? (f.uuid ? `0x${f.uuid.slice(0, 8)}` : '')}</span>
          <span className="c-dp">{f.datapath}</span>
          <span className={`c-pipe ${f.pipeline}`}>{f.pipeline === 'ingress' ? 'in' : 'out'}</span>
          <span className="c-table code">{f.table}</span>
          <span className="c-stage">{f.stage}</span>
          <span className="c-prio code">{f.priority}</span>
          <span className="c-match code">{f.match}</span>
          <span className="c-actions code">{f.actions}</span>
        </div>
      );
    },
    [rowAt, selectedKey],
  );

  return (
    <div className="page flows-page">
      <div className="flows-top">
        <div className="filters" role="search">
          <h1>Mappings</h1>
          <label className="field">
            <span>Datapath</span>
            <select value={datapath} onChange={(e) => set('datapath', e.target.value)} data-testid="filter-datapath">
              <option value="">all</option>
              {stats.data?.datapaths.map((d) => (
                <option key={d.datapath} value={d.datapath}>
                  {d.datapath} ({d.total})
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Pipeline</span>
            <select value={pipeline} onChange={(e) => set('pipeline', e.target.value)} data-testid="filter-pipeline">
              <option value="">both</option>
              <option value="ingress">ingress</option>
              <option value="egress">egress</option>
            </select>
          </label>
          <label className="field">
            <span>Stage</span>
            <select value={stage} onChange={(e) => set('stage', e.target.value)} data-testid="filter-stage">
              <option value="">all</option>
              {stageOptions.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
              {stage && !stageOptions.includes(stage) && <option value={stage}>{stage}</option>}
            </select>
          </label>
          <label className="field grow">
            <span>Text, cookie (0x…) or UUID prefix</span>
            <input
              type="search"
              value={text}
              onChange={(e) => setText(e.target.value)}
              onBlur={() => set('q', text.trim())}
              placeholder="e.g. tcp.dst == 22, 0x9bc75ecc, 4d47bd2"
              data-testid="filter-q"
            />
          </label>
          <div className="muted small" data-testid="flow-count" aria-live="polite">
            {list.isLoading ? 'loading…' : `${total.toLocaleString()} logical flows${loaded.length < total && !synthetic ? ` (${loaded.length.toLocaleString()} loaded)` : ''}`}
          </div>
        </div>
        <div className="chart-box">
          <h2 className="small">Flows per stage{datapath ? ` in ${datapath}` : ''}</h2>
          {stats.error ? <ProblemBox error={stats.error} /> : <StageChart counts={counts} selected={stage} onSelect={(s) => set('stage', s)} />}
        </div>
      </div>
      {list.error && <ProblemBox error={list.error} onRetry={() => void list.refetch()} />}
      {cookieQ && byCookie.data && (
        <section className="cookie-hits" data-testid="cookie-hits">
          <h3 className="small">
            OpenFlow flows with cookie {cookieQ}: {byCookie.data.total}
          </h3>
          <ul className="code small">
            {byCookie.data.items.slice(0, 20).map((it, i) => (
              <li key={i}>
                table={it.flow.table} priority={it.flow.priority} n_packets={it.flow.nPackets ?? '?'} {it.flow.match} actions={it.flow.actions}
                {it.lflows.map((lf) => (
                  <button key={lf.uuid ?? lf.line} type="button" className="linkish" onClick={() => setSelected(lf)}>
                    {' '}
                    → {lf.datapath} {lf.stage}
                  </button>
                ))}
              </li>
            ))}
          </ul>
        </section>
      )}
      <div className="flows-main">
        <div className="lf-table" role="table" aria-label="Logical flows">
          <div className="lf-row head" role="row">
            <span className="c-cookie">cookie</span>
            <span className="c-dp">datapath</span>
            <span className="c-pipe">pipe</span>
            <span className="c-table">tbl</span>
            <span className="c-stage">stage</span>
            <span className="c-prio">prio</span>
            <span className="c-match">match</span>
            <span className="c-actions">actions</span>
          </div>
          <VirtualList count={total} rowHeight={ROW_H} renderRow={renderRow} onRange={onRange} data-testid="lflow-list" overscan={12} />
        </div>
        <aside className="lf-detail" data-testid="lflow-detail">
          {selected ? <LflowDetail flow={selected} host={host} synthetic={Boolean(synthetic)} /> : <p className="muted">Select a logical flow to see the OpenFlow flows it became, with packet counters.</p>}
        </aside>
      </div>
    </div>
  );
}

function LflowDetail({ flow, host, synthetic }: { flow: LogicalFlow; host: string; synthetic: boolean }) {
  const of = useQuery({ ...lflowOpenflowQuery(flow.uuid ?? '', host), enabled: Boolean(flow.uuid) && !synthetic });
  return (
    <div>
      <h3>
        {flow.stage} <span className="muted small">{flow.datapath} · {flow.pipeline} table {flow.table} · priority {flow.priority}</span>
      </h3>
      <dl>
        <dt>uuid</dt>
        <dd className="code">{flow.uuid}</dd>
        <dt>cookie</dt>
        <dd className="code">{flow.cookie}</dd>
        <dt>match</dt>
        <dd className="code">{flow.match}</dd>
        <dt>actions</dt>
        <dd className="code">{flow.actions}</dd>
        {flow.source && (
          <>
            <dt>source</dt>
            <dd className="code">{flow.source}</dd>
          </>
        )}
      </dl>
      <h4>OpenFlow flows</h4>
      {of.isLoading && <p className="muted">loading…</p>}
      {of.error && <ProblemBox error={of.error} />}
      {of.data && of.data.flows.length === 0 && <p className="muted">None installed on this host (the datapath may not be local, or the flow was optimised away).</p>}
      {of.data && of.data.flows.length > 0 && (
        <table className="of-table" data-testid="openflow-flows">
          <thead>
            <tr>
              <th>table</th>
              <th>prio</th>
              <th title="n_packets">pkts</th>
              <th>match / actions</th>
            </tr>
          </thead>
          <tbody>
            {of.data.flows.map((f, i) => (
              <tr key={i} className={f.nPackets ? 'hot' : ''}>
                <td className="code">{f.table}</td>
                <td className="code">{f.priority}</td>
                <td className="code num">{f.nPackets ?? '?'}</td>
                <td className="code">
                  {f.match || '(any)'}
                  <div className="muted">actions={f.actions}</div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
