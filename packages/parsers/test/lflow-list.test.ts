import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { LflowList } from '@tracemap/model';
import { lflowCookie, parseLflowList, parseLogicalFlowJson } from '../src/lflow-list';

// Golden: fixtures/lflow-list/X.txt -> X.expected.json (digest). UPDATE_GOLDEN=1 regenerates.
const dir = join(import.meta.dirname, 'fixtures', 'lflow-list');
const update = process.env.UPDATE_GOLDEN === '1';
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
const read = (f: string) => readFileSync(join(dir, f), 'utf8');

function digest(v: LflowList) {
  const perDatapath: Record<string, number> = {};
  for (const f of v.flows) perDatapath[`${f.datapath}/${f.pipeline}`] = (perDatapath[`${f.datapath}/${f.pipeline}`] ?? 0) + 1;
  return {
    kind: v.kind,
    lineCount: v.lineCount,
    flowCount: v.flows.length,
    perDatapath,
    first: v.flows.slice(0, 3),
    last: v.flows.slice(-2),
    withOpenflow: v.flows.filter((f) => f.openflow).length,
    diagnostics: v.diagnostics,
  };
}

describe('parseLflowList fixtures', () => {
  for (const f of fixtures) {
    it(f, () => {
      const base = f.replace(/\.txt$/, '');
      assert.ok(existsSync(join(dir, `${base}.cmd`)) || existsSync(join(dir, `${base}.source`)));
      const { value, diagnostics } = parseLflowList(read(f));
      assert.ok(value.flows.length > 0);
      assert.ok(!diagnostics.some((d) => d.severity !== 'info'), JSON.stringify(diagnostics.slice(0, 3)));
      const actual = JSON.parse(JSON.stringify(digest(value)));
      const p = join(dir, `${base}.expected.json`);
      if (update || !existsSync(p)) writeFileSync(p, `${JSON.stringify(actual, null, 2)}\n`);
      else assert.deepEqual(actual, JSON.parse(readFileSync(p, 'utf8')));
    });
  }
});

describe('lflow-list', () => {
  it('cookie is the first 32 bits of the UUID, zero padded', () => {
    assert.equal(lflowCookie('0fdd57d3-1111-2222-3333-444455556666'), '0x0fdd57d3');
    assert.equal(lflowCookie('0xfdd57d3'), '0x0fdd57d3');
    assert.equal(lflowCookie('0x0'), '0x00000000');
    assert.equal(lflowCookie('0x123456789'), '0x123456789');
  });
  it('old layout, long stage names and two-digit tables', () => {
    const text = [
      'Datapath: "sw0" (b9d307af-601f-41ab-a3cb-e5db573682df)  Pipeline: ingress',
      '  table=1 (lr_in_lookup_neighbor), priority=100  , match=(arp.op == 2), action=(reg9[2] = lookup_arp(inport, arp.spa, arp.sha); next;)',
      '  table=10(ls_in_acl_after_lb ), priority=0    , match=(1), action=(next;)',
      'Datapath: "r" aka "router-uuid" (1981df52-125f-4d52-89de-4f330bb7d249)  Pipeline: egress',
      '  uuid=0x0fdd57d3, table=0 (                   ), priority=50   , match=(outport == "p" && (tcp)), action=(next;)',
    ].join('\n');
    const { value, diagnostics } = parseLflowList(text);
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(
      value.flows.map((f) => [f.datapath, f.pipeline, f.table, f.stage, f.priority, f.match, f.actions, f.cookie]),
      [
        ['sw0', 'ingress', 1, 'lr_in_lookup_neighbor', 100, 'arp.op == 2', 'reg9[2] = lookup_arp(inport, arp.spa, arp.sha); next;', undefined],
        ['sw0', 'ingress', 10, 'ls_in_acl_after_lb', 0, '1', 'next;', undefined],
        ['r', 'egress', 0, undefined, 50, 'outport == "p" && (tcp)', 'next;', '0x0fdd57d3'],
      ],
    );
  });
  it('--uuid lflow-list and the JSON dump agree on cookies', () => {
    const text = parseLflowList(read('sandbox-lflow-list-uuid.txt')).value.flows;
    const json = parseLogicalFlowJson(read('sandbox-southbound-json-all.txt')).value.flows;
    const byCookie = new Map(json.map((f) => [f.cookie, f]));
    for (const f of text) {
      const j = byCookie.get(f.cookie);
      assert.ok(j, `cookie ${f.cookie} in JSON`);
      assert.deepEqual([j.table, j.priority, j.match, j.actions, j.stage], [f.table, f.priority, f.match, f.actions, f.stage]);
      assert.ok(j.datapath.split(',').includes(f.datapath), `${j.datapath} has ${f.datapath}`);
    }
  });
  it('never throws', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        assert.equal(parseLflowList(s).value.kind, 'lflow-list');
        assert.equal(parseLflowList(`{${s}`).value.kind, 'lflow-list');
      }),
      { numRuns: 200 },
    );
  });
});
