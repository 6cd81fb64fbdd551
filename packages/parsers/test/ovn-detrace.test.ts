import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseOvnDetrace } from '../src/ovn-detrace';
import { parseOfprotoTrace } from '../src/ofproto-trace';
import { goldenOf, lineCoverage, stringifyGolden } from './trace-golden';

const here = new URL('.', import.meta.url).pathname;
const dir = join(here, 'fixtures', 'ovn-detrace');
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

describe('ovn-detrace golden fixtures', () => {
  const files = walk(dir, '.txt');
  it('has fixtures with their commands', () => {
    assert.ok(files.length >= 5);
    for (const f of files) assert.ok(existsSync(`${f.slice(0, -4)}.cmd`) || existsSync(`${f.slice(0, -4)}.source`), f);
  });
  for (const file of files) {
    it(file.slice(dir.length + 1), () => {
      const text = readFileSync(file, 'utf8');
      const r = parseOvnDetrace(text);
      assert.equal(r.value.kind, 'ovn-detrace');
      assert.deepEqual(lineCoverage(text, r.value), { missing: [], duplicated: [] });
      const got = stringifyGolden(goldenOf(r.value, r.diagnostics));
      const expFile = `${file.slice(0, -4)}.expected.json`;
      if (update || !existsSync(expFile)) writeFileSync(expFile, got);
      assert.equal(got, readFileSync(expFile, 'utf8'));
    });
  }
});

describe('ovn-detrace captures from the lead sandbox (fixtures/sandbox)', () => {
  for (const file of walk(sandboxDir, '.ovn-detrace.txt')) {
    it(file.slice(sandboxDir.length + 1), () => {
      const text = readFileSync(file, 'utf8');
      const r = parseOvnDetrace(text);
      assert.deepEqual(lineCoverage(text, r.value), { missing: [], duplicated: [] });
      assert.deepEqual(r.diagnostics.filter((d) => d.severity !== 'warning'), []);
    });
  }
});

describe('ovn-detrace annotations and verdicts', () => {
  it('annotations attach to the step they follow; port security drop has its stage', () => {
    const r = parseOvnDetrace(load('ovn2303-portsec-spoof.txt'));
    const steps = r.value.passes[0]!.steps;
    assert.deepEqual(steps.map((s) => [s.table, s.depth]), [[0, 0], [8, 1], [73, 2], [9, 2]]);
    // "8." is followed by the ls_in_check_port_sec lflow block
    assert.equal(steps[1]!.logical?.stage, 'ls_in_check_port_sec');
    assert.equal(steps[1]!.logical?.table, 0);
    assert.equal(steps[1]!.logical?.pipeline, 'ingress');
    assert.equal(steps[1]!.logical?.match, '1');
    assert.equal(steps[1]!.logical?.actions, 'reg0[15] = check_in_port_sec(); next;');
    assert.deepEqual(steps[1]!.logical?.datapaths, ['sw1', 'sw0']);
    assert.equal(steps[1]!.logical?.datapath, 'sw0', 'metadata=0x1 is sw0 per the Port Binding hint of table 0');
    assert.deepEqual(steps[0]!.logical?.notes?.map((n) => n.kind), ['logical-datapath', 'port-binding', 'ovs-interface']);
    assert.deepEqual(r.value.verdict.drop, {
      pass: 0, table: 9, step: 3, line: 29, reason: 'port-security', stage: 'ls_in_apply_port_sec', datapath: 'sw0',
    });
    assert.equal(steps[3]!.dropped, true);
  });

  it('ACL drop after recirculation: reason acl, stage ls_out_acl', () => {
    const v = parseOvnDetrace(load('ovn2303-routed-acl-drop.txt')).value;
    assert.equal(v.passes.length, 2);
    assert.equal(v.verdict.drop?.reason, 'acl');
    assert.equal(v.verdict.drop?.stage, 'ls_out_acl');
    assert.equal(v.verdict.drop?.datapath, 'sw1');
    const acl = v.passes[1]!.steps[1]!.logical?.notes?.find((n) => n.kind === 'acl');
    assert.match(acl?.text ?? '', /^ACL: to-lport, priority=1001, match=\(outport == @pg_web && ip4\), drop/);
  });

  it('stripped indentation gives the same steps, tables and verdict as the indented trace', () => {
    for (const name of ['routed-http', 'routed-acl-drop', 'l2-vm1-vm2', 'unknown-dst', 'portsec-spoof']) {
      const de = parseOvnDetrace(load(`ovn2303-${name}.txt`)).value;
      const of = parseOfprotoTrace(readFileSync(join(here, 'fixtures', 'ofproto-trace', `ovs31-${name}.txt`), 'utf8')).value;
      assert.deepEqual(
        de.passes.map((p) => p.steps.map((s) => `${s.table}/${s.cookie}`)),
        of.passes.map((p) => p.steps.map((s) => `${s.table}/${s.cookie}`)),
        name,
      );
      // depth agrees for every step of these OVN traces (lookups that return either drop or end their block)
      assert.deepEqual(de.passes.map((p) => p.steps.map((s) => s.depth)), of.passes.map((p) => p.steps.map((s) => s.depth)), name);
      assert.equal(de.verdict.dropped, of.verdict.dropped, name);
      assert.equal(de.verdict.drop?.table, of.verdict.drop?.table, name);
    }
  });

  it('newer ovn-detrace keeps indentation and indents annotations (OVN >= 23.09 print_p/print_h)', () => {
    const text = [
      'Flow: in_port=1',
      '',
      'bridge("br-int")',
      '----------------',
      ' 8. metadata=0x1, priority 50, cookie 0xdb6762df',
      '    set_field:0/0x1000->reg10',
      '    resubmit(,73)',
      '    73. reg14=0x1,metadata=0x1, priority 80, cookie 0x9d0afd9e',
      '            set_field:0x1000/0x1000->reg10',
      '    move:NXM_NX_REG10[12]->NXM_NX_XXREG0[111]',
      '     -> NXM_NX_XXREG0[111] is now 0x1',
      '    resubmit(,9)',
      '      * Logical datapath: "sw0" (7b0bc8ca-984b-4ff0-b9b5-4d14999016bb)',
      '      * Port Binding: logical_port "vm1", tunnel_key 1, chassis-name "hv1", chassis-str "vm"',
      ' 9. reg0=0x8000/0x8000,metadata=0x1, priority 50, cookie 0xce03e49d',
      '    drop',
      '  * Logical datapaths:',
      '  *     "sw0" (7b0bc8ca-984b-4ff0-b9b5-4d14999016bb) [ingress]',
      '  * Logical flow: table=1 (ls_in_apply_port_sec), priority=50, match=(reg0[15] == 1), actions=(drop;)',
      '',
      'Final flow: unchanged',
      'Datapath actions: drop',
    ].join('\n');
    const r = parseOvnDetrace(text);
    const steps = r.value.passes[0]!.steps;
    assert.deepEqual(steps.map((s) => [s.table, s.depth]), [[8, 0], [73, 1], [9, 1]]);
    assert.deepEqual(steps[0]!.actions.map((a) => a.kind), ['set_field', 'resubmit', 'move', 'resubmit']);
    assert.equal(steps[1]!.logical?.datapath, 'sw0');
    assert.equal(r.value.verdict.drop?.reason, 'port-security');
    assert.deepEqual(lineCoverage(text, r.value), { missing: [], duplicated: [] });
    assert.deepEqual(r.diagnostics, []);
  });
});
