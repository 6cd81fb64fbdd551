import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OpenFlowFlow } from '@tracemap/model';
import { parseDumpFlowLine, parseDumpFlows } from '@tracemap/parsers';
import { checkConjunctions } from '../src/conjunctions';
import { indexLogicalFlows } from '../src/join';

const fx = join(import.meta.dirname, '..', '..', 'parsers', 'test', 'fixtures');

describe('checkConjunctions', () => {
  it('seed 001: conj_id=19 vs conjunction(3,1/2), with the logical flow of the conj_id cookie', () => {
    const flows = parseDumpFlows(readFileSync(join(fx, 'dump-flows', 'seed-conj-id-19.txt'), 'utf8')).value.flows;
    const logical = indexLogicalFlows([
      { uuid: 'e58f66b6-0000-4000-8000-000000000000', cookie: '0xe58f66b6', datapath: 'provider-flat', pipeline: 'ingress', table: 2, priority: 90, match: 'inport == "df8a80f8" && nd_na', actions: 'next;', line: 1 },
    ]);
    const r = checkConjunctions(flows, { logical });
    assert.equal(r.conjIdFlows, 1);
    assert.equal(r.clauseFlows, 1);
    assert.deepEqual(r.broken.map((b) => [b.id, b.problem]), [[3, 'missing-clauses'], [3, 'no-conj-id-flow'], [19, 'no-clauses']]);
    const b19 = r.broken.find((b) => b.id === 19)!;
    assert.equal(b19.logical?.[0]?.datapath, 'provider-flat');
    assert.deepEqual(b19.lines, [2]);
  });

  it('a complete dump from the sandbox is clean', () => {
    const flows = parseDumpFlows(readFileSync(join(fx, 'dump-flows', 'sandbox-br-int.txt'), 'utf8')).value.flows;
    const r = checkConjunctions(flows);
    assert.ok(r.conjIdFlows > 0 && r.clauseFlows > 0);
    assert.deepEqual(r.broken, []);
  });

  it('an id with a missing clause, and a 200k-flow input stays fast', () => {
    const flows: OpenFlowFlow[] = [];
    for (let i = 0; i < 50_000; i++) {
      flows.push(parseDumpFlowLine(` cookie=0x${(i + 1).toString(16)}, table=44, priority=2000,conj_id=${i},ip,metadata=0x1 actions=resubmit(,45)`, flows.length + 1)!);
      flows.push(parseDumpFlowLine(` table=44, priority=2000,ip,nw_src=10.0.${i % 250}.1 actions=conjunction(${i},1/2)`, flows.length + 1)!);
      if (i !== 777) flows.push(parseDumpFlowLine(` table=44, priority=2000,tcp,tp_dst=${i % 65535} actions=conjunction(${i},2/2)`, flows.length + 1)!);
      flows.push(parseDumpFlowLine(` table=45, priority=1,metadata=0x${i.toString(16)} actions=drop`, flows.length + 1)!);
    }
    const r = checkConjunctions(flows);
    assert.deepEqual(r.broken.map((b) => [b.id, b.problem, b.detail]), [[777, 'missing-clauses', 'conjunction(777,k/2) at priority 2000 in table 44: clause 2 of 2 missing']]);
    assert.equal(r.flows, flows.length);
  });
});
