import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OfprotoTrace, TraceStep } from '@tracemap/model';
import { parseDumpFlows, parseLflowList } from '@tracemap/parsers';
import { indexLogicalFlows, indexOpenFlowByCookie, joinTraceToLogical, logicalFlowsForCookie, openFlowsForLogical } from '../src/join';

// Fixtures captured from one sandbox (OVS 3.1.0 / OVN 23.03.1), so cookies and UUIDs agree.
const fx = join(import.meta.dirname, '..', '..', 'parsers', 'test', 'fixtures');
const lflows = parseLflowList(readFileSync(join(fx, 'lflow-list', 'sandbox-southbound-json-all.txt'), 'utf8')).value.flows;
const lflowsText = parseLflowList(readFileSync(join(fx, 'lflow-list', 'sandbox-lflow-list-uuid.txt'), 'utf8')).value.flows;
const dump = parseDumpFlows(readFileSync(join(fx, 'dump-flows', 'sandbox-br-int.txt'), 'utf8')).value.flows;

function step(cookie: string | null, table: number, extra: Partial<TraceStep> = {}): TraceStep {
  return { kind: 'table', table, priority: 50, cookie, match: '', depth: 0, actions: [], notes: [], line: 1, endLine: 1, ...extra };
}

describe('logical <-> OpenFlow join', () => {
  const index = indexLogicalFlows(lflows);

  it('unpadded OpenFlow cookies find their logical flow', () => {
    // ovn-trace --ovs printed "cookie=0xfdd57d3" under "0. ls_in_check_port_sec ..., uuid 0fdd57d3".
    const hits = logicalFlowsForCookie(index, '0xfdd57d3');
    assert.equal(hits.length, 1);
    assert.equal(hits[0]!.stage, 'ls_in_check_port_sec');
    assert.equal(hits[0]!.uuid?.slice(0, 8), '0fdd57d3');
    assert.deepEqual(logicalFlowsForCookie(index, '0x0'), []);
    assert.deepEqual(logicalFlowsForCookie(index, null), []);
  });

  it('the text lflow-list --uuid indexes the same way', () => {
    const t = indexLogicalFlows(lflowsText);
    assert.equal(logicalFlowsForCookie(t, '0xfdd57d3')[0]!.stage, 'ls_in_check_port_sec');
  });

  it('most cookied OpenFlow flows of the dump belong to a logical flow', () => {
    const cookied = dump.filter((f) => f.cookie !== '0x0');
    const found = cookied.filter((f) => logicalFlowsForCookie(index, f.cookie).length > 0);
    assert.ok(found.length / cookied.length > 0.8, `${found.length}/${cookied.length}`);
  });

  it('logical flow -> its OpenFlow flows', () => {
    const byCookie = indexOpenFlowByCookie(dump);
    const lf = logicalFlowsForCookie(index, '0xfdd57d3')[0]!;
    const of = openFlowsForLogical(byCookie, lf);
    assert.deepEqual(of.map((f) => [f.table, f.priority]), [[8, 50], [8, 50]]);
  });

  it('joinTraceToLogical annotates steps, keeps ovn-detrace annotations, and is pure', () => {
    const trace: OfprotoTrace = {
      kind: 'ofproto-trace',
      passes: [
        {
          index: 0,
          flow: 'in_port=1',
          steps: [step('0x43245c9', 0), step('0xfdd57d3', 8), step('0x0', 73), step('0xfdd57d3', 8, { logical: { stage: 'kept' } })],
          datapathActions: 'drop',
          line: 1,
        },
      ],
      verdict: { dropped: true, drop: null, outputs: [] },
      diagnostics: [],
      lineCount: 1,
    };
    const before = JSON.stringify(trace);
    const out = joinTraceToLogical(trace, index);
    assert.equal(JSON.stringify(trace), before, 'input not mutated');
    const [, s1, s2, s3] = out.passes[0]!.steps;
    assert.equal(s1!.logical?.stage, 'ls_in_check_port_sec');
    assert.equal(s1!.logical?.pipeline, 'ingress');
    assert.equal(s1!.logical?.table, 0);
    assert.equal(s2!.logical, undefined);
    assert.equal(s3!.logical?.stage, 'kept');
  });
});
