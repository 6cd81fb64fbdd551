import { useMemo, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { inventoryQuery } from '../../api/queries';
import type { OvnTraceFormatOption } from '../../api/types';
import { useHost } from '../../components/useHost';
import { DataList } from './DataList';
import { datapathOfPort, datapathOptions, logicalPortOptions } from './inventory-options';
import { RunBar } from './RunBar';
import { useTraceRun } from './useTraceRun';

interface Fields {
  inport: string;
  ethSrc: string;
  ethDst: string;
  l3: '' | 'ip4' | 'ip6';
  ipSrc: string;
  ipDst: string;
  ttl: string;
  l4: '' | 'icmp' | 'tcp' | 'udp';
  sport: string;
  dport: string;
}

const EMPTY: Fields = { inport: '', ethSrc: '', ethDst: '', l3: 'ip4', ipSrc: '', ipDst: '', ttl: '64', l4: 'icmp', sport: '', dport: '' };

/** The form's fields as an OVN microflow expression (ovn-trace's own syntax). */
export function buildMicroflow(f: Fields): string {
  const parts: string[] = [];
  if (f.inport) parts.push(`inport == ${JSON.stringify(f.inport)}`);
  if (f.ethSrc) parts.push(`eth.src == ${f.ethSrc}`);
  if (f.ethDst) parts.push(`eth.dst == ${f.ethDst}`);
  if (f.l3) {
    if (f.ipSrc) parts.push(`${f.l3}.src == ${f.ipSrc}`);
    if (f.ipDst) parts.push(`${f.l3}.dst == ${f.ipDst}`);
    if (f.ttl) parts.push(`ip.ttl == ${f.ttl}`);
    if (!f.ipSrc && !f.ipDst) parts.push(f.l3);
  }
  if (f.l4 === 'icmp') parts.push(f.l3 === 'ip6' ? 'icmp6.type == 128 && icmp6.code == 0' : 'icmp4.type == 8 && icmp4.code == 0');
  if (f.l4 === 'tcp' || f.l4 === 'udp') {
    if (f.sport) parts.push(`${f.l4}.src == ${f.sport}`);
    if (f.dport) parts.push(`${f.l4}.dst == ${f.dport}`);
    if (!f.sport && !f.dport) parts.push(f.l4);
  }
  return parts.join(' && ');
}

const CT_STATES = ['new', 'est', 'rel', 'rpl', 'inv', 'trk'] as const;

export function LogicalTab() {
  const { host } = useHost();
  const inv = useQuery(inventoryQuery(host));
  const [datapath, setDatapath] = useState('');
  const [microflow, setMicroflow] = useState('');
  const [useForm, setUseForm] = useState(false);
  const [fields, setFields] = useState<Fields>(EMPTY);
  const [format, setFormat] = useState<OvnTraceFormatOption>('detailed');
  const [ct, setCt] = useState<string[]>([]);
  const [friendly, setFriendly] = useState(true);
  const run = useTraceRun();
  const flow = useForm ? buildMicroflow(fields) : microflow;
  const dps = useMemo(() => datapathOptions(inv.data), [inv.data]);
  const ports = useMemo(() => logicalPortOptions(inv.data, datapath || undefined), [inv.data, datapath]);
  const set = <K extends keyof Fields>(k: K, v: Fields[K]) => setFields((f) => ({ ...f, [k]: v }));
  const why = !datapath ? 'Pick a datapath.' : !flow.trim() ? 'Write a microflow.' : undefined;

  return (
    <form
      className="tabpanel"
      onSubmit={(e) => {
        e.preventDefault();
        if (why) return;
        run.run({
          type: 'ovn-trace',
          ...(host ? { host } : {}),
          datapath,
          microflow: flow,
          format,
          ...(ct.length ? { ct } : {}),
          friendlyNames: friendly,
        });
      }}
    >
      <div className="row wrap">
        <label className="field">
          <span>Datapath</span>
          <input list="dp-list" value={datapath} onChange={(e) => setDatapath(e.target.value)} data-testid="datapath" autoComplete="off" placeholder="logical switch or router" />
          <DataList id="dp-list" options={dps} />
        </label>
        <label className="check">
          <input type="checkbox" checked={useForm} onChange={(e) => setUseForm(e.target.checked)} /> build the microflow from fields
        </label>
      </div>
      {useForm ? (
        <fieldset className="grid-form">
          <legend>Packet fields</legend>
          <label className="field">
            <span>inport</span>
            <input
              list="lport-list"
              value={fields.inport}
              onChange={(e) => {
                set('inport', e.target.value);
                const dp = datapathOfPort(inv.data, e.target.value);
                if (dp && !datapath) setDatapath(dp);
              }}
            />
            <DataList id="lport-list" options={ports} />
          </label>
          <label className="field">
            <span>eth.src</span>
            <input value={fields.ethSrc} onChange={(e) => set('ethSrc', e.target.value)} placeholder="00:00:00:00:00:01" />
          </label>
          <label className="field">
            <span>eth.dst</span>
            <input value={fields.ethDst} onChange={(e) => set('ethDst', e.target.value)} />
          </label>
          <label className="field">
            <span>L3</span>
            <select value={fields.l3} onChange={(e) => set('l3', e.target.value as Fields['l3'])}>
              <option value="">none</option>
              <option value="ip4">IPv4</option>
              <option value="ip6">IPv6</option>
            </select>
          </label>
          <label className="field">
            <span>src</span>
            <input value={fields.ipSrc} onChange={(e) => set('ipSrc', e.target.value)} />
          </label>
          <label className="field">
            <span>dst</span>
            <input value={fields.ipDst} onChange={(e) => set('ipDst', e.target.value)} />
          </label>
          <label className="field">
            <span>ttl</span>
            <input value={fields.ttl} onChange={(e) => set('ttl', e.target.value)} size={4} />
          </label>
          <label className="field">
            <span>L4</span>
            <select value={fields.l4} onChange={(e) => set('l4', e.target.value as Fields['l4'])}>
              <option value="">none</option>
              <option value="icmp">ICMP echo</option>
              <option value="tcp">TCP</option>
              <option value="udp">UDP</option>
            </select>
          </label>
          {(fields.l4 === 'tcp' || fields.l4 === 'udp') && (
            <>
              <label className="field">
                <span>src port</span>
                <input value={fields.sport} onChange={(e) => set('sport', e.target.value)} size={6} />
              </label>
              <label className="field">
                <span>dst port</span>
                <input value={fields.dport} onChange={(e) => set('dport', e.target.value)} size={6} />
              </label>
            </>
          )}
        </fieldset>
      ) : null}
      <label className="field block">
        <span>Microflow {useForm && <span className="muted">(built from the fields)</span>}</span>
        <textarea
          className="code"
          rows={3}
          spellCheck={false}
          value={flow}
          readOnly={useForm}
          onChange={(e) => setMicroflow(e.target.value)}
          data-testid="microflow"
          placeholder='inport == "vm1" && eth.src == 00:00:00:00:00:01 && ip4.dst == 10.0.0.2 && icmp4'
        />
      </label>
      <div className="row wrap">
        <label className="field">
          <span>Format</span>
          <select value={format} onChange={(e) => setFormat(e.target.value as OvnTraceFormatOption)}>
            <option value="detailed">--detailed</option>
            <option value="summary">--summary</option>
            <option value="minimal">--minimal</option>
            <option value="ovs">--ovs (detailed + OpenFlow)</option>
          </select>
        </label>
        <fieldset className="inline">
          <legend>--ct</legend>
          {CT_STATES.map((s) => (
            <label key={s} className="check">
              <input type="checkbox" checked={ct.includes(s)} onChange={(e) => setCt((c) => (e.target.checked ? [...c, s] : c.filter((x) => x !== s)))} /> {s}
            </label>
          ))}
        </fieldset>
        <label className="check">
          <input type="checkbox" checked={friendly} onChange={(e) => setFriendly(e.target.checked)} /> --friendly-names
        </label>
      </div>
      <RunBar run={run} disabled={Boolean(why)} {...(why ? { why } : {})} />
    </form>
  );
}
