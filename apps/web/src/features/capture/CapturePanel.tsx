import { useEffect, useMemo, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useHost } from '../../components/useHost';
import { ProblemBox } from '../../components/ProblemBox';
import { useTraceRun } from '../composer/useTraceRun';
import { captureInterfacesQuery, interfaceKey, interfaceLabel, type CapturedPacket } from './capture-api';
import { captureProblemTitle } from './capture-problem';
import { useCapture } from './useCapture';
import './capture.css';

/**
 * Live capture: tcpdump on an OVS interface or inside a VM's namespace, packets listed as they
 * arrive, and "Trace this packet" runs the packet trace from the OVS port the packet entered by.
 */
export function CapturePanel() {
  const { host } = useHost();
  const list = useQuery(captureInterfacesQuery(host));
  const { state, start, stop, running } = useCapture();
  const trace = useTraceRun();
  const [key, setKey] = useState('');
  const [filter, setFilter] = useState('');
  /** The filter the last start sent: a "bad filter" mark stays on it only until it is edited. */
  const [sentFilter, setSentFilter] = useState('');
  // Kept as typed (a user may clear the field to type another number); clamped when the capture starts.
  const [count, setCount] = useState('10');
  const [open, setOpen] = useState<number | null>(null);

  const ifaces = useMemo(() => list.data?.interfaces ?? [], [list.data]);
  const chosen = ifaces.find((i) => interfaceKey(i) === key);
  useEffect(() => {
    if (!chosen && ifaces[0]) setKey(interfaceKey(ifaces.find((i) => i.kind === 'vm') ?? ifaces[0]));
  }, [chosen, ifaces]);
  const max = list.data?.limits.maxCount ?? 1000;
  const inPort = state.started?.inPort ?? chosen?.port ?? '';
  const badFilter = state.problem?.kind === 'bad-filter' && filter.trim() === sentFilter;

  const traceIt = (p: CapturedPacket) => trace.run({ type: 'packet', ...(host ? { host } : {}), packet: p.text, inPort });

  return (
    <div className="tabpanel capture" data-testid="capture-panel">
      <p className="muted">
        Captures on the host with <code>tcpdump -l -nn -XX</code> (filter checked by <code>tcpdump -d</code> first) and streams each packet here; trace any of them from the
        interface it was seen on.
      </p>
      {list.isError && <ProblemBox error={list.error} onRetry={() => void list.refetch()} />}
      {list.data && !list.data.available && (
        <p className="capture-unavailable" role="status" data-testid="capture-unavailable">
          {list.data.reason ?? 'Nothing to capture on this host.'}
        </p>
      )}
      <form
        className="row wrap"
        onSubmit={(e) => {
          e.preventDefault();
          if (running) return stop();
          if (!chosen) return;
          setOpen(null);
          const n = Math.max(1, Math.min(max, Math.trunc(Number(count)) || (list.data?.limits.defaultCount ?? 10)));
          setCount(String(n));
          setSentFilter(filter.trim());
          start({ ...(host ? { host } : {}), iface: chosen.iface, ...(chosen.namespace ? { namespace: chosen.namespace } : {}), ...(filter.trim() ? { filter: filter.trim() } : {}), count: n });
        }}
      >
        <label className="field">
          <span>Interface</span>
          <select value={key} onChange={(e) => setKey(e.target.value)} disabled={running || ifaces.length === 0} data-testid="capture-iface">
            {list.isLoading && <option value="">loading…</option>}
            {ifaces.map((i) => (
              <option key={interfaceKey(i)} value={interfaceKey(i)}>
                {interfaceLabel(i)}
              </option>
            ))}
          </select>
        </label>
        <label className="field grow">
          <span>Filter (BPF, as for tcpdump)</span>
          <input
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            placeholder="e.g. icmp6 && ip6[40] = 136"
            disabled={running}
            data-testid="capture-filter"
            autoComplete="off"
            spellCheck={false}
            aria-invalid={badFilter || undefined}
            aria-describedby={badFilter ? 'capture-error' : undefined}
          />
        </label>
        <label className="field">
          <span>Packets</span>
          <input type="number" min={1} max={max} value={count} onChange={(e) => setCount(e.target.value)} disabled={running} data-testid="capture-count" />
        </label>
        <button type="submit" className={running ? '' : 'primary'} disabled={!running && !chosen} data-testid="capture-start">
          {running ? 'Stop' : 'Capture'}
        </button>
      </form>

      <div className="capture-status" role="status" aria-live="polite" data-testid="capture-status">
        {state.phase === 'starting' && 'Starting tcpdump…'}
        {state.phase === 'running' && state.started && (
          <>
            <span className="spinner" aria-hidden="true" /> capturing on {state.started.iface}
            {state.started.namespace ? ` in ${state.started.namespace}` : ''} · {state.packets.length}/{state.started.count} packets · stops after {state.started.seconds} s
          </>
        )}
        {state.phase === 'ended' && state.ended && `Ended: ${state.ended.message}.`}
      </div>
      {state.started && (
        <p className="muted small mono" title="what runs on the host">
          {state.started.argv.map((a) => (/[\s'"$&|;<>()*?[\]]/.test(a) ? `'${a.replace(/'/g, `'\\''`)}'` : a)).join(' ')}
        </p>
      )}
      {state.problem && (
        <div className="problem" role="alert" id="capture-error" data-kind={state.problem.kind} data-testid="capture-error">
          <div className="problem-title">
            <span aria-hidden="true">⚠</span> {captureProblemTitle(state.problem)}
          </div>
          <pre className="problem-detail capture-pre">{state.problem.message}</pre>
        </div>
      )}

      {state.packets.length > 0 && (
        <ol className="capture-packets" data-testid="capture-packets">
          {state.packets.map((p) => (
            <li key={p.index} data-testid="capture-packet">
              <div className="row">
                <span className="muted mono">{p.index}</span>
                <button type="button" className="linkish capture-summary" onClick={() => setOpen(open === p.index ? null : p.index)} aria-expanded={open === p.index} title={p.tcpdump}>
                  {p.timestamp ? <span className="muted mono">{p.timestamp} </span> : null}
                  {p.summary}
                </button>
                <button type="button" onClick={() => traceIt(p)} disabled={trace.pending || !inPort} data-testid="capture-trace" title={`POST /api/traces {type: "packet", inPort: "${inPort}"}`}>
                  Trace this packet
                </button>
              </div>
              {p.diagnostics.length > 0 && <p className="muted small">{p.diagnostics.join(' · ')}</p>}
              {open === p.index && <pre className="code capture-pre">{p.text}</pre>}
            </li>
          ))}
        </ol>
      )}
      {trace.pending && (
        <p className="progress" role="status" data-testid="capture-tracing">
          <span className="spinner" aria-hidden="true" /> tracing from {inPort} · {(trace.elapsedMs / 1000).toFixed(1)} s{' '}
          <button type="button" onClick={trace.cancel}>
            Cancel
          </button>
        </p>
      )}
      {trace.error && !trace.pending && <ProblemBox error={trace.error} />}
    </div>
  );
}
