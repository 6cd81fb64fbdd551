import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { OvnTrace } from '@tracemap/model';
import { parseOvnTrace } from '../src/ovn-trace';

// Golden tests: every fixtures/ovn-trace/X.txt (real output, with X.cmd or X.source) is parsed
// and compared with X.expected.json. Regenerate after a deliberate change with
//   UPDATE_GOLDEN=1 node --import tsx --test packages/parsers/test/ovn-trace.test.ts
// and review the diff.
const dir = join(import.meta.dirname, 'fixtures', 'ovn-trace');
const sandboxDir = join(import.meta.dirname, 'fixtures', 'sandbox');
const update = process.env.UPDATE_GOLDEN === '1';

const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.txt'))
  .sort();

function read(name: string): string {
  return readFileSync(join(dir, name), 'utf8');
}

/** Lines the model does not claim: not a step (header to endLine), title, event, header or diagnostic. */
function unclaimed(text: string, v: OvnTrace, diags: { line: number }[]): number[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const claimed = new Set<number>(diags.map((d) => d.line));
  const claimSections = (sections: OvnTrace['sections']) => {
    for (const s of sections) {
      claimed.add(s.line);
      for (const e of s.events) claimed.add(e.line);
      for (const st of s.steps) for (let l = st.line; l <= (st.endLine ?? st.line); l++) claimed.add(l);
    }
  };
  claimSections(v.sections);
  for (const a of v.alternates ?? []) claimSections(a.sections);
  for (const n of [...(v.nodes ?? []), ...(v.alternates ?? []).flatMap((a) => a.nodes ?? [])]) claimed.add(n.line);
  const out: number[] = [];
  lines.forEach((l, i) => {
    const t = l.trim();
    // Structure, not content: blank lines, title underlines, closing braces, "# flow" / "# Detailed trace." headers.
    if (t === '' || /^-+$/.test(t) || /^};?$/.test(t) || /^# /.test(t)) return;
    if (!claimed.has(i + 1)) out.push(i + 1);
  });
  return out;
}

function golden(v: OvnTrace, diagnostics: unknown[]) {
  return { ...v, diagnostics };
}

describe('parseOvnTrace fixtures', () => {
  for (const f of fixtures) {
    it(f, () => {
      const base = f.replace(/\.txt$/, '');
      assert.ok(existsSync(join(dir, `${base}.cmd`)) || existsSync(join(dir, `${base}.source`)), `${base}.cmd or .source must say where the output came from`);
      const text = read(f);
      const { value, diagnostics } = parseOvnTrace(text);
      assert.equal(value.kind, 'ovn-trace');
      assert.deepEqual(unclaimed(text, value, diagnostics), [], 'every line is accounted for');
      assert.ok(!diagnostics.some((d) => /internal/.test(d.message)), 'no internal errors');
      const expectedPath = join(dir, `${base}.expected.json`);
      const actual = JSON.parse(JSON.stringify(golden(value, diagnostics)));
      if (update || !existsSync(expectedPath)) writeFileSync(expectedPath, `${JSON.stringify(actual, null, 2)}\n`);
      else assert.deepEqual(actual, JSON.parse(readFileSync(expectedPath, 'utf8')));
    });
  }
});

describe('parseOvnTrace behaviour', () => {
  const p = (name: string) => parseOvnTrace(read(name));

  it('the same trace in the three formats agrees on sections and verdict', () => {
    for (const scenario of ['arp-broadcast', 'routed-vm1-vm3', 'sw0-tcp25-acl-drop', 'routed-ttl-exceeded']) {
      const d = p(`${scenario}-detailed.txt`).value;
      const s = p(`${scenario}-summary.txt`).value;
      const m = p(`${scenario}-minimal.txt`).value;
      assert.equal(d.format, 'detailed');
      assert.equal(s.format, 'summary');
      assert.equal(m.format, 'minimal');
      const shape = (v: OvnTrace) => v.sections.map((x) => [x.pipeline, x.datapath, x.inport, x.outport, x.parent, x.multicast]);
      assert.deepEqual(shape(s), shape(d), scenario);
      assert.deepEqual(s.verdict.outputs, d.verdict.outputs, scenario);
      assert.deepEqual(m.verdict.outputs, d.verdict.outputs, scenario);
      assert.equal(m.verdict.dropped, d.verdict.dropped, scenario);
    }
  });

  it('stateful ACL drop: ends in ls_out_acl after ct_commit, with (northd.c:LINE) sources', () => {
    const v = p('sw0-tcp25-acl-drop-detailed.txt').value;
    assert.equal(v.verdict.dropped, true);
    assert.equal(v.verdict.drop?.stage, 'ls_out_acl');
    assert.equal(v.verdict.drop?.table, 4);
    assert.match(v.verdict.drop?.reason ?? '', /^ACL: /);
    const step = v.sections[0]!.steps[0]!;
    assert.deepEqual([step.table, step.stage, step.source, step.priority, step.uuid, step.match], [0, 'ls_in_check_port_sec', 'northd.c:8432', 50, '0fdd57d3', '1']);
    assert.deepEqual(v.sections[0]!.events.map((e) => e.text), ['ct_lb_mark /* default (use --ct to customize) */']);
  });

  it('match expressions with commas keep them', () => {
    const v = p('sw0-tcp80-allowed-detailed.txt').value;
    const acl = v.sections[1]!.steps.find((s) => s.stage === 'ls_out_acl')!;
    assert.equal(acl.match, 'reg0[8] == 1 && (outport == @pg_web && ip4 && ip4.src == $as_allowed && tcp.dst == {22, 80, 443})');
    assert.equal(acl.priority, 2002);
  });

  it('multicast: members are egress sections of the flooding ingress, whatever their indentation', () => {
    const v = p('arp-broadcast-detailed.txt').value;
    assert.deepEqual(
      v.sections.map((s) => [s.pipeline, s.datapath, s.outport ?? s.inport, s.parent ?? null, s.multicast ?? null]),
      [
        ['ingress', 'sw0', 'vm2', null, null],
        ['egress', 'sw0', 'sw0-lr0', 0, '_MC_flood'],
        ['ingress', 'lr0', 'lr0-sw0', 1, null],
        ['egress', 'sw0', 'vm1', 0, '_MC_flood'],
        ['egress', 'sw0', 'vm2', 0, '_MC_flood'],
        ['egress', 'sw0', 'vm5', 0, '_MC_flood'],
      ],
    );
    assert.deepEqual(v.verdict.outputs, ['vm1', 'vm5']);
    assert.equal(v.verdict.dropped, false);
    assert.deepEqual(v.verdict.drops?.map((d) => [d.section, d.stage, d.reason]), [[2, 'lr_in_ip_input', 'explicit drop']]);
  });

  it('icmp4 transformation loops back through the router into the same switch', () => {
    const v = p('routed-ttl-exceeded-detailed.txt').value;
    assert.deepEqual(v.sections.map((s) => s.parent ?? null), [null, 0, 1, 2, 3, 4]);
    assert.deepEqual(v.verdict.outputs, ['vm1']);
    const lr = v.sections[2]!;
    assert.equal(lr.events[0]!.text, 'icmp4');
    assert.equal(lr.events.filter((e) => e.kind === 'action').length, 9);
  });

  it('--ovs lists OpenFlow flows under each logical flow', () => {
    const v = p('routed-vm1-vm3-ovs.txt').value;
    assert.equal(v.format, 'ovs');
    assert.equal(v.ovs, true);
    const first = v.sections[0]!.steps[0]!;
    assert.ok(first.openflow && first.openflow.length > 0);
    assert.match(first.openflow[0]!, /^cookie=0xfdd57d3, /);
    assert.deepEqual(first.actions, ['reg0[15] = check_in_port_sec();', 'next;']);
  });

  it('--all: detailed is primary, summary and minimal are alternates', () => {
    const v = p('routed-vm1-vm3-all.txt').value;
    assert.equal(v.format, 'detailed');
    assert.deepEqual(v.alternates?.map((a) => a.format), ['summary', 'minimal']);
    assert.equal(v.alternates?.[0]!.sections.length, v.sections.length);
  });

  it('a dropped packet has an empty --minimal trace: dropped, with an info diagnostic', () => {
    const r = p('sw0-portsec-drop-minimal.txt');
    assert.equal(r.value.verdict.dropped, true);
    assert.ok(r.diagnostics.some((d) => d.severity === 'info' && /--minimal/.test(d.message)));
    assert.ok(r.value.flow?.startsWith('ip,reg14=0x1'));
  });

  it('no logical flow matched (docs, OVN 2.x without source)', () => {
    const v = p('doc-openstack-no-match.txt').value;
    assert.equal(v.command, `ovn-trace n1 'inport == "ap"'`);
    assert.deepEqual(v.sections[0]!.steps[0], { table: 0, stage: 'ls_in_port_sec_l2', priority: null, match: '', actions: [], noMatch: true, line: 5 });
    assert.equal(v.verdict.drop?.reason, 'no logical flow matched (implicit drop)');
  });

  it('pasted root prompt is the command, "# icmp6,..." is the flow', () => {
    const v = p('seed-summary-localnet.txt').value;
    assert.match(v.command ?? '', /^ovn-trace --summary neutron-aab27d39/);
    assert.match(v.flow ?? '', /^icmp6,reg14=0x4,/);
    assert.deepEqual(v.verdict.outputs, ['provnet-64e303']);
    assert.deepEqual(v.shortenedNames, ['provnet-64e303']);
  });

  it('a `# ovn-trace ...` root prompt is not the flow line', () => {
    const text = `# ovn-trace --minimal sw0 'inport == "vm1"'\n# ip,reg14=0x1,vlan_tci=0x0000\noutput("vm2");\n`;
    const v = parseOvnTrace(text).value;
    assert.equal(v.command, `ovn-trace --minimal sw0 'inport == "vm1"'`);
    assert.equal(v.flow, 'ip,reg14=0x1,vlan_tci=0x0000');
    assert.deepEqual(v.verdict.outputs, ['vm2']);
  });

  it('elided stanzas (no underline) still make sections', () => {
    const v = p('seed-ovs-friendly-elided.txt').value;
    assert.equal(v.sections.length, 6);
    assert.deepEqual(v.sections.map((s) => s.depth), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(v.verdict.outputs, ['lsp-ts1-router_west']);
  });

  it('tool errors', () => {
    const v = p('error-unknown-port.txt').value;
    assert.equal(v.verdict.dropped, true);
    assert.match(v.error ?? '', /assertion in_key failed/);
    const u = parseOvnTrace('unknown datapath "lsw100"\n').value;
    assert.equal(u.error, 'unknown datapath "lsw100"');
  });
});

describe('parseOvnTrace never throws', () => {
  const samples = fixtures.map(read);
  const lineSets = samples.map((s) => s.split('\n'));
  it('truncated, shuffled and random input', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: lineSets.length - 1 }),
        fc.integer({ min: 0, max: 400 }),
        fc.boolean(),
        fc.array(fc.string(), { maxLength: 5 }),
        (k, cut, shuffle, noise) => {
          let lines = lineSets[k]!.slice(0, cut);
          if (shuffle) lines = [...lines].reverse().map((l, i) => (i % 3 === 0 ? l.slice(i % 7) : l));
          const text = [...lines, ...noise].join('\n');
          const r = parseOvnTrace(text);
          assert.equal(r.value.kind, 'ovn-trace');
          const expected = text.split(/\r?\n/);
          if (expected[expected.length - 1] === '') expected.pop();
          assert.equal(r.value.lineCount, expected.length);
          assert.ok(!r.diagnostics.some((d) => /internal/.test(d.message)), JSON.stringify(r.diagnostics));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('sandbox fixtures (when present)', () => {
  const files: string[] = [];
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const n of readdirSync(d, { withFileTypes: true })) {
      if (n.isDirectory()) walk(join(d, n.name));
      else if (/\.ovn-trace[^/]*\.txt$/.test(n.name)) files.push(join(d, n.name));
    }
  };
  walk(sandboxDir);
  for (const f of files) {
    it(f.slice(sandboxDir.length + 1), () => {
      const text = readFileSync(f, 'utf8');
      const r = parseOvnTrace(text);
      assert.deepEqual(unclaimed(text, r.value, r.diagnostics), []);
      assert.ok(!r.diagnostics.some((d) => d.severity === 'warning' || d.severity === 'error'), JSON.stringify(r.diagnostics));
    });
  }
});
