/**
 * Property tests: the packet parser never throws, and every non-blank input line is accounted
 * for, either inside a packet's [line, lineEnd] or by a diagnostic on that line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { decodePacketHex, parsePacketText, summarizePacket } from '../src/packet';
import { packetToMicroflow, packetToOfFlow, packetToOfprotoArgs } from '../src/builders';

const dir = fileURLToPath(new URL('./fixtures/packet/', import.meta.url));
const corpus = readdirSync(dir)
  .filter((f) => /\.(txt|hex)$/.test(f))
  .map((f) => readFileSync(dir + f, 'utf8'));

function assertAccounted(text: string): void {
  const r = parsePacketText(text);
  const lines = text.split(/\r\n|\n|\r/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  assert.equal(r.value.lineCount, text === '' ? 0 : lines.length);
  const covered = new Set<number>();
  for (const p of r.value.packets) {
    assert.match(p.hex, /^([0-9a-f]{2})*$/);
    for (let l = p.line; l <= (p.lineEnd ?? p.line); l++) covered.add(l);
    // The builders must cope with whatever the decoder produced.
    packetToMicroflow(p, { inport: 'p' });
    packetToOfFlow(p, 1);
    packetToOfprotoArgs(p, { inPort: 1 });
    summarizePacket(p);
  }
  for (const d of r.diagnostics) {
    covered.add(d.line);
    assert.ok(d.line >= 1 && d.line <= Math.max(1, r.value.lineCount), `diagnostic line ${d.line} out of range`);
  }
  lines.forEach((l, i) => {
    if (l.trim() !== '') assert.ok(covered.has(i + 1), `line ${i + 1} not accounted: ${JSON.stringify(l)}`);
  });
}

const fixtureText = fc.constantFrom(...corpus);

test('truncated fixtures never throw and account for every line', () => {
  fc.assert(
    fc.property(fixtureText, fc.nat(), (text, cut) => {
      assertAccounted(text.slice(0, cut % (text.length + 1)));
    }),
    { numRuns: 300 },
  );
});

test('a hex run before its header line is still accounted (fast-check counterexample, seed 1281502752)', () => {
  assertAccounted('\t0x0000:  4044 0000 0002 4044 0000 0001 0800 4500  @D....@D......E.\nIP 10.77.42.1 > 10.77.42.2: ICMP echo request, id 6514, seq 1, length 64\n06:36:55.930537 IP 10.77.0.2.37236 > 10.77.0.1.4789: VXLAN, flags [I] (0x08), vni 42\n\t0x0000:  4044 0000 0001 4044 0000 0002 0800 4500  @D....@D......E.\n');
});

test('hex runs above a header line are packets of their own (fast-check counterexample, seed -1106143002)', () => {
  assertAccounted('\t0x0000:  4044 0000 0001 4044 0000 0002 0800 4f00  @D....@D......O.\n\t0x0010:  007c 66c0 0000 4001 f1de 0a4d 0002 0a4d  .|f...@....M...M\n\t0x0000:  4044 0000 0002 4044 0000 0001 0800 4f00  @D....@D......O.\n    10.77.0.2 > 10.77.0.1: ICMP echo reply, id 7646, seq 1, length 64\n');
});

test('shuffled and dropped lines never throw and account for every line', () => {
  fc.assert(
    fc.property(fixtureText, fc.array(fc.nat(), { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 5 }), (text, swaps, drops) => {
      const lines = text.split('\n');
      for (let i = 0; i + 1 < swaps.length; i += 2) {
        const a = (swaps[i] as number) % lines.length;
        const b = (swaps[i + 1] as number) % lines.length;
        [lines[a], lines[b]] = [lines[b] as string, lines[a] as string];
      }
      for (const d of drops) lines.splice(d % lines.length, 1);
      assertAccounted(lines.join('\n'));
    }),
    { numRuns: 300 },
  );
});

test('random text and hexdump-like noise never throw', () => {
  const hexLine = fc
    .tuple(fc.nat({ max: 0x200 }), fc.array(fc.hexaString({ minLength: 1, maxLength: 5 }), { maxLength: 9 }), fc.string({ maxLength: 20 }))
    .map(([off, groups, ascii]) => `\t0x${off.toString(16).padStart(4, '0')}:  ${groups.join(' ')}  ${ascii}`);
  const line = fc.oneof(fc.string({ maxLength: 60 }), hexLine, fc.hexaString({ maxLength: 120 }), fc.constant(''));
  fc.assert(
    fc.property(fc.array(line, { maxLength: 30 }), (ls) => assertAccounted(ls.join('\n'))),
    { numRuns: 500 },
  );
  fc.assert(fc.property(fc.fullUnicodeString({ maxLength: 300 }), (s) => assertAccounted(s)), { numRuns: 300 });
});

test('random bytes decode under every link type without throwing', () => {
  const links = ['ethernet', 'sll', 'sll2', 'ipv4', 'ipv6', 'arp'] as const;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(...links), (bytes, linkType) => {
      const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
      const r = decodePacketHex(hex, { linkType });
      assert.equal(r.value.hex, hex);
      for (const l of r.value.layers) assert.ok(l.offset >= 0 && l.length >= 0);
      summarizePacket(r.value);
      packetToMicroflow(r.value, { inport: 'x' });
      packetToOfFlow(r.value, 1);
    }),
    { numRuns: 2000 },
  );
});

test('mutated fixture packets (byte flips) decode without throwing', () => {
  const packets = corpus.flatMap((t) => parsePacketText(t).value.packets.map((p) => p.hex));
  fc.assert(
    fc.property(fc.constantFrom(...packets), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 6 }), (hex, flips) => {
      const bytes = hex.match(/../g) ?? [];
      for (const [i, v] of flips) if (bytes.length) bytes[i % bytes.length] = v.toString(16).padStart(2, '0');
      const r = decodePacketHex(bytes.join(''));
      summarizePacket(r.value);
      packetToMicroflow(r.value, { inport: 'x' });
    }),
    { numRuns: 1000 },
  );
});
