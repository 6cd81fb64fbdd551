import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { DumpFlows } from '@tracemap/model';
import { createDumpFlowsParser, findBrokenConjunctions, parseDumpFlowLine, parseDumpFlows } from '../src/dump-flows';

// Golden: fixtures/dump-flows/X.txt -> X.expected.json (a digest: counts per table, the first
// flows, every conjunction-related flow, broken conjunctions, diagnostics).
// UPDATE_GOLDEN=1 regenerates.
const dir = join(import.meta.dirname, 'fixtures', 'dump-flows');
const update = process.env.UPDATE_GOLDEN === '1';
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();

function digest(v: DumpFlows) {
  const perTable: Record<string, number> = {};
  for (const f of v.flows) perTable[f.table] = (perTable[f.table] ?? 0) + 1;
  return {
    kind: v.kind,
    lineCount: v.lineCount,
    flowCount: v.flows.length,
    perTable,
    first: v.flows.slice(0, 3),
    conjunctionFlows: v.flows.filter((f) => f.conjId !== undefined || f.conjunctions),
    conjunctions: v.conjunctions,
    diagnostics: v.diagnostics,
  };
}

describe('parseDumpFlows fixtures', () => {
  for (const f of fixtures) {
    it(f, () => {
      const base = f.replace(/\.txt$/, '');
      assert.ok(existsSync(join(dir, `${base}.cmd`)) || existsSync(join(dir, `${base}.source`)));
      const text = readFileSync(join(dir, f), 'utf8');
      const { value } = parseDumpFlows(text);
      // Every line is a flow, a reply header, blank, or a diagnostic.
      const lines = text.split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      const claimed = new Set([...value.flows.map((x) => x.line), ...value.diagnostics.map((d) => d.line)]);
      lines.forEach((l, i) => {
        if (l.trim() !== '' && !/^(NXST|OFPST)_FLOW reply/.test(l)) assert.ok(claimed.has(i + 1), `line ${i + 1} unaccounted`);
      });
      const actual = JSON.parse(JSON.stringify(digest(value)));
      const p = join(dir, `${base}.expected.json`);
      if (update || !existsSync(p)) writeFileSync(p, `${JSON.stringify(actual, null, 2)}\n`);
      else assert.deepEqual(actual, JSON.parse(readFileSync(p, 'utf8')));
    });
  }
});

describe('dump-flows lines', () => {
  it('OpenFlow 1.0 stats line with load:...->NXM_ spellings', () => {
    const f = parseDumpFlowLine(
      ' cookie=0x4b8d6fa5, duration=337116.380s, table=0, n_packets=270983, n_bytes=27165634, idle_age=0, hard_age=65534, priority=150,in_port=12,dl_vlan=30 actions=load:0x1->NXM_NX_REG10[5],strip_vlan,resubmit(,8)',
      7,
    );
    assert.deepEqual(f, {
      table: 0,
      priority: 150,
      cookie: '0x4b8d6fa5',
      match: 'in_port=12,dl_vlan=30',
      actions: 'load:0x1->NXM_NX_REG10[5],strip_vlan,resubmit(,8)',
      line: 7,
      duration: 337116.38,
      nPackets: 270983,
      nBytes: 27165634,
    });
  });
  it('flag words, default priority, no stats', () => {
    assert.deepEqual(parseDumpFlowLine(' check_overlap reset_counts in_port=1 actions=drop', 2), {
      table: 0, priority: 32768, cookie: '0x0', match: 'in_port=1', actions: 'drop', line: 2,
    });
    assert.deepEqual(parseDumpFlowLine(' reset_counts priority=0 actions=drop', 1)?.priority, 0);
    assert.deepEqual(parseDumpFlowLine(' cookie=0x1, table=8, priority=5 actions=drop', 1)?.table, 8);
    assert.equal(parseDumpFlowLine('NXST_FLOW reply (xid=0x4): flags=[more]', 1), null);
  });
  it('conj_id and conjunction actions are extracted', () => {
    const f = parseDumpFlowLine(' priority=2002,tcp,metadata=0x1,tp_dst=22 actions=conjunction(2813496624,3/3),conjunction(7,1/2)', 1)!;
    assert.deepEqual(f.conjunctions, [{ id: 2813496624, clause: 3, of: 3 }, { id: 7, clause: 1, of: 2 }]);
    assert.equal(parseDumpFlowLine(' priority=90,conj_id=19,icmp6 actions=resubmit(,11)', 1)?.conjId, 19);
    assert.equal(parseDumpFlowLine(' priority=90,reg_conj_id=19 actions=drop', 1)?.conjId, undefined);
  });
});

describe('conjunction check', () => {
  it('seed 001: conj_id=19 has no clauses; conjunction(3,1/2) has no conj_id=3 flow and no clause 2', () => {
    const { value } = parseDumpFlows(readFileSync(join(dir, 'seed-conj-id-19.txt'), 'utf8'));
    assert.deepEqual(
      value.conjunctions.broken.map((b) => [b.id, b.table, b.problem, b.cookies]),
      [
        [3, 10, 'missing-clauses', ['0x0']],
        [3, 10, 'no-conj-id-flow', ['0x0']],
        [19, 10, 'no-clauses', ['0xe58f66b6']],
      ],
    );
  });
  it('a complete sandbox dump has no broken conjunctions', () => {
    const { value } = parseDumpFlows(readFileSync(join(dir, 'sandbox-br-int.txt'), 'utf8'));
    assert.ok(value.flows.some((f) => f.conjunctions));
    assert.deepEqual(value.conjunctions.broken, []);
  });
  it('clauses at different priorities are different conjunctions', () => {
    const flows = [
      ' table=5, priority=10,conj_id=4 actions=drop',
      ' table=5, priority=10,ip actions=conjunction(4,1/2)',
      ' table=5, priority=10,tcp actions=conjunction(4,2/2)',
      ' table=5, priority=20,udp actions=conjunction(4,1/2)',
    ].map((l, i) => parseDumpFlowLine(l, i + 1)!);
    assert.deepEqual(findBrokenConjunctions(flows).map((b) => [b.problem, b.detail]), [
      ['missing-clauses', 'conjunction(4,k/2) at priority 20 in table 5: clause 2 of 2 missing'],
    ]);
  });
});

describe('streaming', () => {
  const text = readFileSync(join(dir, 'sandbox-br-int-of13.txt'), 'utf8');
  const whole = parseDumpFlows(text).value;
  it('any chunking gives the same result as one string', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: text.length }), { maxLength: 20 }), (cuts) => {
        const p = createDumpFlowsParser();
        let last = 0;
        for (const c of [...cuts].sort((a, b) => a - b)) {
          p.push(text.slice(last, c));
          last = c;
        }
        p.push(text.slice(last));
        const v = p.end().value;
        assert.deepEqual(v.flows, whole.flows);
        assert.equal(v.lineCount, whole.lineCount);
      }),
      { numRuns: 50 },
    );
  });
  it('keepFlows:false keeps only conjunction flows but still checks', () => {
    const p = createDumpFlowsParser({ keepFlows: false });
    let n = 0;
    const q = createDumpFlowsParser({ keepFlows: false, onFlow: () => n++ });
    p.push(text);
    q.push(text);
    q.end();
    const v = p.end().value;
    assert.equal(n, whole.flows.length);
    assert.ok(v.flows.every((f) => f.conjId !== undefined || f.conjunctions));
    assert.deepEqual(v.conjunctions, whole.conjunctions);
  });
  it('never throws on random input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const r = parseDumpFlows(s);
        assert.equal(r.value.kind, 'dump-flows');
      }),
      { numRuns: 300 },
    );
  });
});
