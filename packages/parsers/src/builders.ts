/**
 * Decoded packet -> the arguments the tracing tools take.
 *
 *   packetToMicroflow  -> ovn-trace's microflow expression (OVN expression language, field
 *                         names from ovn's lib/logical-fields.c: eth.src, vlan.vid, ip4.src,
 *                         ip.ttl, icmp4.type, tcp.flags, nd.target, nd.sll, arp.op, ...)
 *   packetToOfprotoArgs -> `ovs-appctl ofproto/trace BRIDGE in_port=N HEX`
 *   packetToOfFlow      -> an OVS flow string (`icmp,in_port=1,dl_src=...`) when no payload is wanted
 *
 * The results are argv elements, never shell text: callers pass them to execve-style runners.
 */
import type { DecodedPacket, PacketLayer } from '@tracemap/model';

export interface MicroflowOptions {
  /** Logical port the packet enters on (`inport == "vm1"`). */
  inport: string;
  /** Use the innermost frame of a Geneve/VXLAN packet instead of the outer one (default: true when tunnelled). */
  inner?: boolean;
}

/** Layers of one frame: the outer one (depth 0) or the innermost tunnelled one. */
function frameLayers(pkt: Pick<DecodedPacket, 'layers'>, inner: boolean | undefined): PacketLayer[] {
  const maxDepth = pkt.layers.reduce((m, l) => Math.max(m, l.depth ?? 0), 0);
  const depth = inner === false ? 0 : maxDepth;
  return pkt.layers.filter((l) => (l.depth ?? 0) === depth && !l.truncated);
}

function find(layers: PacketLayer[], type: string): PacketLayer | undefined {
  return layers.find((l) => l.type === type);
}

/**
 * An OVN string literal. OVN's lexer (lib/lex.c lex_parse_string) unescapes with
 * json_string_unescape, so JSON string syntax is exactly what it reads back.
 */
export function ovnString(s: string): string {
  return JSON.stringify(s);
}

type Clause = [field: string, value: string | number | undefined];

/**
 * `inport == "vm1" && eth.src == 40:44:00:00:00:01 && eth.dst == ... && ip4.src == ... &&
 * ip.ttl == 64 && icmp4.type == 8 && icmp4.code == 0`.
 *
 * Predicates (ip4, icmp4, nd_ns...) are implied by the field prerequisites, so only fields are
 * listed; nd.sll is only valid on an NS and nd.tll on an NA (their prerequisites are nd_ns and
 * nd_na, which also require ip.ttl == 255).
 */
export function packetToMicroflow(pkt: Pick<DecodedPacket, 'layers'>, opts: MicroflowOptions): string {
  const layers = frameLayers(pkt, opts.inner);
  const clauses: Clause[] = [['inport', ovnString(opts.inport)]];
  const eth = find(layers, 'eth');
  if (eth) {
    clauses.push(['eth.src', eth.src as string], ['eth.dst', eth.dst as string]);
  }
  const vlan = find(layers, 'vlan');
  if (vlan) clauses.push(['vlan.vid', vlan.vid as number]);

  const arp = find(layers, 'arp');
  if (arp && arp.spa !== undefined) {
    clauses.push(
      ['arp.op', arp.op as number],
      ['arp.sha', arp.sha as string],
      ['arp.spa', arp.spa as string],
      ['arp.tha', arp.tha as string],
      ['arp.tpa', arp.tpa as string],
    );
  }
  const ip4 = find(layers, 'ipv4');
  const ip6 = find(layers, 'ipv6');
  if (ip4) {
    clauses.push(['ip4.src', ip4.src as string], ['ip4.dst', ip4.dst as string], ['ip.ttl', ip4.ttl as number]);
  } else if (ip6) {
    clauses.push(['ip6.src', ip6.src as string], ['ip6.dst', ip6.dst as string], ['ip.ttl', ip6.hopLimit as number]);
  }
  const l4 = L4_FIELDS.map((f) => ({ f, l: find(layers, f.layer) })).find((x) => x.l);
  if (l4?.l) clauses.push(...l4.f.fields(l4.l));
  else if (ip4 || ip6) {
    // A later fragment or an undecoded protocol: still say which protocol it is.
    const ip = (ip4 ?? ip6) as PacketLayer;
    clauses.push(['ip.proto', (ip.proto ?? ip.nextHeader) as number]);
  } else if (!arp) {
    // Not IP nor ARP (LLDP, MPLS...): without eth.type ovn-trace would trace dl_type=0x0000.
    const typed = [...layers].reverse().find((l) => typeof l.ethertype === 'number');
    if (typed) clauses.push(['eth.type', `0x${(typed.ethertype as number).toString(16).padStart(4, '0')}`]);
  }
  return clauses
    .filter((c): c is [string, string | number] => c[1] !== undefined)
    .map(([f, v]) => `${f} == ${v}`)
    .join(' && ');
}

interface L4Row {
  layer: string;
  fields: (l: PacketLayer) => Clause[];
}

const hex3 = (n: unknown): string => `0x${Number(n).toString(16).padStart(3, '0')}`;

/** Layer type -> the OVN fields it contributes, in the order a person would write them. */
const L4_FIELDS: L4Row[] = [
  { layer: 'icmp', fields: (l) => [['icmp4.type', l.icmpType as number], ['icmp4.code', l.icmpCode as number]] },
  {
    layer: 'icmpv6',
    fields: (l) => {
      const c: Clause[] = [['icmp6.type', l.icmpType as number], ['icmp6.code', l.icmpCode as number]];
      if ((l.icmpType === 135 || l.icmpType === 136) && l.target) c.push(['nd.target', l.target as string]);
      if (l.icmpType === 135 && l.sll) c.push(['nd.sll', l.sll as string]);
      if (l.icmpType === 136 && l.tll) c.push(['nd.tll', l.tll as string]);
      return c;
    },
  },
  { layer: 'tcp', fields: (l) => [['tcp.src', l.srcPort as number], ['tcp.dst', l.dstPort as number], ['tcp.flags', hex3(l.flags)]] },
  { layer: 'udp', fields: (l) => [['udp.src', l.srcPort as number], ['udp.dst', l.dstPort as number]] },
  { layer: 'sctp', fields: (l) => [['sctp.src', l.srcPort as number], ['sctp.dst', l.dstPort as number]] },
];

export interface OfprotoOptions {
  bridge?: string;
  inPort: number | string;
  /** MACs for the Ethernet header supplied when the capture had none (tcpdump -x/-X, -i any). */
  ethSrc?: string;
  ethDst?: string;
}

export interface OfprotoArgs {
  bridge: string;
  flowArg: string;
  packetHex: string;
  /** Full argv, starting with the program: ['ovs-appctl', 'ofproto/trace', bridge, flowArg, hex]. */
  argv: string[];
  /** What was changed to make the packet traceable (e.g. an Ethernet header was supplied). */
  notes: string[];
}

const ETHERTYPE_BY_LINK: Record<string, string> = { ipv4: '0800', ipv6: '86dd', arp: '0806' };

/**
 * OVS port names may be given by name in in_port=; names outside [A-Za-z0-9_.-] are quoted the
 * way OVS prints them (ofputil_port_to_string quotes names that need it).
 */
function ofPort(p: number | string): string {
  if (typeof p === 'number') return String(p);
  return /^[A-Za-z0-9_.:-]+$/.test(p) ? p : JSON.stringify(p);
}

const macHex = (m: string): string => m.replace(/[^0-9a-fA-F]/g, '').toLowerCase().padStart(12, '0').slice(0, 12);

/** The packet as ofproto/trace wants it: a whole Ethernet frame in hex. */
export function ethernetFrameHex(pkt: Pick<DecodedPacket, 'hex' | 'layers' | 'linkType'>, opts: Pick<OfprotoOptions, 'ethSrc' | 'ethDst'> = {}): {
  hex: string;
  notes: string[];
} {
  const link = pkt.linkType ?? 'ethernet';
  const src = opts.ethSrc ?? '00:00:00:00:00:01';
  const dst = opts.ethDst ?? '00:00:00:00:00:02';
  if (link === 'ethernet') return { hex: pkt.hex.toLowerCase(), notes: [] };
  if (link === 'sll' || link === 'sll2') {
    const l = pkt.layers[0];
    const hdr = link === 'sll2' ? 20 : 16;
    const et = Number(l?.ethertype ?? 0).toString(16).padStart(4, '0');
    // The cooked header keeps the sender's MAC; use it unless the caller gave one.
    const capturedSrc = typeof l?.src === 'string' && /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(l.src) ? l.src : src;
    const s = opts.ethSrc ?? capturedSrc;
    return {
      hex: macHex(dst) + macHex(s) + et + pkt.hex.slice(hdr * 2).toLowerCase(),
      notes: [`replaced the ${link} cooked header (tcpdump -i any) with Ethernet ${s} > ${dst}`],
    };
  }
  const et = ETHERTYPE_BY_LINK[link] ?? '0800';
  return {
    hex: macHex(dst) + macHex(src) + et + pkt.hex.toLowerCase(),
    notes: [`the capture starts at ${link} (tcpdump -x/-X): supplied an Ethernet header ${src} > ${dst}`],
  };
}

export function packetToOfprotoArgs(pkt: Pick<DecodedPacket, 'hex' | 'layers' | 'linkType'>, opts: OfprotoOptions): OfprotoArgs {
  const bridge = opts.bridge ?? 'br-int';
  const flowArg = `in_port=${ofPort(opts.inPort)}`;
  const { hex, notes } = ethernetFrameHex(pkt, opts);
  return { bridge, flowArg, packetHex: hex, argv: ['ovs-appctl', 'ofproto/trace', bridge, flowArg, hex], notes };
}

type FlowField = [name: string, value: string | number | undefined];

/** Layer type -> OVS flow fields (ovs-fields(7) spellings). */
const OF_L4: Record<string, { proto4: string; proto6: string; fields: (l: PacketLayer) => FlowField[] }> = {
  icmp: { proto4: 'icmp', proto6: 'icmp', fields: (l) => [['icmp_type', l.icmpType as number], ['icmp_code', l.icmpCode as number]] },
  icmpv6: {
    proto4: 'icmp6',
    proto6: 'icmp6',
    fields: (l) => {
      const f: FlowField[] = [['icmp_type', l.icmpType as number], ['icmp_code', l.icmpCode as number]];
      if ((l.icmpType === 135 || l.icmpType === 136) && l.target) f.push(['nd_target', l.target as string]);
      if (l.icmpType === 135 && l.sll) f.push(['nd_sll', l.sll as string]);
      if (l.icmpType === 136 && l.tll) f.push(['nd_tll', l.tll as string]);
      return f;
    },
  },
  tcp: { proto4: 'tcp', proto6: 'tcp6', fields: (l) => [['tp_src', l.srcPort as number], ['tp_dst', l.dstPort as number], ['tcp_flags', hex3(l.flags)]] },
  udp: { proto4: 'udp', proto6: 'udp6', fields: (l) => [['tp_src', l.srcPort as number], ['tp_dst', l.dstPort as number]] },
  sctp: { proto4: 'sctp', proto6: 'sctp6', fields: (l) => [['tp_src', l.srcPort as number], ['tp_dst', l.dstPort as number]] },
};

/**
 * `icmp,in_port=1,dl_src=..,dl_dst=..,nw_src=..,nw_dst=..,nw_ttl=64,icmp_type=8,icmp_code=0`:
 * the outer frame as an OVS flow, for `ofproto/trace BRIDGE FLOW` without packet bytes.
 */
export function packetToOfFlow(pkt: Pick<DecodedPacket, 'layers'>, inPort: number | string): string {
  const layers = frameLayers(pkt, false);
  const fields: FlowField[] = [['in_port', ofPort(inPort)]];
  let proto = '';
  const eth = find(layers, 'eth') ?? find(layers, 'sll2') ?? find(layers, 'sll');
  if (eth?.type === 'eth') fields.push(['dl_src', eth.src as string], ['dl_dst', eth.dst as string]);
  else if (eth?.src && /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(String(eth.src))) fields.push(['dl_src', eth.src as string]);
  const vlan = find(layers, 'vlan');
  if (vlan) fields.push(['dl_vlan', vlan.vid as number], ['dl_vlan_pcp', vlan.pcp as number]);
  const arp = find(layers, 'arp');
  const ip4 = find(layers, 'ipv4');
  const ip6 = find(layers, 'ipv6');
  if (arp) {
    proto = 'arp';
    fields.push(
      ['arp_op', arp.op as number],
      ['arp_spa', arp.spa as string],
      ['arp_tpa', arp.tpa as string],
      ['arp_sha', arp.sha as string],
      ['arp_tha', arp.tha as string],
    );
  } else if (ip4) {
    proto = 'ip';
    fields.push(['nw_src', ip4.src as string], ['nw_dst', ip4.dst as string], ['nw_ttl', ip4.ttl as number]);
  } else if (ip6) {
    proto = 'ipv6';
    fields.push(['ipv6_src', ip6.src as string], ['ipv6_dst', ip6.dst as string], ['nw_ttl', ip6.hopLimit as number]);
  } else if (eth && typeof eth.ethertype === 'number') {
    fields.push(['dl_type', `0x${eth.ethertype.toString(16).padStart(4, '0')}`]);
  }
  if (ip4 || ip6) {
    const l4 = layers.find((l) => OF_L4[l.type]);
    const row = l4 ? OF_L4[l4.type] : undefined;
    if (l4 && row) {
      proto = ip4 ? row.proto4 : row.proto6;
      fields.push(...row.fields(l4));
    } else {
      const ip = (ip4 ?? ip6) as PacketLayer;
      fields.push(['nw_proto', (ip4 ? ip.proto : ip.proto ?? ip.nextHeader) as number]);
    }
  }
  const body = fields
    .filter((f): f is [string, string | number] => f[1] !== undefined)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return proto ? `${proto},${body}` : body;
}
