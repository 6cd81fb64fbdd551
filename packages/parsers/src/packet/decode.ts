/**
 * Layer decoder: bytes -> [{type, offset, length, ...fields}], with checksum checks.
 *
 * Dispatch is by table (ethertype -> decoder, IP protocol -> decoder, UDP port -> decoder), so a
 * new protocol is one row. Every decoder bounds its reads by `end` (the end of its enclosing
 * layer: IPv4 total length, UDP length, the captured bytes) and reports a short header as a
 * truncated layer instead of throwing.
 */
import type { ChecksumCheck, PacketLayer, PacketLinkType } from '@tracemap/model';
import { hasBytes, ipv4At, ipv6At, macAt, toHex, u16, u24, u32, u8 } from './bytes';
import { crc32c, expectedChecksum, pseudoHeader4, pseudoHeader6, sum16, fold } from './checksum';

export interface DecodeProblem {
  message: string;
  severity: 'error' | 'warning' | 'info';
}

export interface DecodeResult {
  layers: PacketLayer[];
  checksums: ChecksumCheck[];
  problems: DecodeProblem[];
}

/** What an L4 checksum needs from the IP layer below it. */
interface IpContext {
  version: 4 | 6;
  srcOff: number;
  dstOff: number;
  /** IPv6 routing header: the pseudo-header uses the final destination, not the current one. */
  finalDst?: Uint8Array;
  /** A fragment (IPv4 MF/offset, IPv6 fragment header): the L4 checksum covers the reassembled datagram. */
  fragment: boolean;
  /** The IP payload was cut short by the capture. */
  truncated: boolean;
}

interface Ctx {
  b: Uint8Array;
  layers: PacketLayer[];
  checksums: ChecksumCheck[];
  problems: DecodeProblem[];
  depth: number;
}

type Decoder = (ctx: Ctx, off: number, end: number, ip?: IpContext) => void;

// ---------------------------------------------------------------------------------------------
// shared helpers

function push(ctx: Ctx, layer: PacketLayer): PacketLayer {
  const l: PacketLayer = layer;
  if (ctx.depth > 0) l.depth = ctx.depth;
  ctx.layers.push(l);
  return l;
}

function short(ctx: Ctx, type: string, off: number, end: number, need: number): boolean {
  if (off + need <= end) return false;
  const have = Math.max(0, end - off);
  push(ctx, { type, offset: off, length: have, truncated: true });
  ctx.problems.push({
    severity: 'warning',
    message: `truncated ${type} header at offset ${off}: needs ${need} bytes, only ${have} captured`,
  });
  return true;
}

function payload(ctx: Ctx, off: number, end: number): void {
  if (end > off) push(ctx, { type: 'payload', offset: off, length: end - off });
}

function check(
  ctx: Ctx,
  layer: string,
  offset: number,
  found: number,
  expected: number,
  partial?: number,
): void {
  const c: ChecksumCheck = { layer, field: 'checksum', found, expected, ok: found === expected, offset };
  if (!c.ok && partial !== undefined && found === partial) c.partial = true;
  ctx.checksums.push(c);
  if (c.ok) return;
  const hex = (n: number): string => `0x${n.toString(16).padStart(layer === 'sctp' ? 8 : 4, '0')}`;
  ctx.problems.push({
    severity: 'warning',
    message: c.partial
      ? `${layer} checksum ${hex(found)} at offset ${offset} is only the pseudo-header sum (expected ${hex(expected)}): ` +
        'checksum offload left it for the NIC to finish. Normal on the sending host; a receiver that gets it drops the packet silently'
      : `${layer} checksum ${hex(found)} at offset ${offset} is wrong, expected ${hex(expected)}`,
  });
}

const hex16 = (n: number | undefined): string => `0x${(n ?? 0).toString(16).padStart(4, '0')}`;

// ---------------------------------------------------------------------------------------------
// link layer

interface EtherTypeRow {
  name: string;
  decode?: Decoder;
}

/** ethertype -> decoder. Filled in below once the decoders exist. */
export const ETHERTYPES: Record<number, EtherTypeRow> = {};

function nextByEthertype(ctx: Ctx, ethertype: number, off: number, end: number): void {
  const row = ETHERTYPES[ethertype];
  if (row?.decode) row.decode(ctx, off, end);
  else payload(ctx, off, end);
}

const decodeEthernet: Decoder = (ctx, off, end) => {
  if (short(ctx, 'eth', off, end, 14)) return;
  const b = ctx.b;
  const ethertype = u16(b, off + 12) ?? 0;
  // Values up to 1500 are an 802.3 length (LLC follows), not an ethertype.
  const isLength = ethertype <= 1500;
  push(ctx, {
    type: 'eth',
    offset: off,
    length: 14,
    dst: macAt(b, off),
    src: macAt(b, off + 6),
    ethertype,
    ethertypeName: isLength ? '802.3 length' : (ETHERTYPES[ethertype]?.name ?? hex16(ethertype)),
  });
  if (isLength) payload(ctx, off + 14, Math.min(end, off + 14 + ethertype));
  else nextByEthertype(ctx, ethertype, off + 14, end);
};

/** 802.1Q (0x8100), 802.1ad (0x88a8) and the pre-standard QinQ 0x9100: tags stack. */
const decodeVlan: Decoder = (ctx, off, end) => {
  if (short(ctx, 'vlan', off, end, 4)) return;
  const b = ctx.b;
  const tci = u16(b, off) ?? 0;
  const ethertype = u16(b, off + 2) ?? 0;
  // The TPID is the two bytes before the tag: the previous layer's ethertype.
  const tpid = u16(b, off - 2) ?? 0;
  push(ctx, {
    type: 'vlan',
    offset: off - 2,
    length: 4,
    tpid,
    tpidName: tpid === 0x8100 ? '802.1Q' : tpid === 0x88a8 ? '802.1ad' : hex16(tpid),
    pcp: tci >> 13,
    dei: (tci >> 12) & 1,
    vid: tci & 0xfff,
    ethertype,
    ethertypeName: ETHERTYPES[ethertype]?.name ?? hex16(ethertype),
  });
  nextByEthertype(ctx, ethertype, off + 4, end);
};

const SLL_PACKET_TYPES: Record<number, string> = { 0: 'In', 1: 'B', 2: 'M', 3: 'P', 4: 'Out' };

/**
 * Linux cooked capture v2 (`tcpdump -i any` since 4.99, "link-type LINUX_SLL2"): 20 bytes,
 * protocol first. Seen as `06:38:01.587614 h3va  Out IP 10.77.0.1 > 10.77.0.2: ...` with
 * `0x0000:  0800 0000 0000 0002 0001 0406 4044 0000`.
 */
const decodeSll2: Decoder = (ctx, off, end) => {
  if (short(ctx, 'sll2', off, end, 20)) return;
  const b = ctx.b;
  const ethertype = u16(b, off) ?? 0;
  const addrLen = u8(b, off + 11) ?? 0;
  const pktType = u8(b, off + 10) ?? 0;
  push(ctx, {
    type: 'sll2',
    offset: off,
    length: 20,
    ethertype,
    ethertypeName: ETHERTYPES[ethertype]?.name ?? hex16(ethertype),
    ifindex: u32(b, off + 4),
    arphrd: u16(b, off + 8),
    packetType: pktType,
    direction: SLL_PACKET_TYPES[pktType] ?? String(pktType),
    src: addrLen === 6 ? macAt(b, off + 12) : toHex(b, off + 12, off + 12 + Math.min(addrLen, 8)),
  });
  nextByEthertype(ctx, ethertype, off + 20, end);
};

/** Linux cooked capture v1 (older tcpdump -i any, "link-type LINUX_SLL"): 16 bytes, protocol last. */
const decodeSll: Decoder = (ctx, off, end) => {
  if (short(ctx, 'sll', off, end, 16)) return;
  const b = ctx.b;
  const pktType = u16(b, off) ?? 0;
  const addrLen = u16(b, off + 4) ?? 0;
  const ethertype = u16(b, off + 14) ?? 0;
  push(ctx, {
    type: 'sll',
    offset: off,
    length: 16,
    packetType: pktType,
    direction: SLL_PACKET_TYPES[pktType] ?? String(pktType),
    arphrd: u16(b, off + 2),
    src: addrLen === 6 ? macAt(b, off + 6) : toHex(b, off + 6, off + 6 + Math.min(addrLen, 8)),
    ethertype,
    ethertypeName: ETHERTYPES[ethertype]?.name ?? hex16(ethertype),
  });
  nextByEthertype(ctx, ethertype, off + 16, end);
};

const ARP_OPS: Record<number, string> = { 1: 'request', 2: 'reply', 3: 'rarp-request', 4: 'rarp-reply' };

const decodeArp: Decoder = (ctx, off, end) => {
  if (short(ctx, 'arp', off, end, 8)) return;
  const b = ctx.b;
  const hlen = u8(b, off + 4) ?? 0;
  const plen = u8(b, off + 5) ?? 0;
  const op = u16(b, off + 6) ?? 0;
  const len = 8 + 2 * (hlen + plen);
  const layer = push(ctx, {
    type: 'arp',
    offset: off,
    length: Math.min(len, end - off),
    htype: u16(b, off),
    ptype: u16(b, off + 2),
    hlen,
    plen,
    op,
    opName: ARP_OPS[op] ?? String(op),
  });
  if (off + len > end) {
    layer.truncated = true;
    ctx.problems.push({ severity: 'warning', message: `truncated arp at offset ${off}: needs ${len} bytes, only ${end - off} captured` });
    return;
  }
  // Ethernet/IPv4 ARP is the only kind OVS and OVN match on (arp.sha/spa/tha/tpa).
  if (hlen === 6 && plen === 4) {
    Object.assign(layer, {
      sha: macAt(b, off + 8),
      spa: ipv4At(b, off + 14),
      tha: macAt(b, off + 18),
      tpa: ipv4At(b, off + 24),
    });
  }
};

// ---------------------------------------------------------------------------------------------
// IPv4

const IPV4_OPTIONS: Record<number, string> = {
  0: 'EOL',
  1: 'NOP',
  7: 'RR',
  68: 'TS',
  130: 'SEC',
  131: 'LSRR',
  137: 'SSRR',
  148: 'RA',
};

function ipv4Options(b: Uint8Array, off: number, end: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let p = off;
  while (p < end) {
    const t = b[p] as number;
    if (t === 0 || t === 1) {
      out.push({ type: t, name: IPV4_OPTIONS[t] });
      p += 1;
      if (t === 0) break;
      continue;
    }
    const len = u8(b, p + 1) ?? 0;
    if (len < 2 || p + len > end) {
      out.push({ type: t, name: IPV4_OPTIONS[t] ?? `opt-${t}`, malformed: true });
      break;
    }
    const opt: Record<string, unknown> = { type: t, name: IPV4_OPTIONS[t] ?? `opt-${t}`, length: len };
    if (t === 7 || t === 131 || t === 137) {
      // "options (NOP,RR 10.77.0.1, 0.0.0.0 ...)": pointer, then 4-byte route slots.
      opt.pointer = b[p + 2];
      const addrs: string[] = [];
      for (let q = p + 3; q + 4 <= p + len; q += 4) addrs.push(ipv4At(b, q) ?? '');
      opt.addresses = addrs;
    } else if (t === 148) {
      opt.value = u16(b, p + 2);
    } else {
      opt.data = toHex(b, p + 2, p + len);
    }
    out.push(opt);
    p += len;
  }
  return out;
}

const decodeIpv4: Decoder = (ctx, off, end) => {
  if (short(ctx, 'ipv4', off, end, 20)) return;
  const b = ctx.b;
  const vihl = b[off] as number;
  const ihl = (vihl & 0x0f) * 4;
  const totalLength = u16(b, off + 2) ?? 0;
  const fragWord = u16(b, off + 6) ?? 0;
  const proto = b[off + 9] as number;
  const layer = push(ctx, {
    type: 'ipv4',
    offset: off,
    length: ihl,
    version: vihl >> 4,
    headerLength: ihl,
    tos: b[off + 1],
    dscp: (b[off + 1] as number) >> 2,
    ecn: (b[off + 1] as number) & 3,
    totalLength,
    id: u16(b, off + 4),
    flags: { reserved: !!(fragWord & 0x8000), df: !!(fragWord & 0x4000), mf: !!(fragWord & 0x2000) },
    fragOffset: (fragWord & 0x1fff) * 8,
    ttl: b[off + 8],
    proto,
    protoName: IP_PROTOS[proto]?.name ?? String(proto),
    checksum: u16(b, off + 10),
    src: ipv4At(b, off + 12),
    dst: ipv4At(b, off + 16),
  });
  if ((vihl >> 4) !== 4 || ihl < 20) {
    ctx.problems.push({ severity: 'error', message: `bad IPv4 version/header length byte 0x${vihl.toString(16)} at offset ${off}` });
    return;
  }
  if (off + ihl > end) {
    layer.truncated = true;
    ctx.problems.push({ severity: 'warning', message: `truncated ipv4 options at offset ${off}: header is ${ihl} bytes, only ${end - off} captured` });
    return;
  }
  if (ihl > 20) layer.options = ipv4Options(b, off + 20, off + ihl);
  check(ctx, 'ipv4', off, u16(b, off + 10) ?? 0, expectedChecksum(b, off, off + ihl, off + 10));

  let payloadEnd = off + totalLength;
  let truncated = false;
  if (totalLength < ihl) {
    ctx.problems.push({ severity: 'error', message: `IPv4 total length ${totalLength} at offset ${off} is shorter than its header` });
    payloadEnd = end;
  } else if (payloadEnd > end) {
    // The header is whole, its payload is not: keep the header trustworthy for the builders.
    truncated = true;
    layer.payloadTruncated = true;
    ctx.problems.push({
      severity: 'info',
      message: `ipv4 at offset ${off} says ${totalLength} bytes but only ${end - off} were captured (snaplen?): decoded as far as it goes, L4 checksum not checked`,
    });
    payloadEnd = end;
  }
  const fragment = (fragWord & 0x3fff) !== 0;
  if ((fragWord & 0x1fff) !== 0) {
    // A later fragment carries no L4 header.
    payload(ctx, off + ihl, payloadEnd);
    return;
  }
  nextByProto(ctx, proto, off + ihl, payloadEnd, { version: 4, srcOff: off + 12, dstOff: off + 16, fragment, truncated });
};

// ---------------------------------------------------------------------------------------------
// IPv6 and its extension headers

function ipv6TlvOptions(b: Uint8Array, off: number, end: number): Record<string, unknown>[] {
  const names: Record<number, string> = { 0: 'Pad1', 1: 'PadN', 5: 'RouterAlert', 0xc2: 'Jumbo', 0xc9: 'HomeAddress' };
  const out: Record<string, unknown>[] = [];
  let p = off;
  while (p < end) {
    const t = b[p] as number;
    if (t === 0) {
      out.push({ type: 0, name: 'Pad1' });
      p++;
      continue;
    }
    const len = u8(b, p + 1);
    if (len === undefined || p + 2 + len > end) {
      out.push({ type: t, name: names[t] ?? `opt-0x${t.toString(16)}`, malformed: true });
      break;
    }
    const opt: Record<string, unknown> = { type: t, name: names[t] ?? `opt-0x${t.toString(16)}`, length: len };
    if (t === 5 && len === 2) opt.value = u16(b, p + 2);
    else if (t === 0xc2 && len === 4) opt.value = u32(b, p + 2);
    else if (t !== 1) opt.data = toHex(b, p + 2, p + 2 + len);
    out.push(opt);
    p += 2 + len;
  }
  return out;
}

/** An extension header decoder returns its length and next header, or undefined when cut short. */
type ExtDecoder = (
  ctx: Ctx,
  off: number,
  end: number,
  ip: IpContext,
) => { length: number; next: number; stop?: boolean } | undefined;

const extOptions =
  (type: string): ExtDecoder =>
  (ctx, off, end) => {
    if (short(ctx, type, off, end, 8)) return undefined;
    const b = ctx.b;
    const length = ((b[off + 1] as number) + 1) * 8;
    const next = b[off] as number;
    const layer = push(ctx, { type, offset: off, length, nextHeader: next });
    if (off + length > end) {
      layer.truncated = true;
      ctx.problems.push({ severity: 'warning', message: `truncated ${type} at offset ${off}` });
      return undefined;
    }
    layer.options = ipv6TlvOptions(b, off + 2, off + length);
    return { length, next };
  };

const extRouting: ExtDecoder = (ctx, off, end, ip) => {
  if (short(ctx, 'ipv6-routing', off, end, 8)) return undefined;
  const b = ctx.b;
  const length = ((b[off + 1] as number) + 1) * 8;
  const next = b[off] as number;
  const routingType = b[off + 2] as number;
  const segmentsLeft = b[off + 3] as number;
  const layer = push(ctx, { type: 'ipv6-routing', offset: off, length, nextHeader: next, routingType, segmentsLeft });
  if (off + length > end) {
    layer.truncated = true;
    ctx.problems.push({ severity: 'warning', message: `truncated ipv6-routing at offset ${off}` });
    return undefined;
  }
  const addresses: string[] = [];
  // Type 0 (deprecated) and type 4 (SRv6 SRH) both list 16-byte addresses from offset 8.
  if (routingType === 0 || routingType === 4) {
    for (let q = off + 8; q + 16 <= off + length; q += 16) addresses.push(ipv6At(b, q) ?? '');
    layer.addresses = addresses;
    if (routingType === 4) {
      layer.lastEntry = b[off + 4];
      layer.flags = b[off + 5];
      layer.tag = u16(b, off + 6);
    }
    // RFC 8200 8.1: the pseudo-header uses the final destination when segments are left.
    if (segmentsLeft > 0) {
      const finalOff = routingType === 4 ? off + 8 : off + 8 + (addresses.length - 1) * 16;
      if (hasBytes(b, finalOff, 16)) ip.finalDst = b.slice(finalOff, finalOff + 16);
    }
  }
  return { length, next };
};

const extFragment: ExtDecoder = (ctx, off, end, ip) => {
  if (short(ctx, 'ipv6-fragment', off, end, 8)) return undefined;
  const b = ctx.b;
  const w = u16(b, off + 2) ?? 0;
  const fragOffset = (w >> 3) * 8;
  const more = !!(w & 1);
  push(ctx, { type: 'ipv6-fragment', offset: off, length: 8, nextHeader: b[off], fragOffset, more, id: u32(b, off + 4) });
  ip.fragment = true;
  // "frag (0|1448) ICMP6, echo request": only the first fragment carries the L4 header.
  return { length: 8, next: b[off] as number, stop: fragOffset !== 0 };
};

const IPV6_EXTENSIONS: Record<number, ExtDecoder> = {
  0: extOptions('ipv6-hop-by-hop'),
  43: extRouting,
  44: extFragment,
  60: extOptions('ipv6-dest-opts'),
};

const decodeIpv6: Decoder = (ctx, off, end) => {
  if (short(ctx, 'ipv6', off, end, 40)) return;
  const b = ctx.b;
  const w = u32(b, off) ?? 0;
  const payloadLength = u16(b, off + 4) ?? 0;
  let next = b[off + 6] as number;
  const tc = (w >>> 20) & 0xff;
  const layer = push(ctx, {
    type: 'ipv6',
    offset: off,
    length: 40,
    version: w >>> 28,
    trafficClass: tc,
    dscp: tc >> 2,
    ecn: tc & 3,
    flowLabel: w & 0xfffff,
    payloadLength,
    nextHeader: next,
    hopLimit: b[off + 7],
    src: ipv6At(b, off + 8),
    dst: ipv6At(b, off + 24),
  });
  if (w >>> 28 !== 6) {
    ctx.problems.push({ severity: 'error', message: `bad IPv6 version ${w >>> 28} at offset ${off}` });
    return;
  }
  let payloadEnd = off + 40 + payloadLength;
  const ip: IpContext = { version: 6, srcOff: off + 8, dstOff: off + 24, fragment: false, truncated: false };
  if (payloadLength === 0 && next === 0) {
    payloadEnd = end; // a jumbogram's real length is in the hop-by-hop Jumbo option
  } else if (payloadEnd > end) {
    ip.truncated = true;
    layer.payloadTruncated = true;
    ctx.problems.push({
      severity: 'info',
      message: `ipv6 at offset ${off} says ${payloadLength} payload bytes but only ${end - off - 40} were captured (snaplen?): decoded as far as it goes, L4 checksum not checked`,
    });
    payloadEnd = end;
  }
  let p = off + 40;
  for (let guard = 0; guard < 16; guard++) {
    const ext = IPV6_EXTENSIONS[next];
    if (!ext) break;
    const r = ext(ctx, p, payloadEnd, ip);
    if (!r) return;
    p += r.length;
    next = r.next;
    if (r.stop) {
      layer.proto = next;
      layer.protoName = IP_PROTOS[next]?.name ?? String(next);
      payload(ctx, p, payloadEnd);
      return;
    }
  }
  layer.proto = next;
  layer.protoName = IP_PROTOS[next]?.name ?? String(next);
  nextByProto(ctx, next, p, payloadEnd, ip);
};

// ---------------------------------------------------------------------------------------------
// L4

interface ProtoRow {
  name: string;
  decode?: Decoder;
}

export const IP_PROTOS: Record<number, ProtoRow> = {
  0: { name: 'HBH' },
  2: { name: 'IGMP' },
  4: { name: 'IPIP' },
  41: { name: 'IPv6' },
  43: { name: 'Routing' },
  44: { name: 'Fragment' },
  47: { name: 'GRE' },
  50: { name: 'ESP' },
  51: { name: 'AH' },
  59: { name: 'NoNext' },
  60: { name: 'DstOpts' },
  89: { name: 'OSPF' },
  112: { name: 'VRRP' },
};

function nextByProto(ctx: Ctx, proto: number, off: number, end: number, ip: IpContext): void {
  const row = IP_PROTOS[proto];
  if (row?.decode) row.decode(ctx, off, end, ip);
  else payload(ctx, off, end);
}

/**
 * Verify an L4 checksum over [off, end) with the IP pseudo-header; skipped for fragments and
 * truncated captures, where the bytes to sum are not all here.
 */
function checkL4(ctx: Ctx, layer: string, off: number, end: number, fieldOff: number, ip: IpContext | undefined, proto: number): void {
  if (!ip || ip.fragment || ip.truncated || !hasBytes(ctx.b, fieldOff, 2)) return;
  const b = ctx.b;
  const len = end - off;
  const pseudo =
    ip.version === 4
      ? pseudoHeader4(b, ip.srcOff, ip.dstOff, proto, len)
      : pseudoHeader6(b, ip.srcOff, ip.dstOff, proto, len, ip.finalDst);
  const found = u16(b, fieldOff) ?? 0;
  let expected = expectedChecksum(b, off, end, fieldOff, pseudo);
  // UDP sends a computed 0 as 0xffff (0 means "no checksum").
  if (proto === 17 && expected === 0) expected = 0xffff;
  check(ctx, layer, off, found, expected, fold(pseudo));
}

const ICMP_TYPES: Record<number, string> = {
  0: 'echo reply',
  3: 'destination unreachable',
  4: 'source quench',
  5: 'redirect',
  8: 'echo request',
  9: 'router advertisement',
  10: 'router solicitation',
  11: 'time exceeded',
  12: 'parameter problem',
  13: 'timestamp request',
  14: 'timestamp reply',
};

const ICMP_UNREACH: Record<number, string> = {
  0: 'net unreachable',
  1: 'host unreachable',
  2: 'protocol unreachable',
  3: 'port unreachable',
  4: 'need to frag',
  9: 'net prohibited',
  10: 'host prohibited',
  13: 'admin prohibited',
};

const decodeIcmp: Decoder = (ctx, off, end, ip) => {
  if (short(ctx, 'icmp', off, end, 4)) return;
  const b = ctx.b;
  const icmpType = b[off] as number;
  const icmpCode = b[off + 1] as number;
  const layer = push(ctx, {
    type: 'icmp',
    offset: off,
    length: Math.min(8, end - off),
    icmpType,
    icmpCode,
    typeName: ICMP_TYPES[icmpType] ?? `type ${icmpType}`,
    checksum: u16(b, off + 2),
  });
  if (icmpType === 3) layer.codeName = ICMP_UNREACH[icmpCode] ?? `code ${icmpCode}`;
  if ((icmpType === 0 || icmpType === 8 || icmpType === 13 || icmpType === 14) && off + 8 <= end) {
    layer.id = u16(b, off + 4);
    layer.seq = u16(b, off + 6);
  }
  if (icmpType === 3 && icmpCode === 4) layer.mtu = u16(b, off + 6);
  if (icmpType === 5) layer.gateway = ipv4At(b, off + 4);
  if (ip && !ip.fragment && !ip.truncated) {
    check(ctx, 'icmp', off, u16(b, off + 2) ?? 0, expectedChecksum(b, off, end, off + 2));
  }
  payload(ctx, off + 8, end);
};

const ICMP6_TYPES: Record<number, string> = {
  1: 'destination unreachable',
  2: 'packet too big',
  3: 'time exceeded',
  4: 'parameter problem',
  128: 'echo request',
  129: 'echo reply',
  130: 'multicast listener query',
  131: 'multicast listener report',
  132: 'multicast listener done',
  133: 'router solicitation',
  134: 'router advertisement',
  135: 'neighbor solicitation',
  136: 'neighbor advertisement',
  137: 'redirect',
  143: 'multicast listener report v2',
};

const ND_OPTIONS: Record<number, string> = {
  1: 'sll',
  2: 'tll',
  3: 'prefix',
  4: 'redirected',
  5: 'mtu',
  14: 'nonce',
  24: 'route-info',
  25: 'rdnss',
  31: 'dnssl',
};

/** Where the ND options start, by ICMPv6 type (RFC 4861 section 4). */
const ND_OPTIONS_AT: Record<number, number> = { 133: 8, 134: 16, 135: 24, 136: 24, 137: 40 };

function ndOptions(ctx: Ctx, layer: PacketLayer, off: number, end: number): void {
  const b = ctx.b;
  const opts: Record<string, unknown>[] = [];
  let p = off;
  while (p + 2 <= end) {
    const t = b[p] as number;
    const len = (b[p + 1] as number) * 8;
    if (len === 0 || p + len > end) {
      opts.push({ type: t, name: ND_OPTIONS[t] ?? `opt-${t}`, malformed: true });
      ctx.problems.push({ severity: 'warning', message: `malformed ND option ${t} at offset ${p}` });
      break;
    }
    const opt: Record<string, unknown> = { type: t, name: ND_OPTIONS[t] ?? `opt-${t}`, length: len };
    if ((t === 1 || t === 2) && len >= 8) {
      opt.mac = macAt(b, p + 2);
      // OVN's nd.sll / nd.tll are the first SLL / TLL option.
      const key = t === 1 ? 'sll' : 'tll';
      if (layer[key] === undefined) layer[key] = opt.mac;
    } else if (t === 3 && len >= 32) {
      const flags = b[p + 3] as number;
      Object.assign(opt, {
        prefixLength: b[p + 2],
        onLink: !!(flags & 0x80),
        autonomous: !!(flags & 0x40),
        validLifetime: u32(b, p + 4),
        preferredLifetime: u32(b, p + 8),
        prefix: ipv6At(b, p + 16),
      });
    } else if (t === 5 && len >= 8) {
      opt.mtu = u32(b, p + 4);
    } else if (t === 25 && len >= 24) {
      const servers: string[] = [];
      for (let q = p + 8; q + 16 <= p + len; q += 16) servers.push(ipv6At(b, q) ?? '');
      Object.assign(opt, { lifetime: u32(b, p + 4), servers });
    } else {
      opt.data = toHex(b, p + 2, p + len);
    }
    opts.push(opt);
    p += len;
  }
  layer.options = opts;
}

const decodeIcmpv6: Decoder = (ctx, off, end, ip) => {
  if (short(ctx, 'icmpv6', off, end, 4)) return;
  const b = ctx.b;
  const icmpType = b[off] as number;
  const icmpCode = b[off + 1] as number;
  const optAt = ND_OPTIONS_AT[icmpType];
  const headerLen = Math.min(optAt ?? 8, end - off);
  const layer = push(ctx, {
    type: 'icmpv6',
    offset: off,
    length: headerLen,
    icmpType,
    icmpCode,
    typeName: ICMP6_TYPES[icmpType] ?? `type ${icmpType}`,
    checksum: u16(b, off + 2),
  });
  if ((icmpType === 128 || icmpType === 129) && off + 8 <= end) {
    layer.id = u16(b, off + 4);
    layer.seq = u16(b, off + 6);
  }
  if (icmpType === 2) layer.mtu = u32(b, off + 4);
  if ((icmpType === 135 || icmpType === 136 || icmpType === 137) && off + 24 <= end) {
    layer.target = ipv6At(b, off + 8);
  }
  if (icmpType === 136 && off + 8 <= end) {
    const f = b[off + 4] as number;
    layer.flags = { router: !!(f & 0x80), solicited: !!(f & 0x40), override: !!(f & 0x20) };
  }
  if (icmpType === 137 && off + 40 <= end) layer.destination = ipv6At(b, off + 24);
  if (icmpType === 134 && off + 16 <= end) {
    const f = b[off + 5] as number;
    Object.assign(layer, {
      curHopLimit: b[off + 4],
      flags: { managed: !!(f & 0x80), other: !!(f & 0x40) },
      routerLifetime: u16(b, off + 6),
      reachableTime: u32(b, off + 8),
      retransTimer: u32(b, off + 12),
    });
  }
  if (optAt !== undefined) {
    if (off + optAt > end) {
      layer.truncated = true;
      ctx.problems.push({ severity: 'warning', message: `truncated ${layer.typeName} at offset ${off}` });
    } else {
      ndOptions(ctx, layer, off + optAt, end);
      layer.length = end - off;
    }
  }
  checkL4(ctx, 'icmpv6', off, end, off + 2, ip, 58);
  if (optAt === undefined) payload(ctx, off + 8, end);
};

/** tcpdump's order and letters for `Flags [S.]` (print-tcp.c tcp_flag_values). */
const TCP_FLAGS: [number, string, string][] = [
  [0x01, 'F', 'FIN'],
  [0x02, 'S', 'SYN'],
  [0x04, 'R', 'RST'],
  [0x08, 'P', 'PSH'],
  [0x10, '.', 'ACK'],
  [0x20, 'U', 'URG'],
  [0x40, 'E', 'ECE'],
  [0x80, 'W', 'CWR'],
];

const TCP_OPTIONS: Record<number, string> = {
  0: 'eol',
  1: 'nop',
  2: 'mss',
  3: 'wscale',
  4: 'sackOK',
  5: 'sack',
  8: 'TS',
  28: 'uto',
  29: 'tcp-ao',
  30: 'mptcp',
  34: 'tfo',
};

function tcpOptions(b: Uint8Array, off: number, end: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let p = off;
  while (p < end) {
    const kind = b[p] as number;
    if (kind === 0 || kind === 1) {
      out.push({ kind, name: TCP_OPTIONS[kind] });
      p++;
      if (kind === 0) break;
      continue;
    }
    const len = u8(b, p + 1) ?? 0;
    if (len < 2 || p + len > end) {
      out.push({ kind, name: TCP_OPTIONS[kind] ?? `opt-${kind}`, malformed: true });
      break;
    }
    const o: Record<string, unknown> = { kind, name: TCP_OPTIONS[kind] ?? `opt-${kind}`, length: len };
    if (kind === 2 && len === 4) o.value = u16(b, p + 2);
    else if (kind === 3 && len === 3) o.value = b[p + 2];
    else if (kind === 8 && len === 10) Object.assign(o, { val: u32(b, p + 2), ecr: u32(b, p + 6) });
    else if (kind === 5) {
      const blocks: [number | undefined, number | undefined][] = [];
      for (let q = p + 2; q + 8 <= p + len; q += 8) blocks.push([u32(b, q), u32(b, q + 4)]);
      o.blocks = blocks;
    } else if (len > 2) o.data = toHex(b, p + 2, p + len);
    out.push(o);
    p += len;
  }
  return out;
}

const decodeTcp: Decoder = (ctx, off, end, ip) => {
  if (short(ctx, 'tcp', off, end, 20)) return;
  const b = ctx.b;
  const dataOffset = ((b[off + 12] as number) >> 4) * 4;
  const flags = (((b[off + 12] as number) & 1) << 8) | (b[off + 13] as number);
  const layer = push(ctx, {
    type: 'tcp',
    offset: off,
    length: Math.min(dataOffset, end - off),
    srcPort: u16(b, off),
    dstPort: u16(b, off + 2),
    seq: u32(b, off + 4),
    ack: u32(b, off + 8),
    dataOffset,
    flags,
    flagNames: TCP_FLAGS.filter(([bit]) => flags & bit).map(([, , name]) => name),
    flagsText: TCP_FLAGS.filter(([bit]) => flags & bit).map(([, letter]) => letter).join('') || 'none',
    window: u16(b, off + 14),
    checksum: u16(b, off + 16),
    urgent: u16(b, off + 18),
    payloadLength: Math.max(0, end - off - dataOffset),
  });
  if (dataOffset < 20) {
    ctx.problems.push({ severity: 'error', message: `bad TCP data offset ${dataOffset} at offset ${off}` });
    return;
  }
  if (off + dataOffset > end) {
    layer.truncated = true;
    ctx.problems.push({ severity: 'warning', message: `truncated tcp options at offset ${off}` });
    return;
  }
  if (dataOffset > 20) layer.options = tcpOptions(b, off + 20, off + dataOffset);
  checkL4(ctx, 'tcp', off, end, off + 16, ip, 6);
  payload(ctx, off + dataOffset, end);
};

interface PortRow {
  name: string;
  decode: Decoder;
}

/** UDP port -> tunnel decoder (the destination port is tried first, then the source port). */
export const UDP_PORTS: Record<number, PortRow> = {};

const decodeUdp: Decoder = (ctx, off, end, ip) => {
  if (short(ctx, 'udp', off, end, 8)) return;
  const b = ctx.b;
  const length = u16(b, off + 4) ?? 0;
  const srcPort = u16(b, off) ?? 0;
  const dstPort = u16(b, off + 2) ?? 0;
  const checksum = u16(b, off + 6) ?? 0;
  push(ctx, { type: 'udp', offset: off, length: 8, srcPort, dstPort, udpLength: length, checksum });
  let udpEnd = end;
  if (length >= 8 && off + length <= end) udpEnd = off + length;
  else if (length < 8 || !ip?.truncated) {
    ctx.problems.push({ severity: 'warning', message: `UDP length ${length} at offset ${off} does not fit its IP payload (${end - off} bytes)` });
  }
  // "udp sum ok" / 0 = no checksum, which only IPv4 allows (RFC 768; RFC 8200 8.1).
  if (checksum === 0 && ip?.version === 4) {
    /* not checked */
  } else if (checksum === 0 && ip?.version === 6) {
    ctx.checksums.push({ layer: 'udp', field: 'checksum', found: 0, expected: 0, ok: false, offset: off });
    ctx.problems.push({ severity: 'warning', message: `udp checksum 0 at offset ${off}: IPv6 requires a UDP checksum` });
  } else {
    checkL4(ctx, 'udp', off, udpEnd, off + 6, ip, 17);
  }
  const row = UDP_PORTS[dstPort] ?? UDP_PORTS[srcPort];
  if (row && udpEnd > off + 8) row.decode(ctx, off + 8, udpEnd);
  else payload(ctx, off + 8, udpEnd);
};

const SCTP_CHUNKS: Record<number, string> = {
  0: 'DATA',
  1: 'INIT',
  2: 'INIT ACK',
  3: 'SACK',
  4: 'HEARTBEAT',
  5: 'HEARTBEAT ACK',
  6: 'ABORT',
  7: 'SHUTDOWN',
  8: 'SHUTDOWN ACK',
  9: 'ERROR',
  10: 'COOKIE ECHO',
  11: 'COOKIE ACK',
  14: 'SHUTDOWN COMPLETE',
};

const decodeSctp: Decoder = (ctx, off, end, ip) => {
  if (short(ctx, 'sctp', off, end, 12)) return;
  const b = ctx.b;
  const chunks: Record<string, unknown>[] = [];
  let p = off + 12;
  while (p + 4 <= end && chunks.length < 64) {
    const t = b[p] as number;
    const len = u16(b, p + 2) ?? 0;
    chunks.push({ type: t, name: SCTP_CHUNKS[t] ?? `chunk-${t}`, flags: b[p + 1], length: len });
    if (len < 4) break;
    p += (len + 3) & ~3;
  }
  const checksum = u32(b, off + 8) ?? 0;
  push(ctx, {
    type: 'sctp',
    offset: off,
    length: end - off,
    srcPort: u16(b, off),
    dstPort: u16(b, off + 2),
    verificationTag: u32(b, off + 4),
    checksum,
    chunks,
  });
  if (ip && !ip.fragment && !ip.truncated) {
    // CRC32c is stored little-endian-first on the wire relative to its numeric value (RFC 4960 B).
    const crc = crc32c(b, off, end, off + 8);
    const wire = ((crc & 0xff) * 0x1000000 + ((crc >>> 8) & 0xff) * 0x10000 + ((crc >>> 16) & 0xff) * 0x100 + (crc >>> 24)) >>> 0;
    check(ctx, 'sctp', off, checksum, wire);
  }
};

// ---------------------------------------------------------------------------------------------
// tunnels

/** OVN's Geneve option (ovn-architecture(7) "Tunnel Encapsulations"): class 0x0102, type 0x80. */
export const OVN_GENEVE_CLASS = 0x0102;
export const OVN_GENEVE_TYPE = 0x80;

function inner(ctx: Ctx, decode: Decoder, off: number, end: number): void {
  ctx.depth++;
  decode(ctx, off, end);
  ctx.depth--;
}

const decodeGeneve: Decoder = (ctx, off, end) => {
  if (short(ctx, 'geneve', off, end, 8)) return;
  const b = ctx.b;
  const optLen = ((b[off] as number) & 0x3f) * 4;
  const protocol = u16(b, off + 2) ?? 0;
  const vni = u24(b, off + 4) ?? 0;
  const layer = push(ctx, {
    type: 'geneve',
    offset: off,
    length: 8 + optLen,
    version: (b[off] as number) >> 6,
    optionsLength: optLen,
    oam: !!((b[off + 1] as number) & 0x80),
    critical: !!((b[off + 1] as number) & 0x40),
    protocol,
    vni,
  });
  if (off + 8 + optLen > end) {
    layer.truncated = true;
    ctx.problems.push({ severity: 'warning', message: `truncated geneve options at offset ${off}` });
    return;
  }
  const options: Record<string, unknown>[] = [];
  let p = off + 8;
  while (p + 4 <= off + 8 + optLen) {
    const cls = u16(b, p) ?? 0;
    const type = b[p + 2] as number;
    const len = ((b[p + 3] as number) & 0x1f) * 4;
    const opt: Record<string, unknown> = {
      class: cls,
      type,
      critical: !!(type & 0x80),
      length: len,
      data: toHex(b, p + 4, p + 4 + len),
    };
    if (cls === OVN_GENEVE_CLASS && type === OVN_GENEVE_TYPE && len >= 4) {
      //   1       15          16
      // +---+------------+-----------+
      // |rsv|ingress port|egress port|      (from MSB to LSB; the datapath key is the VNI)
      const v = u32(b, p + 4) ?? 0;
      const ovn = { datapath: vni, ingressPort: Math.floor(v / 0x10000) & 0x7fff, egressPort: v & 0xffff };
      opt.ovn = ovn;
      layer.ovn = ovn;
    }
    options.push(opt);
    p += 4 + len;
  }
  layer.options = options;
  // Protocol 0x6558 is "Transparent Ethernet Bridging": a whole Ethernet frame follows.
  const next = protocol === 0x6558 ? decodeEthernet : ETHERTYPES[protocol]?.decode;
  if (next) inner(ctx, next, off + 8 + optLen, end);
  else payload(ctx, off + 8 + optLen, end);
};

const decodeVxlan: Decoder = (ctx, off, end) => {
  if (short(ctx, 'vxlan', off, end, 8)) return;
  const b = ctx.b;
  // "VXLAN, flags [I] (0x08), vni 42"
  push(ctx, { type: 'vxlan', offset: off, length: 8, flags: b[off], vni: u24(b, off + 4) });
  inner(ctx, decodeEthernet, off + 8, end);
};

// ---------------------------------------------------------------------------------------------
// tables

Object.assign(ETHERTYPES, {
  0x0800: { name: 'IPv4', decode: decodeIpv4 },
  0x0806: { name: 'ARP', decode: decodeArp },
  0x8035: { name: 'RARP', decode: decodeArp },
  0x86dd: { name: 'IPv6', decode: decodeIpv6 },
  0x8100: { name: '802.1Q', decode: decodeVlan },
  0x88a8: { name: '802.1ad', decode: decodeVlan },
  0x9100: { name: 'QinQ', decode: decodeVlan },
  0x8847: { name: 'MPLS' },
  0x8848: { name: 'MPLS multicast' },
  0x88cc: { name: 'LLDP' },
  0x8809: { name: 'Slow protocols' },
  0x88e5: { name: 'MACsec' },
  0x8902: { name: 'CFM' },
} satisfies Record<number, EtherTypeRow>);

Object.assign(IP_PROTOS, {
  1: { name: 'ICMP', decode: decodeIcmp },
  6: { name: 'TCP', decode: decodeTcp },
  17: { name: 'UDP', decode: decodeUdp },
  58: { name: 'ICMPv6', decode: decodeIcmpv6 },
  132: { name: 'SCTP', decode: decodeSctp },
} satisfies Record<number, ProtoRow>);

Object.assign(UDP_PORTS, {
  4789: { name: 'VXLAN', decode: decodeVxlan },
  6081: { name: 'Geneve', decode: decodeGeneve },
} satisfies Record<number, PortRow>);

const LINK_DECODERS: Record<PacketLinkType, Decoder> = {
  ethernet: decodeEthernet,
  sll: decodeSll,
  sll2: decodeSll2,
  ipv4: decodeIpv4,
  ipv6: decodeIpv6,
  arp: decodeArp,
};

/** Decode bytes that start with the given link type. Never throws. */
export function decodeLayers(b: Uint8Array, linkType: PacketLinkType): DecodeResult {
  const ctx: Ctx = { b, layers: [], checksums: [], problems: [], depth: 0 };
  if (b.length === 0) return ctx;
  try {
    LINK_DECODERS[linkType](ctx, 0, b.length);
  } catch (e) {
    // A decoder bug must not cost the user the packet: keep what was decoded.
    ctx.problems.push({ severity: 'error', message: `decoder failed: ${e instanceof Error ? e.message : String(e)}` });
  }
  let covered = 0;
  for (const l of ctx.layers) covered = Math.max(covered, l.offset + l.length);
  // Bytes past the IP datagram: the Ethernet minimum-frame padding (60 bytes without FCS).
  if (covered < b.length && !ctx.layers.some((l) => l.type === 'payload' && l.offset + l.length === b.length)) {
    ctx.layers.push({ type: 'padding', offset: covered, length: b.length - covered });
  }
  return ctx;
}

/**
 * Guess where bytes without a known link type start. tcpdump -x/-X print from the network
 * header ("0x0000:  4500 0054 ..."), -xx/-XX from the Ethernet header ("0x0000:  4044 0000 0002 ...").
 * An IP header whose length field matches the byte count exactly is taken as raw IP; anything
 * else as Ethernet.
 */
export function sniffLinkType(b: Uint8Array): PacketLinkType {
  const n = b.length;
  const v = (b[0] ?? 0) >> 4;
  if (v === 4 && n >= 20 && ((b[0] ?? 0) & 0xf) >= 5) {
    const total = u16(b, 2) ?? 0;
    // A -x capture cut by snaplen is shorter than total length; Ethernet frames are longer (padding).
    if (total === n || (total > n && n >= 20 && !ETHERTYPES[u16(b, 12) ?? 0])) {
      if (fold(sum16(b, 0, Math.min(n, ((b[0] ?? 0) & 0xf) * 4))) === 0xffff) return 'ipv4';
    }
  }
  if (v === 6 && n >= 40) {
    const plen = u16(b, 4) ?? 0;
    if (plen + 40 === n || (plen + 40 > n && !ETHERTYPES[u16(b, 12) ?? 0])) return 'ipv6';
  }
  // Ethernet/IPv4 ARP body: htype 1, ptype 0x0800, hlen 6, plen 4.
  if (n >= 8 && u16(b, 0) === 1 && u16(b, 2) === 0x0800 && b[4] === 6 && b[5] === 4 && n <= 28 + 18) {
    if (!ETHERTYPES[u16(b, 12) ?? 0]) return 'arp';
  }
  // -i any: Linux cooked v2 has the protocol first, ARPHRD at 8 and the address length at 11.
  if (n >= 20 && ETHERTYPES[u16(b, 0) ?? 0]?.decode && u16(b, 2) === 0 && (b[10] ?? 9) <= 4 && (b[11] ?? 0) <= 8 && u16(b, 8) === 1) {
    if (!ETHERTYPES[u16(b, 12) ?? 0]?.decode) return 'sll2';
  }
  return 'ethernet';
}
