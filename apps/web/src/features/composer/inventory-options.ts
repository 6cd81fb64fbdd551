import type { Inventory } from '../../api/types';

export interface PortOption {
  value: string;
  label: string;
}

/** Interfaces on the bridges (what `packet` and ofproto/trace take), labelled with their logical port. */
export function interfaceOptions(inv: Inventory | undefined, bridge?: string): PortOption[] {
  if (!inv) return [];
  const out: PortOption[] = [];
  for (const b of inv.bridges) {
    if (bridge && b.name !== bridge) continue;
    for (const p of b.ports) {
      // No OpenFlow port yet (null) or a failed interface (-1): nothing to trace from.
      if (p.ofport === null || p.ofport < 0) continue;
      const lp = p.ifaceId && p.ifaceId !== p.name ? ` → ${p.ifaceId}` : '';
      out.push({ value: p.name, label: `${b.name} ofport ${p.ofport} ${p.type}${lp}` });
    }
  }
  return out;
}

export function logicalPortOptions(inv: Inventory | undefined, datapath?: string): PortOption[] {
  if (!inv) return [];
  const out: PortOption[] = [];
  for (const s of inv.switches) {
    if (datapath && s.name !== datapath) continue;
    for (const p of s.ports) out.push({ value: p.name, label: `${s.name} ${p.type || 'vif'} ${p.addresses.join(' ')}` });
  }
  for (const r of inv.routers) {
    if (datapath && r.name !== datapath) continue;
    for (const p of r.ports) out.push({ value: p.name, label: `${r.name} ${p.mac} ${p.networks.join(' ')}` });
  }
  return out;
}

export function datapathOptions(inv: Inventory | undefined): PortOption[] {
  if (!inv) return [];
  return [
    ...inv.switches.map((s) => ({ value: s.name, label: `switch · ${s.ports.length} ports` })),
    ...inv.routers.map((r) => ({ value: r.name, label: `router · ${r.ports.length} ports` })),
  ];
}

/** The logical switch that owns a logical port; used to prefill the datapath. */
export function datapathOfPort(inv: Inventory | undefined, port: string): string | undefined {
  return inv?.switches.find((s) => s.ports.some((p) => p.name === port))?.name;
}
