/**
 * Builds the scenarios' example frames byte by byte, with correct checksums, so the sandbox owns
 * its test packets without depending on the parsers it is used to test.
 */
const mac = (s: string) => s.split(':').map((h) => Number.parseInt(h, 16));
const ip4 = (s: string) => s.split('.').map(Number);
function ip6(s: string): number[] {
  const [head = '', tail = ''] = s.split('::');
  const h = head ? head.split(':') : [];
  const t = s.includes('::') && tail ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => {
    const v = Number.parseInt(g, 16);
    return [v >> 8, v & 0xff];
  });
}
const u16 = (v: number) => [(v >> 8) & 0xff, v & 0xff];
const u32 = (v: number) => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];

function csum(bytes: number[]): number {
  let s = 0;
  for (let i = 0; i < bytes.length; i += 2) s += ((bytes[i] ?? 0) << 8) + (bytes[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

export interface EthOpts {
  src: string;
  dst: string;
  vlan?: number;
}

function eth(o: EthOpts, type: number, payload: number[]): number[] {
  const tag = o.vlan === undefined ? [] : [0x81, 0x00, ...u16(o.vlan & 0x0fff)];
  return [...mac(o.dst), ...mac(o.src), ...tag, ...u16(type), ...payload];
}

function ipv4(src: string, dst: string, proto: number, ttl: number, l4: number[]): number[] {
  const hdr = [0x45, 0, ...u16(20 + l4.length), 0x12, 0x34, 0x40, 0, ttl, proto, 0, 0, ...ip4(src), ...ip4(dst)];
  const c = csum(hdr);
  hdr[10] = c >> 8;
  hdr[11] = c & 0xff;
  return [...hdr, ...l4];
}

function l4csum4(src: string, dst: string, proto: number, seg: number[], at: number): number[] {
  const pseudo = [...ip4(src), ...ip4(dst), 0, proto, ...u16(seg.length)];
  const c = csum([...pseudo, ...seg]);
  seg[at] = c >> 8;
  seg[at + 1] = c & 0xff;
  return seg;
}

export function icmp4Echo(e: EthOpts, src: string, dst: string, ttl = 64): Uint8Array {
  const payload = Array.from({ length: 56 }, (_, i) => i & 0xff);
  const msg = [8, 0, 0, 0, 0x00, 0x01, 0x00, 0x01, ...payload];
  const c = csum(msg);
  msg[2] = c >> 8;
  msg[3] = c & 0xff;
  return Uint8Array.from(eth(e, 0x0800, ipv4(src, dst, 1, ttl, msg)));
}

export function tcpSyn(e: EthOpts, src: string, dst: string, sport: number, dport: number, ttl = 64): Uint8Array {
  const seg = [...u16(sport), ...u16(dport), ...u32(0x1000), ...u32(0), 0x50, 0x02, ...u16(64240), 0, 0, 0, 0];
  return Uint8Array.from(eth(e, 0x0800, ipv4(src, dst, 6, ttl, l4csum4(src, dst, 6, seg, 16))));
}

export function arpRequest(e: EthOpts, sha: string, spa: string, tpa: string): Uint8Array {
  const body = [0, 1, 0x08, 0, 6, 4, 0, 1, ...mac(sha), ...ip4(spa), 0, 0, 0, 0, 0, 0, ...ip4(tpa)];
  return Uint8Array.from(eth(e, 0x0806, body));
}

/** IPv6 Neighbor Advertisement (ICMPv6 type 136) with a target link-layer address option. */
export function ndNa(e: EthOpts, src: string, dst: string, target: string, tll: string): Uint8Array {
  const msg = [136, 0, 0, 0, 0x60, 0, 0, 0, ...ip6(target), 2, 1, ...mac(tll)];
  const pseudo = [...ip6(src), ...ip6(dst), ...u32(msg.length), 0, 0, 0, 58];
  const c = csum([...pseudo, ...msg]);
  msg[2] = c >> 8;
  msg[3] = c & 0xff;
  const hdr = [0x60, 0, 0, 0, ...u16(msg.length), 58, 255, ...ip6(src), ...ip6(dst)];
  return Uint8Array.from(eth(e, 0x86dd, [...hdr, ...msg]));
}

export const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
