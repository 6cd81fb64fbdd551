/**
 * Text -> packet bytes: what ovs-tcpundump does, for every hex style users paste.
 *
 * - tcpdump -x/-xx/-X/-XX:  `\t0x0010:  0054 f3d5 4000 4001 3237 0a4d 0001 0a4d  .T..@.@.27.M...M`
 * - xxd:                    `00000010: 0054 f3d5 4000 4001 3237 0a4d 0001 0a4d  .T..@.@.27.M...M`
 * - Wireshark "Copy as Hex Dump": `0010   00 54 f3 d5 40 00 40 01 32 37 0a 4d 00 01 0a 4d   .T..@.@.27.M...M`
 * - plain hex (ovs-tcpundump output, `xxd -p`, "40:44:00:...", "0x40, 0x44"), one packet per
 *   line or one blob wrapped over several lines.
 *
 * ovs-tcpundump starts a packet at every `0x0000:` line. That is wrong for `tcpdump -vv`, which
 * prints hexdumps of decoded options that also start at 0x0000, e.g. an ND option:
 *
 *     06:36:41.984360 IP6 (hlim 255, ...) fd77::1 > ff02::1:ff00:2: ... who has fd77::2
 *     	  source link-address option (1), length 8 (1): 40:44:00:00:00:01
 *     	    0x0000:  4044 0000 0001                    <- option bytes, not a packet
 *     	0x0000:  3333 ff00 0002 4044 0000 0001 86dd 6000  33....@D......`.
 *
 * So when the paste has tcpdump header lines, each header starts a block and only the block's
 * last 0x0000 run is its packet; the earlier runs are reported as option hexdumps. Without
 * header lines every 0x0000 run is a packet, as in ovs-tcpundump.
 */
import type { Diagnostic, PacketLinkType } from '@tracemap/model';

export interface RawPacket {
  hex: string;
  /** 1-based first line of the packet (its header line when there is one). */
  line: number;
  lineEnd: number;
  headerLines: string[];
  timestamp?: string;
  /** Link type the text tells us (cooked `-i any` capture, "link-type RAW"), if any. */
  linkHint?: PacketLinkType | 'raw';
  /** The hex was damaged (bad digits, offsets out of order): decode what there is but say so. */
  damaged: boolean;
}

export interface HexdumpResult {
  packets: RawPacket[];
  diagnostics: Diagnostic[];
  lineCount: number;
}

/** `\t0x0010:  0054 ...` (tcpdump) or `00000010: 0054 ...` (xxd); groups of 2 or 4 digits. */
const OFFSET_LINE = /^(\s*)(?:0x([0-9a-fA-F]{1,8})|([0-9a-fA-F]{8})):[ \t]+(.*)$/;
/** Wireshark: offset without 0x or colon, then bytes as pairs. */
const WIRESHARK_LINE = /^\s*([0-9a-fA-F]{4,8})(?:\s{2,}|\t)([0-9a-fA-F]{2}(?:\s{1,2}[0-9a-fA-F]{2})*)(.*)$/;
/** A line of nothing but hex digits, separators and optional 0x prefixes. */
const PLAIN_HEX = /^\s*(?:0x)?[0-9a-fA-F]+(?:[\s:,.-]+(?:0x)?[0-9a-fA-F]+)*[\s,;]*$/;
/** tcpdump's timestamp forms: default/-ttt/-ttttt `06:36:29.407037`, -tttt `2024-05-01 06:36:29.407037`, -tt `1714545389.407037`. */
const TIMESTAMP = /^(\d{1,2}:\d{2}:\d{2}(?:\.\d+)?|\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?|\d{9,}\.\d+)\s/;
/** tcpdump's own chatter, on stderr but often pasted along. */
const BANNER =
  /^(?:tcpdump: |listening on |reading from file |dropped privs|\d+ packets? (?:captured|received by filter|dropped by kernel)|\[sudo\] password)/;
/** `06:38:01.587614 h3va  Out IP ...`: an `-i any` capture names the interface and direction. */
const COOKED_HEADER = /^\S+(?: \S+)?\s+\S+\s+(?:In|Out|M|B|P)\s+\S/;

interface Run {
  startLine: number;
  endLine: number;
  hex: string[];
  /** Next offset expected, or undefined after a damaged line (resynchronise on the next one). */
  expected: number | undefined;
  damaged: boolean;
}

interface Block {
  header: { line: number; text: string }[];
  runs: Run[];
  /** Lines of decoded text between option hexdumps (tcpdump -vv), part of the block. */
  lastLine: number;
}

interface HexGroups {
  hex: string;
  rest: string;
  bad?: string;
}

/** Parse "0054 f3d5 4000  .T..@." into hex digits and the ascii column. */
function tcpdumpGroups(body: string): HexGroups {
  let hex = '';
  let i = 0;
  const s = body;
  while (i < s.length) {
    const m = /^([0-9a-fA-F]+)/.exec(s.slice(i));
    if (!m || !m[1]) break;
    const g = m[1];
    const after = s[i + g.length];
    // A group ends at a space, a tab or the end of the line; "f3zz" is not a group.
    if (after !== undefined && after !== ' ' && after !== '\t') {
      return { hex, rest: s.slice(i), bad: s.slice(i).split(/\s/)[0] ?? '' };
    }
    if (g.length !== 2 && g.length !== 4) {
      // 8-digit groups are od/hexdump -C style words; still bytes in order.
      if (g.length % 2 === 0 && g.length <= 8) hex += g;
      else return { hex, rest: s.slice(i), bad: g };
    } else hex += g;
    i += g.length;
    // Single space between groups; two or more (or a tab) start the ascii column.
    if (s[i] === ' ' && s[i + 1] !== ' ' && s[i + 1] !== undefined && s[i + 1] !== '\t') {
      i++;
      continue;
    }
    break;
  }
  return { hex, rest: s.slice(i) };
}

function wiresharkGroups(body: string): { hex: string; rest: string } {
  // Up to 16 pairs; Wireshark puts one extra space after the 8th, and 3 before the ascii.
  let hex = '';
  let i = 0;
  let n = 0;
  while (n < 16) {
    const m = /^(\s{0,2})([0-9a-fA-F]{2})(?=\s|$)/.exec(body.slice(i));
    if (!m || (n > 0 && (m[1] ?? '').length === 0)) break;
    hex += m[2];
    i += m[0].length;
    n++;
  }
  return { hex, rest: body.slice(i) };
}

function isAsciiColumn(rest: string): boolean {
  return rest.trim() === '' || /^(?:\s{2,}|\t)/.test(rest);
}

export function parseHexdumpText(text: string): HexdumpResult {
  const diagnostics: Diagnostic[] = [];
  const packets: RawPacket[] = [];
  const lines = text.split(/\r\n|\n|\r/);
  // A trailing newline does not make an extra line.
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const lineCount = text === '' ? 0 : lines.length;

  const hasTimestamps = lines.some((l) => TIMESTAMP.test(l));
  let linkHint: RawPacket['linkHint'];
  let block: Block = { header: [], runs: [], lastLine: 0 };
  let plain: { line: number; hex: string; bad?: string }[] = [];
  let openRun: Run | undefined;

  const diag = (line: number, message: string, severity: Diagnostic['severity'] = 'error'): void => {
    diagnostics.push({ line, message, severity });
  };

  const emitRun = (run: Run, header: Block['header'], lastLine: number): void => {
    const hex = run.hex.join('').toLowerCase();
    const first = header[0];
    const ts = first ? TIMESTAMP.exec(first.text)?.[1] : undefined;
    let hint = linkHint;
    if (first && ts && COOKED_HEADER.test(first.text.slice(ts.length).trim())) hint = linkHint === 'sll' ? 'sll' : 'sll2';
    packets.push({
      hex,
      // A header can follow its hex in a mangled paste (found by the fuzz test); the packet spans both.
      line: first ? Math.min(first.line, run.startLine) : run.startLine,
      lineEnd: Math.max(lastLine, run.endLine),
      headerLines: header.map((h) => h.text),
      ...(ts ? { timestamp: ts } : {}),
      ...(hint ? { linkHint: hint } : {}),
      damaged: run.damaged,
    });
  };

  const flushBlock = (): void => {
    openRun = undefined;
    if (block.runs.length === 0) {
      for (const h of block.header) {
        diag(h.line, `not a hex dump line, and no hex dump follows it: ${JSON.stringify(h.text.trim().slice(0, 80))}`, 'warning');
      }
    } else if (block.header.length > 0) {
      // Runs above the first header line are not -vv option dumps under it (a mangled paste,
      // found by the fuzz test): each is a packet of its own.
      const firstHeader = (block.header[0] as { line: number }).line;
      for (const r of block.runs.filter((x) => x.startLine < firstHeader)) emitRun(r, [], r.endLine);
      const runs = block.runs.filter((x) => x.startLine >= firstHeader);
      if (runs.length === 0) {
        for (const h of block.header) diag(h.line, `not a hex dump line, and no hex dump follows it: ${JSON.stringify(h.text.trim().slice(0, 80))}`, 'warning');
        block = { header: [], runs: [], lastLine: 0 };
        return;
      }
      const last = runs[runs.length - 1] as Run;
      for (const r of runs.slice(0, -1)) {
        diag(
          r.startLine,
          'hexdump of a decoded option inside tcpdump -vv output, not a packet (only the last 0x0000 run after a header line is the packet)',
          'info',
        );
      }
      emitRun(last, block.header, block.lastLine);
    } else {
      for (const r of block.runs) emitRun(r, [], r.endLine);
    }
    block = { header: [], runs: [], lastLine: 0 };
  };

  const flushPlain = (): void => {
    if (plain.length === 0) return;
    const group = plain;
    plain = [];
    const bytesOf = (h: string): number => h.length / 2;
    const first = group[0] as (typeof group)[number];
    // One blob wrapped over lines (xxd -p wraps at 30 bytes) vs one packet per line (ovs-tcpundump):
    // no useful frame fits in 33 bytes, and wrapped lines share one width.
    const sameWidth = group.length > 1 && group.slice(0, -1).every((g) => g.hex.length === first.hex.length);
    const blob = group.length > 1 && (bytesOf(first.hex) < 34 || (sameWidth && !selfConsistent(first.hex)));
    const parts = blob ? [group] : group.map((g) => [g]);
    for (const part of parts) {
      const hex = part.map((g) => g.hex).join('').toLowerCase();
      const start = (part[0] as (typeof part)[number]).line;
      const end = (part[part.length - 1] as (typeof part)[number]).line;
      let damaged = part.some((g) => g.bad !== undefined);
      if (hex.length % 2 !== 0) {
        diag(start, `odd number of hex digits (${hex.length}): the packet's last byte is incomplete; dropped the final digit`);
        damaged = true;
      }
      packets.push({ hex: hex.slice(0, hex.length - (hex.length % 2)), line: start, lineEnd: end, headerLines: [], damaged, ...(linkHint ? { linkHint } : {}) });
    }
  };

  for (let idx = 0; idx < lines.length; idx++) {
    const raw = lines[idx] as string;
    const lineNo = idx + 1;
    if (raw.trim() === '') {
      flushPlain();
      continue;
    }

    // --- offset lines: tcpdump, xxd, Wireshark
    let offset: number | undefined;
    let groups: HexGroups | undefined;
    const om = OFFSET_LINE.exec(raw);
    if (om) {
      offset = parseInt((om[2] ?? om[3]) as string, 16);
      groups = tcpdumpGroups(om[4] ?? '');
      if (groups.hex === '' && !groups.bad) groups = undefined;
    }
    if (!groups) {
      const wm = WIRESHARK_LINE.exec(raw);
      if (wm && (parseInt(wm[1] as string, 16) === 0 || openRun)) {
        const g = wiresharkGroups(`${wm[2]}${wm[3]}`);
        if (isAsciiColumn(g.rest) || g.hex.length === 32) {
          offset = parseInt(wm[1] as string, 16);
          groups = { hex: g.hex, rest: g.rest };
        }
      }
    }
    if (groups && offset !== undefined) {
      flushPlain();
      if (groups.bad === undefined && !isAsciiColumn(groups.rest)) {
        groups.bad = groups.rest.trim().split(/\s/)[0] ?? '';
      }
      if (offset === 0) {
        // A new 0x0000 run. After a header block that already had its packet run and then a
        // non-indented line, the boundary logic below has flushed; here a run simply starts.
        openRun = { startLine: lineNo, endLine: lineNo, hex: [], expected: 0, damaged: false };
        block.runs.push(openRun);
      } else if (!openRun) {
        diag(lineNo, `hex line at offset 0x${offset.toString(16).padStart(4, '0')} with no 0x0000 line before it: ignored`);
        continue;
      } else if (openRun.expected !== undefined && offset !== openRun.expected) {
        diag(
          lineNo,
          `hex offsets out of order: expected 0x${openRun.expected.toString(16).padStart(4, '0')}, found 0x${offset.toString(16).padStart(4, '0')}`,
        );
        openRun.damaged = true;
      }
      const run = openRun as Run;
      if (groups.bad !== undefined) {
        diag(lineNo, `not hex: ${JSON.stringify(groups.bad.slice(0, 40))} in a hex dump line; the rest of the line is ignored`);
        run.damaged = true;
        run.hex.push(groups.hex);
        run.expected = undefined;
      } else {
        run.hex.push(groups.hex);
        run.expected = offset + groups.hex.length / 2;
      }
      run.endLine = lineNo;
      block.lastLine = lineNo;
      continue;
    }

    // --- plain hex
    if (PLAIN_HEX.test(raw) && /[0-9a-fA-F]{2}/.test(raw)) {
      if (block.runs.length > 0 || block.header.length > 0) flushBlock();
      const hex = raw.replace(/0x/gi, '').replace(/[^0-9a-fA-F]/g, '');
      plain.push({ line: lineNo, hex });
      continue;
    }

    // --- text: tcpdump banner, packet header, decoded continuation, or junk
    flushPlain();
    const text = raw.replace(/\s+$/, '');
    if (BANNER.test(text.trim())) {
      const lt = /link-type (\w+)/.exec(text)?.[1];
      if (lt === 'LINUX_SLL2') linkHint = 'sll2';
      else if (lt === 'LINUX_SLL') linkHint = 'sll';
      else if (lt === 'RAW' || lt === 'IPV4' || lt === 'IPV6') linkHint = 'raw';
      else if (lt) linkHint = undefined;
      diag(lineNo, `tcpdump message, not a packet: ${JSON.stringify(text.trim().slice(0, 80))}`, 'info');
      continue;
    }
    const startsPacket = hasTimestamps ? TIMESTAMP.test(text) : !/^\s/.test(text);
    // With timestamps, every timestamp line is a new packet even when the previous header had no
    // hex under it; without them (tcpdump -t) a non-indented line only ends a block that has hex,
    // because decoded tunnels print their inner packet on a second non-indented line:
    //   06:36:55.930507 IP 10.77.0.1.37236 > 10.77.0.2.4789: VXLAN, flags [I] (0x08), vni 42
    //   IP 10.77.42.1 > 10.77.42.2: ICMP echo request, id 6514, seq 1, length 64
    if (startsPacket && (block.runs.length > 0 || (hasTimestamps && block.header.length > 0))) flushBlock();
    // An unrecognised hex-ish line inside an open run (e.g. "0x0010:  zz") is damage, not a header.
    if (openRun && /^\s+0x[0-9a-fA-F]*:?/.test(text)) {
      diag(lineNo, `malformed hex dump line: ${JSON.stringify(text.trim().slice(0, 60))}`);
      openRun.damaged = true;
      openRun.expected = undefined;
      continue;
    }
    openRun = undefined;
    block.header.push({ line: lineNo, text });
    block.lastLine = lineNo;
  }
  flushPlain();
  flushBlock();

  if (packets.length === 0 && !diagnostics.some((d) => d.severity === 'error' || d.severity === 'warning')) {
    diagnostics.push({
      line: Math.max(1, lineCount),
      message: lineCount === 0 || text.trim() === '' ? 'empty input: no packet to decode' : 'no packet found: expected tcpdump -xx/-XX output, a Wireshark hex dump or plain hex',
      severity: 'error',
    });
  }
  return { packets, diagnostics, lineCount };
}

/** Does a line of plain hex look like a whole Ethernet frame (its IP length fits the line)? */
function selfConsistent(hex: string): boolean {
  const n = hex.length / 2;
  const word = (i: number): number => parseInt(hex.slice(i * 2, i * 2 + 4), 16);
  const et = word(12);
  if (et === 0x0800 && n >= 34) return word(16) + 14 <= n && word(16) + 14 >= n - 46;
  if (et === 0x86dd && n >= 54) return word(18) + 54 <= n && word(18) + 54 >= n - 46;
  if (et === 0x0806) return n >= 42 && n <= 64;
  return false;
}
