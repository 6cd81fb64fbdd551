/**
 * Internet checksum (RFC 1071) and SCTP's CRC32c (RFC 4960 appendix B), over Uint8Arrays.
 */

/** One's-complement sum of 16-bit big-endian words, not folded, not complemented. */
export function sum16(b: Uint8Array, start: number, end: number, initial = 0): number {
  let s = initial;
  let i = start;
  for (; i + 1 < end; i += 2) s += ((b[i] as number) << 8) | (b[i + 1] as number);
  if (i < end) s += (b[i] as number) << 8;
  return s;
}

export function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/**
 * The checksum a sender should have written into the field at `fieldOffset` (treated as zero),
 * given the pseudo-header sum.
 */
export function expectedChecksum(b: Uint8Array, start: number, end: number, fieldOffset: number, pseudo = 0): number {
  // Every checksum field we verify sits at an even distance from its layer start, so summing
  // around it keeps the 16-bit word alignment.
  const s = sum16(b, start, fieldOffset, pseudo) + sum16(b, fieldOffset + 2, end);
  return ~fold(s) & 0xffff;
}

export function pseudoHeader4(b: Uint8Array, srcOff: number, dstOff: number, proto: number, len: number): number {
  return sum16(b, srcOff, srcOff + 4) + sum16(b, dstOff, dstOff + 4) + proto + len;
}

export function pseudoHeader6(b: Uint8Array, src: Uint8Array | number, dstOff: number, proto: number, len: number, dst?: Uint8Array): number {
  const srcSum = typeof src === 'number' ? sum16(b, src, src + 16) : sum16(src, 0, 16);
  const dstSum = dst ? sum16(dst, 0, 16) : sum16(b, dstOff, dstOff + 16);
  return srcSum + dstSum + Math.floor(len / 0x10000) + (len & 0xffff) + proto;
}

let crcTable: Uint32Array | undefined;

export function crc32c(b: Uint8Array, start: number, end: number, zeroFrom = -1): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) {
    // SCTP computes the CRC with its own checksum field zeroed.
    const byte = zeroFrom >= 0 && i >= zeroFrom && i < zeroFrom + 4 ? 0 : (b[i] as number);
    crc = (crcTable[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}
