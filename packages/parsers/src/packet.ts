/**
 * Packets: tcpdump/Wireshark/plain hex text -> bytes -> decoded layers, with checksum checks.
 *
 *   parsePacketText(text)      every packet in a paste (see packet/hexdump.ts for the formats)
 *   decodePacketHex(hex)       one packet from plain hex
 *   summarizePacket(p)         a one-line description
 *
 * Pure and browser-safe: Uint8Array only, never throws.
 */
import type { DecodedPacket, Diagnostic, PacketLinkType, PacketList, ParseResult } from '@tracemap/model';
import { fromHex } from './packet/bytes';
import { decodeLayers, sniffLinkType } from './packet/decode';
import { parseHexdumpText } from './packet/hexdump';
import { summarizePacket } from './packet/summary';

export { summarizePacket } from './packet/summary';
export { decodeLayers, sniffLinkType, ETHERTYPES, IP_PROTOS, UDP_PORTS, OVN_GENEVE_CLASS, OVN_GENEVE_TYPE } from './packet/decode';
export { parseHexdumpText } from './packet/hexdump';
export type { RawPacket, HexdumpResult } from './packet/hexdump';

export interface DecodeOptions {
  /** Where the bytes start; sniffed from the bytes when absent. */
  linkType?: PacketLinkType;
  line?: number;
}

/**
 * Decode one packet. Problems are returned as diagnostics on `opts.line` (default 1).
 */
export function decodePacketBytes(bytes: Uint8Array, opts: DecodeOptions = {}): ParseResult<DecodedPacket> {
  const line = opts.line ?? 1;
  const linkType = opts.linkType ?? sniffLinkType(bytes);
  const r = decodeLayers(bytes, linkType);
  const hex = Array.from(bytes, (x) => x.toString(16).padStart(2, '0')).join('');
  const pkt: DecodedPacket = {
    hex,
    layers: r.layers,
    checksums: r.checksums,
    line,
    length: bytes.length,
    linkType,
  };
  if (linkType !== 'ethernet') pkt.needsEthernet = true;
  pkt.description = summarizePacket(pkt);
  const diagnostics: Diagnostic[] = r.problems.map((p) => ({ line, message: p.message, severity: p.severity }));
  return { value: pkt, diagnostics };
}

/** Decode one packet from hex digits (separators and 0x prefixes allowed). */
export function decodePacketHex(hex: string, opts: DecodeOptions = {}): ParseResult<DecodedPacket> {
  const clean = hex.replace(/0x/gi, '').replace(/[^0-9a-fA-F]/g, '');
  const diagnostics: Diagnostic[] = [];
  if (clean.length % 2 !== 0) {
    diagnostics.push({ line: opts.line ?? 1, message: `odd number of hex digits (${clean.length}): dropped the final digit`, severity: 'error' });
  }
  const r = decodePacketBytes(fromHex(clean.slice(0, clean.length - (clean.length % 2)).toLowerCase()), opts);
  return { value: r.value, diagnostics: [...diagnostics, ...r.diagnostics] };
}

function linkTypeFor(hint: string | undefined, bytes: Uint8Array): PacketLinkType {
  if (hint === 'sll' || hint === 'sll2') return hint;
  if (hint === 'raw') return ((bytes[0] ?? 0) >> 4) === 6 ? 'ipv6' : 'ipv4';
  return sniffLinkType(bytes);
}

/**
 * Parse pasted packet text: tcpdump -x/-xx/-X/-XX (with or without header lines, -v/-vv),
 * xxd, Wireshark hex dumps and plain hex. Every non-blank line either belongs to a packet
 * (`line`..`lineEnd`) or has a diagnostic.
 */
export function parsePacketText(text: string): ParseResult<PacketList> {
  const diagnostics: Diagnostic[] = [];
  const packets: DecodedPacket[] = [];
  let lineCount = 0;
  try {
    const raw = parseHexdumpText(text);
    lineCount = raw.lineCount;
    diagnostics.push(...raw.diagnostics);
    for (const rp of raw.packets) {
      const bytes = fromHex(rp.hex);
      const linkType = linkTypeFor(rp.linkHint, bytes);
      const { value, diagnostics: d } = decodePacketBytes(bytes, { linkType, line: rp.line });
      value.lineEnd = rp.lineEnd;
      if (rp.headerLines.length) value.summary = rp.headerLines.map((h) => h.trim()).join(' ');
      if (rp.timestamp) value.timestamp = rp.timestamp;
      if (bytes.length === 0) diagnostics.push({ line: rp.line, message: 'packet with no bytes', severity: 'error' });
      packets.push(value);
      diagnostics.push(...d);
    }
    diagnostics.push(...sameChecksumCheck(packets));
  } catch (e) {
    diagnostics.push({ line: 1, message: `packet parser failed: ${e instanceof Error ? e.message : String(e)}`, severity: 'error' });
  }
  diagnostics.sort((a, b) => a.line - b.line);
  return { value: { kind: 'packet', packets, diagnostics, lineCount }, diagnostics };
}

/**
 * Seed 004: with checksum offload, a capture taken before the NIC shows every segment of a
 * connection with the same TCP checksum (the pseudo-header sum, symmetric in src/dst), e.g.
 *   Flags [S],  cksum 0x14cb (incorrect -> 0x1478)
 *   Flags [S.], cksum 0x14cb (incorrect -> 0x9f20)
 * Different segments sharing one wrong checksum is the tell.
 */
function sameChecksumCheck(packets: DecodedPacket[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Map<string, DecodedPacket>();
  for (const p of packets) {
    for (const c of p.checksums) {
      if (c.layer !== 'tcp' || c.ok) continue;
      const key = c.found.toString(16);
      const prev = seen.get(key);
      if (!prev) {
        seen.set(key, p);
        continue;
      }
      if (prev.hex === p.hex) continue;
      out.push({
        line: p.line,
        severity: 'warning',
        message: `TCP checksum 0x${c.found.toString(16).padStart(4, '0')} is the same wrong value as the packet on line ${prev.line} although the segments differ: checksum offload was never completed (a receiver drops these silently)`,
      });
    }
  }
  return out;
}
