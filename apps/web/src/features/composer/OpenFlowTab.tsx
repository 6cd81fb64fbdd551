import { useMemo, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { inventoryQuery } from '../../api/queries';
import { useHost } from '../../components/useHost';
import { DataList } from './DataList';
import { interfaceOptions } from './inventory-options';
import { RunBar } from './RunBar';
import { useTraceRun } from './useTraceRun';

export function OpenFlowTab() {
  const { host } = useHost();
  const inv = useQuery(inventoryQuery(host));
  const [bridge, setBridge] = useState('');
  const [inPort, setInPort] = useState('');
  const [mode, setMode] = useState<'packet' | 'flow'>('packet');
  const [packet, setPacket] = useState('');
  const [flow, setFlow] = useState('');
  const [detrace, setDetrace] = useState(true);
  const run = useTraceRun();
  const bridges = inv.data?.bridges ?? [];
  const ifaces = useMemo(() => interfaceOptions(inv.data, bridge || undefined), [inv.data, bridge]);
  const body = mode === 'packet' ? packet : flow;
  const why = !inPort ? 'Pick the in_port.' : !body.trim() ? (mode === 'packet' ? 'Paste the packet.' : 'Write the flow.') : undefined;
  return (
    <form
      className="tabpanel"
      onSubmit={(e) => {
        e.preventDefault();
        if (why) return;
        const port = /^\d+$/.test(inPort) ? Number(inPort) : inPort;
        run.run({
          type: 'ofproto-trace',
          ...(host ? { host } : {}),
          ...(bridge ? { bridge } : {}),
          inPort: port,
          ...(mode === 'packet' ? { packet } : { flow }),
          detrace,
        });
      }}
    >
      <div className="row wrap">
        <label className="field">
          <span>Bridge</span>
          <select value={bridge} onChange={(e) => setBridge(e.target.value)} data-testid="bridge">
            <option value="">host default</option>
            {bridges.map((b) => (
              <option key={b.name} value={b.name}>
                {b.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>in_port (name or number)</span>
          <input list="of-iface-list" value={inPort} onChange={(e) => setInPort(e.target.value)} autoComplete="off" data-testid="of-in-port" />
          <DataList id="of-iface-list" options={ifaces} />
        </label>
        <fieldset className="inline">
          <legend>Input</legend>
          <label className="check">
            <input type="radio" name="ofmode" checked={mode === 'packet'} onChange={() => setMode('packet')} /> packet (hex / tcpdump)
          </label>
          <label className="check">
            <input type="radio" name="ofmode" checked={mode === 'flow'} onChange={() => setMode('flow')} /> flow string
          </label>
        </fieldset>
        <label className="check">
          <input type="checkbox" checked={detrace} onChange={(e) => setDetrace(e.target.checked)} /> annotate with ovn-detrace
        </label>
      </div>
      {mode === 'packet' ? (
        <textarea className="code" rows={8} spellCheck={false} value={packet} onChange={(e) => setPacket(e.target.value)} placeholder="40440000300240440000300108004500…" aria-label="Packet" data-testid="of-packet" />
      ) : (
        <textarea
          className="code"
          rows={3}
          spellCheck={false}
          value={flow}
          onChange={(e) => setFlow(e.target.value)}
          placeholder="icmp,dl_src=40:44:00:00:00:01,dl_dst=40:44:00:00:00:03,nw_src=192.168.0.11,nw_dst=192.168.1.11,nw_ttl=64"
          aria-label="Flow"
          data-testid="of-flow"
        />
      )}
      <RunBar run={run} disabled={Boolean(why)} {...(why ? { why } : {})} />
    </form>
  );
}
