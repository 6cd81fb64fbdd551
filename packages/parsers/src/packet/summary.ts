/**
 * One line per packet, in tcpdump's spirit but from tracemap's own decode:
 *   40:44:00:00:00:01 > 40:44:00:00:00:02, IPv4 192.168.0.11 > 192.168.1.11: ICMP echo request
 * Tunnels print the outer packet, the tunnel, then the inner packet after a colon.
 */
import type { PacketLayer } from '@tracemap/model';

type Describe = (l: PacketLayer, rest: PacketLayer[], ctx: SummaryCtx) => string;

interface SummaryCtx {
  /** Address prefix for L4 ports: "10.77.0.1.35284 > 10.77.0.2.5001" like tcpdump. */
  src?: string;
  dst?: string;
  ipLabel?: string;
}

const str = (v: unknown): string => (v === undefined || v === null ? '?' : String(v));

function endpoints(ctx: SummaryCtx, l: PacketLayer): string {
  if (ctx.src === undefined) return `port ${str(l.srcPort)} > ${str(l.dstPort)}`;
  const sep = ctx.ipLabel === 'IPv6' ? '.' : '.';
  return `${ctx.ipLabel} ${ctx.src}${sep}${str(l.srcPort)} > ${ctx.dst}${sep}${str(l.dstPort)}`;
}

function ipPrefix(ctx: SummaryCtx): string {
  return ctx.src === undefined ? '' : `${ctx.ipLabel} ${ctx.src} > ${ctx.dst}`;
}

/** Summarise the layers from `rest[0]` on; each describer consumes its own layer. */
function describe(rest: PacketLayer[], ctx: SummaryCtx): string {
  const l = rest[0];
  if (!l) return '';
  const d = DESCRIBERS[l.type];
  const text = d ? d(l, rest.slice(1), ctx) : `${l.type} (${l.length} bytes)`;
  return l.truncated ? `${text} [truncated]` : text;
}

const join = (a: string, b: string, sep: string): string => (a && b ? `${a}${sep}${b}` : a || b);

const DESCRIBERS: Record<string, Describe> = {
  eth: (l, rest, ctx) => {
    const head = `${str(l.src)} > ${str(l.dst)}`;
    const next = describe(rest, ctx);
    return join(head, next || `ethertype ${str(l.ethertypeName)}`, ', ');
  },
  sll: (l, rest, ctx) => join(`${str(l.direction)} ${str(l.src)}`, describe(rest, ctx), ', '),
  sll2: (l, rest, ctx) => join(`${str(l.direction)} ${str(l.src)}`, describe(rest, ctx), ', '),
  vlan: (l, rest, ctx) => {
    const tag = `${l.tpid === 0x88a8 ? '802.1ad' : 'vlan'} ${str(l.vid)}${l.pcp ? ` p ${str(l.pcp)}` : ''}`;
    return join(tag, describe(rest, ctx) || `ethertype ${str(l.ethertypeName)}`, ', ');
  },
  arp: (l) => {
    if (l.op === 1) return `ARP request who-has ${str(l.tpa)} tell ${str(l.spa)}`;
    if (l.op === 2) return `ARP reply ${str(l.spa)} is-at ${str(l.sha)}`;
    return `ARP op ${str(l.op)}`;
  },
  ipv4: (l, rest, ctx) => {
    const sub: SummaryCtx = { src: str(l.src), dst: str(l.dst), ipLabel: 'IPv4' };
    const flags = l.flags as { mf?: boolean } | undefined;
    const frag = flags?.mf || Number(l.fragOffset) > 0 ? ` frag offset ${str(l.fragOffset)}${flags?.mf ? '+' : ''}` : '';
    const next = describe(rest, sub);
    if (!next || rest[0]?.type === 'payload') {
      return `${ipPrefix(sub)}: ${str(l.protoName)}${frag}${next ? `, length ${rest[0]?.length}` : ''}`;
    }
    return frag ? `${next} (${frag.trim()})` : next;
  },
  ipv6: (l, rest, ctx) => {
    const sub: SummaryCtx = { src: str(l.src), dst: str(l.dst), ipLabel: 'IPv6' };
    // Extension headers are named in order ("HBH RT6 frag"), then the upper layer.
    const exts: string[] = [];
    let i = 0;
    const EXT: Record<string, (x: PacketLayer) => string> = {
      'ipv6-hop-by-hop': () => 'HBH',
      'ipv6-dest-opts': () => 'DSTOPT',
      'ipv6-routing': (x) => `RT6 type ${str(x.routingType)}`,
      'ipv6-fragment': (x) => `frag offset ${str(x.fragOffset)}${x.more ? '+' : ''}`,
    };
    for (; i < rest.length; i++) {
      const x = rest[i] as PacketLayer;
      const e = EXT[x.type];
      if (!e) break;
      exts.push(e(x));
    }
    const upper = rest.slice(i);
    let next = describe(upper, sub);
    if (!next || upper[0]?.type === 'payload') {
      next = `${ipPrefix(sub)}: ${str(l.protoName)}${upper[0] ? `, length ${upper[0].length}` : ''}`;
    }
    if (exts.length === 0) return next;
    // Put the extension names right after "src > dst:".
    const p = `${ipPrefix(sub)}: `;
    return next.startsWith(p) ? `${p}${exts.join(' ')} ${next.slice(p.length)}` : `${next} (${exts.join(' ')})`;
  },
  icmp: (l, _rest, ctx) => {
    let s = `${ipPrefix(ctx)}: ICMP ${str(l.typeName)}`;
    if (l.codeName) s += ` (${str(l.codeName)})`;
    else if (l.icmpType !== 0 && l.icmpType !== 8 && l.icmpCode) s += ` code ${str(l.icmpCode)}`;
    return s;
  },
  icmpv6: (l, _rest, ctx) => {
    let s = `${ipPrefix(ctx)}: ICMPv6 ${str(l.typeName)}`;
    if (l.icmpType === 135) s += `, who has ${str(l.target)}`;
    if (l.icmpType === 136) s += `, tgt is ${str(l.target)}`;
    if (l.sll) s += `, sll ${str(l.sll)}`;
    if (l.tll) s += `, tll ${str(l.tll)}`;
    return s;
  },
  tcp: (l, _rest, ctx) =>
    `${endpoints(ctx, l)}: TCP [${str(l.flagsText)}] seq ${str(l.seq)}${
      (Number(l.flags) & 0x10) !== 0 ? ` ack ${str(l.ack)}` : ''
    } win ${str(l.window)} length ${str(l.payloadLength)}`,
  udp: (l, rest, ctx) => {
    const head = `${endpoints(ctx, l)}: UDP, length ${Number(l.udpLength) - 8}`;
    const t = rest[0];
    if (t && (t.type === 'geneve' || t.type === 'vxlan')) return `${head}, ${describe(rest, {})}`;
    return head;
  },
  sctp: (l, _rest, ctx) => {
    const chunks = (l.chunks as { name?: string }[] | undefined) ?? [];
    return `${endpoints(ctx, l)}: SCTP ${chunks.map((c) => `[${str(c.name)}]`).join(' ')}`.trim();
  },
  geneve: (l, rest) => {
    const ovn = l.ovn as { ingressPort?: number; egressPort?: number } | undefined;
    const head = `Geneve vni ${str(l.vni)}${ovn ? ` (OVN ingress ${str(ovn.ingressPort)} egress ${str(ovn.egressPort)})` : ''}`;
    return join(head, describe(rest, {}), ': ');
  },
  vxlan: (l, rest) => join(`VXLAN vni ${str(l.vni)}`, describe(rest, {}), ': '),
  payload: () => '',
  padding: () => '',
};

/** tracemap's one-line description of a decoded packet. */
export function summarizePacket(p: { layers: PacketLayer[] }): string {
  const top = p.layers.filter((l) => l.type !== 'padding');
  let s = describe(top, {});
  if (s && !s.endsWith('[truncated]') && p.layers.some((l) => l.truncated || l.payloadTruncated)) s += ' [truncated]';
  return s || (p.layers.length ? `${p.layers[0]?.type} (${p.layers.reduce((n, l) => n + l.length, 0)} bytes)` : '(empty)');
}
