/**
 * Byte helpers shared by the packet decoders. Plain Uint8Array maths (no Buffer, no DataView
 * bounds exceptions): every read past the end returns undefined, so a truncated capture can
 * never make a decoder throw.
 */

export function u8(b: Uint8Array, off: number): number | undefined {
  return off >= 0 && off < b.length ? b[off] : undefined;
}

export function u16(b: Uint8Array, off: number): number | undefined {
  if (off < 0 || off + 2 > b.length) return undefined;
  return ((b[off] as number) << 8) | (b[off + 1] as number);
}

export function u24(b: Uint8Array, off: number): number | undefined {
  if (off < 0 || off + 3 > b.length) return undefined;
  return ((b[off] as number) << 16) | ((b[off + 1] as number) << 8) | (b[off + 2] as number);
}

export function u32(b: Uint8Array, off: number): number | undefined {
  if (off < 0 || off + 4 > b.length) return undefined;
  return (
    ((b[off] as number) * 0x1000000) +
    (((b[off + 1] as number) << 16) | ((b[off + 2] as number) << 8) | (b[off + 3] as number))
  );
}

export function hasBytes(b: Uint8Array, off: number, n: number): boolean {
  return off >= 0 && n >= 0 && off + n <= b.length;
}

export function toHex(b: Uint8Array, start = 0, end = b.length): string {
  let s = '';
  for (let i = start; i < end && i < b.length; i++) s += (b[i] as number).toString(16).padStart(2, '0');
  return s;
}

/** Lower-case hex string (even length, validated by the caller) -> bytes. */
export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** "40:44:00:00:00:01", the spelling OVS, OVN and tcpdump all use. */
export function macAt(b: Uint8Array, off: number): string | undefined {
  if (!hasBytes(b, off, 6)) return undefined;
  const parts: string[] = [];
  for (let i = 0; i < 6; i++) parts.push((b[off + i] as number).toString(16).padStart(2, '0'));
  return parts.join(':');
}

export function ipv4At(b: Uint8Array, off: number): string | undefined {
  if (!hasBytes(b, off, 4)) return undefined;
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/** RFC 5952 text: lower case, leading zeros dropped, the longest run (>= 2) of zero groups as "::". */
export function ipv6At(b: Uint8Array, off: number): string | undefined {
  if (!hasBytes(b, off, 16)) return undefined;
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(((b[off + 2 * i] as number) << 8) | (b[off + 2 * i + 1] as number));
  // IPv4-mapped (::ffff:a.b.c.d) is printed the way tcpdump and OVS print it.
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${b[off + 12]}.${b[off + 13]}.${b[off + 14]}.${b[off + 15]}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (n: number | undefined): string => (n ?? 0).toString(16);
  if (bestLen < 2) return g.map(hex).join(':');
  const head = g.slice(0, bestStart).map(hex).join(':');
  const tail = g.slice(bestStart + bestLen).map(hex).join(':');
  return `${head}::${tail}`;
}
