import type { DropPoint, OfprotoTrace, OvnTrace } from '@tracemap/model';
import type { Inventory } from '../plugins/inventory';

/** The record's verdict: one shape for every trace kind, with a sentence for people. */
export interface RecordVerdict {
  dropped: boolean;
  summary: string;
  drop?: { table: number | null; stage?: string | null; datapath?: string; reason: string; detail?: string; line?: number; pass?: number; step?: number };
  outputs: string[];
  source: 'ofproto-trace' | 'ovn-detrace' | 'ovn-trace';
}

export function ofprotoVerdict(t: OfprotoTrace, portNames?: Map<number, string>): RecordVerdict {
  const v = t.verdict;
  const outputs = v.outputs.map((o) => (o.kind === 'port' && /^\d+$/.test(o.text) ? (portNames?.get(Number(o.text)) ?? `dp:${o.text}`) : o.text));
  const source = t.kind;
  if (v.dropped) {
    const d = v.drop;
    const drop: RecordVerdict['drop'] = d ? dropOf(d) : { table: null, reason: v.error ?? 'unknown' };
    const where = d ? `${d.stage ? `${d.stage}${d.datapath ? ` of ${d.datapath}` : ''}, ` : ''}OpenFlow table ${d.table ?? '?'}` : 'an unknown point';
    return { dropped: true, summary: `dropped at ${where} (${drop.reason})${t.error ? `: ${t.error}` : ''}`, drop, outputs, source };
  }
  return { dropped: false, summary: outputs.length ? `delivered to ${[...new Set(outputs)].join(', ')}` : 'not dropped', outputs, source };
}

function dropOf(d: DropPoint): NonNullable<RecordVerdict['drop']> {
  const out: NonNullable<RecordVerdict['drop']> = { table: d.table, reason: d.reason, pass: d.pass };
  if (d.step !== undefined) out.step = d.step;
  if (d.stage !== undefined) out.stage = d.stage;
  if (d.datapath !== undefined) out.datapath = d.datapath;
  if (d.detail !== undefined) out.detail = d.detail;
  if (d.line !== undefined) out.line = d.line;
  return out;
}

export function ovnTraceVerdict(t: OvnTrace): RecordVerdict {
  const v = t.verdict;
  if (t.error) return { dropped: true, summary: `ovn-trace error: ${t.error}`, drop: { table: null, reason: 'error', detail: t.error }, outputs: [], source: 'ovn-trace' };
  if (v.dropped) {
    const d = v.drop;
    const dp = d ? t.sections[d.section]?.datapath : undefined;
    const drop: RecordVerdict['drop'] = d ? { table: d.table, stage: d.stage, reason: d.reason, ...(dp ? { datapath: dp } : {}), ...(d.line ? { line: d.line } : {}) } : { table: null, reason: 'unknown' };
    const where = d ? `${d.stage ?? 'table ' + String(d.table)}${dp ? ` of ${dp}` : ''}` : 'an unknown point';
    return { dropped: true, summary: `dropped at ${where}: ${drop.reason}`, drop, outputs: [], source: 'ovn-trace' };
  }
  return { dropped: false, summary: `output to ${v.outputs.join(', ') || '(nothing)'}`, outputs: v.outputs, source: 'ovn-trace' };
}

/**
 * Interfaces a logical port's packets leave on, on this host: the interface whose
 * external_ids:iface-id names it; a child port's parent's interface; a localnet port's physical
 * bridge (through ovn-controller's patch-br-int-to-<port> patch port).
 */
export function interfacesForLogicalPort(inv: Inventory, lport: string): string[] | null {
  const all = inv.bridges.flatMap((b) => b.ports.map((p) => ({ ...p, bridge: b.name })));
  const direct = all.filter((p) => p.ifaceId === lport).map((p) => p.name);
  if (direct.length) return direct;
  const lsp = inv.switches.flatMap((s) => s.ports).find((p) => p.name === lport);
  if (lsp?.parent) return interfacesForLogicalPort(inv, lsp.parent);
  const patch = all.find((p) => p.type === 'patch' && p.name.endsWith(`-to-${lport}`));
  if (patch?.peer) {
    const peerBridge = all.find((p) => p.name === patch.peer)?.bridge;
    const phys = all.filter((p) => p.bridge === peerBridge && p.type !== 'patch' && p.type !== 'internal').map((p) => p.name);
    if (phys.length) return phys;
  }
  return null;
}

export interface Comparison {
  agree: boolean;
  ofproto: { dropped: boolean; outputs: string[] };
  ovnTrace: { dropped: boolean; outputs: string[] };
  firstDifference?: string;
  /** ovn-trace's logical output ports as interfaces on this host (null: no mapping found). */
  mappedOutputs: Record<string, string[] | null>;
  assumptions: { ct: string; ovnTrace: string[]; ofproto: string[] };
}

export function compareVerdicts(of: RecordVerdict, ot: RecordVerdict, inv: Inventory | null, assumptions: Comparison['assumptions']): Comparison {
  const mapped: Record<string, string[] | null> = {};
  for (const o of ot.outputs) mapped[o] = inv ? interfacesForLogicalPort(inv, o) : null;
  const c: Comparison = {
    agree: true,
    ofproto: { dropped: of.dropped, outputs: [...new Set(of.outputs)].sort() },
    ovnTrace: { dropped: ot.dropped, outputs: [...new Set(ot.outputs)].sort() },
    mappedOutputs: mapped,
    assumptions,
  };
  if (of.dropped !== ot.dropped) {
    c.agree = false;
    c.firstDifference = of.dropped
      ? `ofproto/trace drops the packet (${of.summary}) but ovn-trace outputs it to ${ot.outputs.join(', ')}`
      : `ovn-trace drops the packet (${ot.summary}) but ofproto/trace delivers it to ${of.outputs.join(', ')}`;
    return c;
  }
  if (of.dropped) {
    if (of.drop?.stage && ot.drop?.stage && of.drop.stage !== ot.drop.stage) {
      c.agree = false;
      c.firstDifference = `both drop, ofproto/trace in ${of.drop.stage} and ovn-trace in ${ot.drop.stage}`;
    }
    return c;
  }
  for (const [lport, ifaces] of Object.entries(mapped)) {
    if (ifaces && !ifaces.some((i) => of.outputs.includes(i))) {
      c.agree = false;
      c.firstDifference = `ovn-trace outputs to ${lport} (interface ${ifaces.join('/')}) but ofproto/trace outputs to ${of.outputs.join(', ') || 'nothing'}`;
      return c;
    }
  }
  return c;
}
