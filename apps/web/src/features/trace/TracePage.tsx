import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useParams, useSearchParams } from 'react-router-dom';
import { useQuery } from '@tanstack/react-query';
import { conjunctionsQuery, traceQuery, traceViewQuery } from '../../api/queries';
import { ProblemBox } from '../../components/ProblemBox';
import { RawOutput, type RawOutputHandle } from '../../components/RawOutput';
import { useCopy } from '../../components/CopyArea';
import { utcTime } from '../../components/time';
import type { TraceFirstView, TraceRecord } from '../../api/types';
import { FlowGraph } from './FlowGraph';
import { NodeDetails } from './NodeDetails';
import { VerdictBanner } from './VerdictBanner';
import { LogicalVsPhysical } from './LogicalVsPhysical';
import { ShareBar, ShareText } from './ShareBar';
import { bugReportMarkdown } from './bug-report';
import { verdictView } from './verdict-text';
import { availableSources, buildGraph, comparisonOf, nodeDetail, rawText, runFor, visibleNodeFor, wantsLiveConjunctions, type GraphSource } from './trace-model';

export function TracePage() {
  const { id = '' } = useParams();
  // The first view (light record + graph) draws the page; the whole record follows for the
  // details, raw output and other views. A trace just run is already in the cache whole.
  const [params] = useSearchParams();
  const full = useQuery(traceQuery(id));
  // The view the page opened on (a later compact toggle is drawn from the whole record).
  const [compact] = useState(() => params.get('compact') === '1');
  const view = useQuery({ ...traceViewQuery(id, compact), enabled: !full.data });
  if (full.data) return <TraceView record={full.data} {...(view.data ? { first: view.data } : {})} />;
  if (view.data) return <TraceView record={view.data.record} first={view.data} />;
  if (full.isLoading) return <div className="page narrow muted">Loading trace {id}…</div>;
  if (full.error) return <div className="page narrow"><ProblemBox error={full.error} onRetry={() => void full.refetch()} /></div>;
  return null;
}

function TraceView({ record, first }: { record: TraceRecord; first?: TraceFirstView }) {
  const light = Boolean(record.light);
  const [params, setParams] = useSearchParams();
  const sources = useMemo(() => (light && first ? first.sources : availableSources(record)), [record, light, first]);
  const source: GraphSource = (sources.find((s) => s === params.get('view')) ?? sources[0] ?? 'physical') as GraphSource;
  const compact = params.get('compact') === '1';
  const [liveConj] = useState(() => wantsLiveConjunctions(record));
  const conj = useQuery({ ...conjunctionsQuery(record.host ?? '', true), enabled: liveConj });
  const broken = record.conjunctions?.broken.length ? record.conjunctions.broken : conj.data?.broken ?? record.conjunctions?.broken;
  // The server's graph is the default one (first source, full, the recorded broken conjunctions):
  // it stays the same object when the whole record arrives, so the view is not laid out again.
  const firstFits = Boolean(first?.graph) && source === first?.sources[0] && compact === first?.compact && (broken?.length ?? 0) === (first?.record.conjunctions?.broken.length ?? 0);
  const graph = useMemo(() => {
    const g = firstFits ? first!.graph : light ? null : buildGraph(record, source, compact, broken);
    performance.mark('tracemap:graph-built');
    return g;
  }, [firstFits, first, light, record, source, compact, broken]);
  // The first commit holds the verdict and the graph; the raw output, details and side-by-side
  // panes join a frame later, once the whole record is in.
  const [frame, setFrame] = useState(false);
  useEffect(() => {
    const f = requestAnimationFrame(() => setFrame(true));
    return () => cancelAnimationFrame(f);
  }, []);
  const rest = frame && !light;
  const fullPhysical = useMemo(() => (rest && record.type === 'packet' ? (source === 'physical' && !compact && firstFits ? graph : buildGraph(record, 'physical', false, broken)) : null), [record, broken, rest, source, compact, firstFits, graph]);
  const logical = useMemo(() => (rest && record.type === 'packet' ? buildGraph(record, 'logical', false) : null), [record, rest]);
  const comparison = useMemo(() => first?.comparison ?? (light ? null : comparisonOf(record)), [first, light, record]);
  const verdict = useMemo(() => verdictView(record, comparison?.firstDifference?.text), [record, comparison]);
  const raw = useMemo(() => rawText(record, source), [record, source]);
  const rawLines = useMemo(() => countLines(raw), [raw]);
  const rawRun = runFor(record, source);

  const [selected, setSelected] = useState<string | null>(null);
  const rawRef = useRef<RawOutputHandle>(null);
  const [fitSignal, setFitSignal] = useState(0);
  const copy = useCopy();

  // A selection survives switching compact mode: fold into / unfold out of the visible node.
  useEffect(() => {
    if (selected && graph && !graph.nodes.some((n) => n.id === selected)) setSelected(visibleNodeFor(graph, selected) ?? null);
  }, [graph, selected]);

  const node = useMemo(() => (selected && graph ? graph.nodes.find((n) => n.id === selected) ?? null : null), [graph, selected]);
  const detail = useMemo(() => (node ? nodeDetail(record, source, node) : null), [node, record, source]);
  const highlight = useMemo(() => (node ? { from: node.line, to: Math.max(node.line, node.endLine) } : null), [node]);

  useEffect(() => {
    if (node) rawRef.current?.scrollToLine(node.line);
  }, [node, rest]);

  const onLineClick = useCallback(
    (line: number) => {
      if (!graph) return;
      // The innermost node whose lines contain the clicked one.
      let best: (typeof graph.nodes)[number] | undefined;
      for (const n of graph.nodes) if (n.line <= line && line <= n.endLine && (!best || n.endLine - n.line < best.endLine - best.line)) best = n;
      if (best) setSelected(best.id);
    },
    [graph],
  );

  const setParam = (k: string, v: string | null) =>
    setParams(
      (p) => {
        const n = new URLSearchParams(p);
        if (v === null) n.delete(k);
        else n.set(k, v);
        return n;
      },
      { replace: true },
    );

  const permalink = `${window.location.origin}/t/${encodeURIComponent(record.id)}`;
  const report = light
    ? null
    : () =>
        bugReportMarkdown({
          record,
          verdict,
          graph: fullPhysical ?? buildGraph(record, source, false, broken),
          permalink,
          raw: record.runs.length ? record.runs.map((r) => ({ tool: r.tool, text: r.output })) : [{ tool: 'pasted', text: raw }],
        });

  const initialFocus = graph?.dropNodeId;
  return (
    <div className="page trace-page" data-testid="trace-view" data-trace-id={record.id}>
      <VerdictBanner v={verdict} {...(graph?.dropNodeId ? { onShowDrop: () => setSelected(graph.dropNodeId!) } : {})}>
        <ShareBar copy={copy} permalink={permalink} report={report} />
      </VerdictBanner>
      <div className="toolbar">
        <span className="muted small">
          {record.type} trace · {record.host ? `${record.host} · ` : ''}
          {utcTime(record.createdAt)}
          {record.versions?.ovs ? ` · OVS ${record.versions.ovs}` : ''}
          {record.versions?.ovn ? ` · OVN ${record.versions.ovn}` : ''}
        </span>
        {record.packet?.description && <span className="code small packet-desc" title={record.packet.description}>{record.packet.description}</span>}
        <div className="spacer" />
        {sources.length > 1 && (
          <div className="seg" role="radiogroup" aria-label="Graph">
            {sources.map((s) => (
              <button key={s} type="button" role="radio" aria-checked={s === source} className={s === source ? 'active' : ''} disabled={light} onClick={() => { setSelected(null); setParam('view', s); }}>
                {s === 'physical' ? 'OpenFlow (physical)' : 'ovn-trace (logical)'}
              </button>
            ))}
          </div>
        )}
        {source === 'physical' && (
          <label className="check">
            <input type="checkbox" checked={compact} disabled={light} onChange={(e) => setParam('compact', e.target.checked ? '1' : null)} data-testid="compact-toggle" /> compact
          </label>
        )}
      </div>
      {graph ? (
        <div className="trace-grid">
          <div className="graph-cell">
            <FlowGraph graph={graph} selectedId={selected} onSelect={setSelected} {...(initialFocus ? { initialFocusId: initialFocus } : {})} fitSignal={fitSignal} />
          </div>
          <aside className="details-cell">
            {rest && <NodeDetails detail={detail} />}
          </aside>
          <div className="raw-cell">
            <div className="raw-head small muted">
              {light ? (
                <span>reading the raw output…</span>
              ) : rawRun && record.type === 'import' ? (
                <span className="code">
                  pasted {rawRun.tool} output · {rawLines} lines
                </span>
              ) : rawRun ? (
                <span className="code" title={rawRun.argv.join(' ')}>
                  {rawRun.tool} · exit {rawRun.exitCode ?? '?'} · {rawRun.durationMs} ms · {rawLines} lines
                </span>
              ) : (
                <span>pasted output</span>
              )}
              {node && (
                <span>
                  {' '}
                  · lines {node.line}–{node.endLine} highlighted
                </span>
              )}
            </div>
            {rest && <RawOutput ref={rawRef} text={raw} highlight={highlight} onLineClick={onLineClick} label="Raw tool output" />}
          </div>
        </div>
      ) : light ? (
        // Another view than the first one (?view=logical): it is drawn from the whole record.
        <p className="muted" data-testid="trace-loading">Reading the whole trace…</p>
      ) : (
        <div className="trace-grid nograph">
          <p className="muted">This record has no trace to draw{record.ovnTrace?.error ? `: ${record.ovnTrace.error}` : record.ofproto?.error ? `: ${record.ofproto.error}` : ''}.</p>
          <div className="raw-cell">
            <RawOutput text={raw} label="Raw tool output" />
          </div>
        </div>
      )}
      {rest && logical && fullPhysical && (
        <LogicalVsPhysical
          logical={logical}
          physical={fullPhysical}
          comparison={comparison}
          onSelectPhysical={(nid) => {
            if (source !== 'physical') setParam('view', 'physical');
            setSelected(graph && source === 'physical' ? visibleNodeFor(graph, nid) ?? nid : nid);
          }}
        />
      )}
      <ShareText copy={copy} />
      <button type="button" className="sr-only" onClick={() => setFitSignal((x) => x + 1)}>
        Fit graph
      </button>
    </div>
  );
}

/** Lines in `s` (as `s.split('\n').length`, without building the array: raw outputs run to megabytes). */
function countLines(s: string): number {
  let n = 1;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
}
