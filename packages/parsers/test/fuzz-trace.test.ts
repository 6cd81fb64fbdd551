import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseOfprotoTrace } from '../src/ofproto-trace';
import { parseOvnDetrace } from '../src/ovn-detrace';
import { lineCoverage } from './trace-golden';

// Robustness contract, stated as properties:
//  1. the parsers never throw, whatever the text;
//  2. every non-blank input line is accounted for exactly once (see lineCoverage);
//  3. every raw step has a diagnostic on its line, and every diagnostic points at a real line;
//  4. lineCount equals the number of input lines.
const here = new URL('.', import.meta.url).pathname;
const corpus: string[] = [];
for (const sub of ['ofproto-trace', 'ovn-detrace']) {
  const d = join(here, 'fixtures', sub);
  for (const f of readdirSync(d)) if (f.endsWith('.txt')) corpus.push(readFileSync(join(d, f), 'utf8'));
}
const corpusLines = corpus.flatMap((t) => t.split('\n'));

function check(text: string): void {
  for (const parse of [parseOfprotoTrace, parseOvnDetrace]) {
    const r = parse(text);
    const cov = lineCoverage(text, r.value);
    assert.deepEqual(cov, { missing: [], duplicated: [] });
    const nLines = text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    assert.equal(r.value.lineCount, nLines);
    const diagLines = new Set(r.diagnostics.map((d) => d.line));
    for (const p of r.value.passes) for (const s of p.steps) if (s.kind === 'raw') assert.ok(diagLines.has(s.line), `raw step ${s.line} without diagnostic`);
    for (const d of r.diagnostics) assert.ok(d.line >= 0 && d.line <= Math.max(1, nLines), `diagnostic line ${d.line}`);
    assert.equal(typeof r.value.verdict.dropped, 'boolean');
    assert.deepEqual(r.diagnostics.filter((d) => d.message.startsWith('internal')), []);
  }
}

const lineArb = fc.oneof(
  fc.constantFrom(...corpusLines),
  fc.string({ maxLength: 60 }),
  fc.tuple(fc.nat(12), fc.constantFrom(...corpusLines)).map(([n, l]) => ' '.repeat(n) + l.trimStart()),
);

describe('trace parsers under fuzzing', () => {
  it('truncated real traces (every prefix cut at a random character)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...corpus), fc.double({ min: 0, max: 1, noNaN: true }), (t, f) => {
        check(t.slice(0, Math.floor(t.length * f)));
      }),
      { numRuns: 150 },
    );
  });
  it('shuffled lines of real traces', () => {
    fc.assert(
      fc.property(fc.constantFrom(...corpus), fc.infiniteStream(fc.nat()), (t, rnd) => {
        const lines = t.split('\n');
        for (let i = lines.length - 1; i > 0; i--) {
          const j = rnd.next().value % (i + 1);
          [lines[i], lines[j]] = [lines[j]!, lines[i]!];
        }
        check(lines.join('\n'));
      }),
      { numRuns: 60 },
    );
  });
  it('random mixtures of real, re-indented and random lines', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { maxLength: 80 }), (ls) => check(ls.join('\n'))),
      { numRuns: 300 },
    );
  });
  it('random unicode text, CRLF, tabs', () => {
    fc.assert(
      fc.property(fc.fullUnicodeString({ maxLength: 400 }), fc.boolean(), (s, crlf) => check(crlf ? s.replace(/\n/g, '\r\n') : s)),
      { numRuns: 200 },
    );
  });
});
