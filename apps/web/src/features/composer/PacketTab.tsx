import { useDeferredValue, useMemo, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { parsePacketText } from '@tracemap/parsers';
import { inventoryQuery } from '../../api/queries';
import { useHost } from '../../components/useHost';
import { DataList } from './DataList';
import { interfaceOptions } from './inventory-options';
import { LineNumberedInput } from './LineNumberedInput';
import { PacketDecode } from './PacketDecode';
import { RunBar } from './RunBar';
import { useTraceRun } from './useTraceRun';

const PLACEHOLDER = `Paste tcpdump -XX output or plain hex, e.g.
12:00:00.000000 IP 10.30.0.11.40000 > 10.30.0.12.22: Flags [S], ...
	0x0000:  4044 0000 3002 4044 0000 3001 0800 4500  @D..0.@D..0...E.
	...`;

export function PacketTab() {
  const { host } = useHost();
  const inv = useQuery(inventoryQuery(host));
  const [text, setText] = useState('');
  const [inPort, setInPort] = useState('');
  const [ct, setCt] = useState<'' | 'new' | 'est'>('');
  const run = useTraceRun();
  const deferred = useDeferredValue(text);
  const parsed = useMemo(() => (deferred.trim() ? parsePacketText(deferred) : null), [deferred]);
  const marks = useMemo(() => {
    const m = new Map<number, 'error' | 'warning' | 'info'>();
    for (const d of parsed?.diagnostics ?? []) if (m.get(d.line) !== 'error') m.set(d.line, d.severity ?? 'error');
    return m;
  }, [parsed]);
  const ifaces = useMemo(() => interfaceOptions(inv.data), [inv.data]);
  const packets = parsed?.value.packets ?? [];
  const errors = parsed?.diagnostics.filter((d) => (d.severity ?? 'error') === 'error') ?? [];
  const why = !text.trim()
    ? 'Paste a packet to trace.'
    : packets.length === 0
      ? 'No packet found in the text.'
      : !inPort
        ? 'Pick the interface the packet arrives on.'
        : undefined;

  return (
    <form
      className="tabpanel"
      onSubmit={(e) => {
        e.preventDefault();
        if (why) return;
        run.run({ type: 'packet', ...(host ? { host } : {}), packet: text, inPort, ...(ct ? { ct } : {}) });
      }}
    >
      <p className="muted">
        Runs <code>ovn-trace</code> and <code>ofproto/trace</code> + <code>ovn-detrace</code> on the host for the same packet and compares them.
      </p>
      <div className="cols">
        <div className="col">
          <LineNumberedInput label="Packet (tcpdump -XX text or hex)" value={text} onChange={setText} marks={marks} placeholder={PLACEHOLDER} testId="packet-input" rows={12} />
          <div className="row wrap">
            <label className="field">
              <span>Input interface</span>
              <input
                list="iface-list"
                value={inPort}
                onChange={(e) => setInPort(e.target.value)}
                placeholder={inv.isLoading ? 'loading inventory…' : 'e.g. vm1'}
                data-testid="in-port"
                autoComplete="off"
                required
              />
              <DataList id="iface-list" options={ifaces} />
            </label>
            <label className="field">
              <span>Conntrack state (ovn-trace)</span>
              <select value={ct} onChange={(e) => setCt(e.target.value as '' | 'new' | 'est')}>
                <option value="">default (new)</option>
                <option value="new">new</option>
                <option value="est">est</option>
              </select>
            </label>
          </div>
          {inv.isError && <p className="muted small">Inventory unavailable: type the interface name.</p>}
          <RunBar run={run} disabled={Boolean(why) || errors.length > 0 && packets.length === 0} {...(why ? { why } : {})} />
        </div>
        <div className="col">
          {parsed ? <PacketDecode packets={packets} diagnostics={parsed.diagnostics} /> : <p className="muted">The decoded packet appears here as you type.</p>}
        </div>
      </div>
    </form>
  );
}
