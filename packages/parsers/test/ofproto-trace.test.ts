import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseOfprotoTrace } from '../src/ofproto-trace';
import { goldenOf, lineCoverage, stringifyGolden } from './trace-golden';

const here = new URL('.', import.meta.url).pathname;
const dir = join(here, 'fixtures', 'ofproto-trace');
const sandboxDir = join(here, 'fixtures', 'sandbox');
const update = process.env.UPDATE_GOLDEN === '1';

function walk(d: string, suffix: string): string[] {
  if (!existsSync(d)) return [];
  const out: string[] = [];
  for (const name of readdirSync(d)) {
    const p = join(d, name);
    if (statSync(p).isDirectory()) out.push(...walk(p, suffix));
    else if (name.endsWith(suffix)) out.push(p);
  }
  return out.sort();
}

const load = (name: string) => readFileSync(join(dir, name), 'utf8');

describe('ofproto/trace golden fixtures', () => {
  const files = walk(dir, '.txt');
  it('has fixtures, each with its .cmd or .source', () => {
    assert.ok(files.length >= 10, `only ${files.length} fixtures`);
    for (const f of files) {
      const base = f.slice(0, -4);
      assert.ok(existsSync(`${base}.cmd`) || existsSync(`${base}.source`), `${f} has no .cmd/.source`);
    }
  });
  for (const file of files) {
    it(file.slice(dir.length + 1), () => {
      const text = readFileSync(file, 'utf8');
      const r = parseOfprotoTrace(text);
      const cov = lineCoverage(text, r.value);
      assert.deepEqual(cov, { missing: [], duplicated: [] });
      const got = stringifyGolden(goldenOf(r.value, r.diagnostics));
      const expFile = `${file.slice(0, -4)}.expected.json`;
      if (update || !existsSync(expFile)) writeFileSync(expFile, got);
      assert.equal(got, readFileSync(expFile, 'utf8'));
    });
  }
});

describe('ofproto/trace captures from the lead sandbox (fixtures/sandbox)', () => {
  for (const file of walk(sandboxDir, '.ofproto-trace.txt')) {
    it(file.slice(sandboxDir.length + 1), () => {
      const text = readFileSync(file, 'utf8');
      const r = parseOfprotoTrace(text);
      assert.deepEqual(lineCoverage(text, r.value), { missing: [], duplicated: [] });
      assert.deepEqual(r.diagnostics.filter((d) => d.severity !== 'warning'), []);
      const last = r.value.passes.at(-1);
      if (last && !r.value.error) {
        const dp = last.datapathActions;
        assert.equal(r.value.verdict.dropped, dp === '' || dp === 'drop' || r.value.verdict.outputs.length === 0);
      }
    });
  }
});

describe('ofproto/trace structure (explicit facts about real captures)', () => {
  it('tail-called tables are one call deeper although printed at the same column', () => {
    const v = parseOfprotoTrace(load('ovs31-portsec-spoof.txt')).value;
    const steps = v.passes[0]!.steps;
    assert.deepEqual(
      steps.map((s) => [s.table, s.depth]),
      [[0, 0], [8, 1], [73, 2], [9, 2]],
    );
    // the move and resubmit(,9) after "73." belong to table 8, not 73
    assert.deepEqual(steps[1]!.actions.map((a) => a.kind), ['set_field', 'resubmit', 'move', 'resubmit']);
    assert.deepEqual(steps[1]!.notes, ['-> NXM_NX_XXREG0[111] is now 0x1']);
    assert.deepEqual(steps[2]!.actions.map((a) => a.text), ['set_field:0x1000/0x1000->reg10']);
    assert.equal(steps[0]!.cookie, '0x9d0afd9e');
    assert.equal(steps[0]!.priority, 100);
    assert.equal(steps[0]!.match, 'in_port=1');
    assert.equal(v.verdict.dropped, true);
    assert.equal(v.verdict.drop?.table, 9);
    assert.equal(v.verdict.drop?.reason, 'explicit-drop');
    assert.equal(steps[3]!.dropped, true);
  });

  it('recirculation: two passes, verdict from the last one, "drop" after ct(table=) is not the verdict', () => {
    const v = parseOfprotoTrace(load('ovs31-routed-http.txt')).value;
    assert.equal(v.passes.length, 2);
    const [p0, p1] = v.passes;
    assert.match(p0!.datapathActions, /recirc\(0x1\)$/);
    assert.equal(p1!.recircId, '0x1');
    assert.equal(p1!.resumeTable, 45);
    assert.match(p1!.banner ?? '', /^recirc\(0x1\) - resume conntrack with default ct_state=trk\|new/);
    assert.equal(p1!.steps[0]!.table, 45);
    assert.equal(p1!.steps[0]!.depth, 0);
    const conj = p1!.steps.find((s) => s.conjId !== undefined);
    assert.equal(conj?.table, 46);
    assert.equal(conj?.conjId, 1992888686);
    assert.deepEqual(v.verdict, { dropped: false, drop: null, outputs: [{ kind: 'port', text: '4' }] });
    // the "pop:" after the nested 65 -> 8 -> ... -> 44 chain returns to table 64
    const t64 = p0!.steps.find((s) => s.table === 64 && s.cookie === '0x51ea279')!;
    assert.deepEqual(t64.actions.map((a) => a.kind), ['push', 'set_field', 'resubmit', 'pop']);
    const t65 = p0!.steps[p0!.steps.indexOf(t64) + 1]!;
    assert.equal(t65.depth, t64.depth + 1);
    assert.equal(p0!.steps.at(-1)!.table, 44);
    assert.equal(p0!.steps.at(-1)!.depth, t65.depth + 33);
  });

  it('an ACL drop in the resumed pass is the drop point', () => {
    const v = parseOfprotoTrace(load('ovs31-routed-acl-drop.txt')).value;
    assert.equal(v.passes.length, 2);
    assert.equal(v.verdict.dropped, true);
    assert.deepEqual(
      { pass: v.verdict.drop?.pass, table: v.verdict.drop?.table, reason: v.verdict.drop?.reason },
      { pass: 1, table: 46, reason: 'explicit-drop' },
    );
  });

  it('error texts give an error verdict and no passes', () => {
    for (const [f, re] of [
      ['ovs31-err-no-bridge.txt', /unknown bridge/],
      ['ovs31-err-garbage.txt', /Trailing garbage in packet data/],
    ] as const) {
      const r = parseOfprotoTrace(load(f));
      assert.match(r.value.error ?? '', re);
      assert.equal(r.value.passes.length, 0);
      assert.equal(r.value.verdict.dropped, true);
      assert.equal(r.value.verdict.drop?.reason, 'error');
      assert.deepEqual(r.diagnostics, []);
    }
  });

  it('OVS <= 2.6 "Rule:" format: depth from tabs, actions from "OpenFlow actions="', () => {
    const v = parseOfprotoTrace(load('ovs26-tutorial-old-format.txt')).value;
    const steps = v.passes[0]!.steps;
    assert.deepEqual(steps.map((s) => [s.kind, s.table, s.depth]), [['table', 0, 0], ['table', 1, 1], ['no-match', null, 2]]);
    assert.deepEqual(steps[1]!.actions.map((a) => a.text), ['resubmit(,2)']);
    assert.equal(steps[1]!.priority, 99);
    assert.equal(v.verdict.drop?.reason, 'no-match');
  });

  it('goto_table chains and >> warnings (faucet tutorial)', () => {
    const v = parseOfprotoTrace(load('doc-faucet-controller.txt')).value;
    const steps = v.passes[0]!.steps;
    assert.deepEqual(steps.map((s) => s.depth), [0, 1, 2, 3]);
    assert.deepEqual(steps[3]!.notes, ['>> skipping output to input port']);
    assert.deepEqual(steps[1]!.actions.map((a) => a.kind), ['controller', 'goto_table']);
    assert.deepEqual(v.verdict.outputs.map((o) => o.kind), ['controller', 'port', 'port']);
  });

  it('a No match at the end is a no-match drop', () => {
    const v = parseOfprotoTrace(load('doc-tracing-nomatch.txt')).value;
    assert.deepEqual(v.verdict.drop, { pass: 0, table: 2, reason: 'no-match', step: 1, line: 7 });
  });

  it('indented synthetic trace: nested (non-last) resubmit, bucket, patch-port bridge', () => {
    const text = [
      'Flow: in_port=1',
      '',
      'bridge("br0")',
      '-------------',
      ' 0. in_port=1, priority 100',
      '    resubmit(,1)',
      '     1. priority 0',
      '            group:1',
      '            bucket 0',
      '                    output:2',
      '    output:3',
      '',
      '        bridge("br1")',
      '        -------------',
      '             0. priority 0',
      '                NORMAL',
      '',
      'Final flow: unchanged',
      'Megaflow: recirc_id=0,in_port=1',
      'Datapath actions: 2,3',
    ].join('\n');
    const r = parseOfprotoTrace(text);
    const steps = r.value.passes[0]!.steps;
    assert.deepEqual(steps.map((s) => [s.bridge, s.table, s.depth]), [['br0', 0, 0], ['br0', 1, 1], ['br1', 0, 1]]);
    assert.deepEqual(steps[0]!.actions.map((a) => a.text), ['resubmit(,1)', 'output:3']);
    assert.deepEqual(steps[1]!.actions.map((a) => a.text), ['group:1', 'bucket 0', 'output:2']);
    assert.deepEqual(r.value.verdict.outputs.map((o) => o.text), ['2', '3']);
    assert.deepEqual(lineCoverage(text, r.value), { missing: [], duplicated: [] });
    assert.deepEqual(r.diagnostics, []);
  });

  it('unrecognised lines become diagnostics with their line number and are kept', () => {
    const text = 'Flow: in_port=1\n\nbridge("br0")\n-------------\n 0. priority 0\n    this is not an action\nwhat\nDatapath actions: drop\n';
    const r = parseOfprotoTrace(text);
    // line 6 is free text under table 0; line 7 sits at column 0, outside any step
    assert.deepEqual(r.diagnostics.map((d) => d.line), [6, 7]);
    assert.deepEqual(r.value.passes[0]!.steps[0]!.notes, ['this is not an action']);
    const raw = r.value.passes[0]!.steps[1]!;
    assert.deepEqual([raw.kind, raw.line, raw.match], ['raw', 7, 'what']);
    assert.deepEqual(lineCoverage(text, r.value), { missing: [], duplicated: [] });
  });
});
