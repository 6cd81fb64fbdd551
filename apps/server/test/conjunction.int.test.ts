import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { scenarioPackets, type Sandbox } from '@tracemap/sandbox';
import { sandboxApp, tempDir, upSandbox } from './helpers';

/*
 * broken-conjunction: the sandbox deletes conj_id flow of the cj-network ACL behind ovn-controller's
 * back, so the datapath drops port-80 traffic that ovn-trace (reading the logical flows) delivers.
 * The tools must disagree, and /api/conjunctions must name the broken conjunction. Repaired in finally.
 */

let sb: Sandbox;
let app: FastifyInstance;
const data = tempDir();
before(async () => {
  sb = await upSandbox();
  app = await sandboxApp(sb, data.dir);
});
after(async () => {
  await app?.close();
  data.cleanup();
});

it('broken conjunction: ofproto/trace drops, ovn-trace delivers, /api/conjunctions reports it; healthy after repair', async () => {
  const before = (await app.inject('/api/conjunctions?refresh=1')).json();
  assert.deepEqual(before.broken, [], 'healthy sandbox has no broken conjunction');
  assert.ok(before.conjunctionFlows > 0);
  const [p] = await scenarioPackets('broken-conjunction');
  assert.ok(p);
  try {
    await sb.applyScenario('broken-conjunction');
    const c = await app.inject('/api/conjunctions?refresh=1');
    assert.equal(c.statusCode, 200);
    const broken = c.json().broken;
    assert.ok(broken.length >= 1, JSON.stringify(c.json()));
    assert.ok(broken.some((b: { problem: string }) => b.problem === 'no-conj-id-flow' || b.problem === 'missing-clauses'), JSON.stringify(broken));

    const r = await app.inject({ method: 'POST', url: '/api/traces', payload: { type: 'packet', packet: p.tcpdump, inPort: p.inPort } });
    assert.equal(r.statusCode, 201, r.body);
    const t = r.json().trace;
    assert.equal(t.verdict.dropped, true, t.verdict.summary);
    assert.equal(t.verdict.drop.stage, 'ls_out_acl');
    assert.equal(t.ovnTrace.verdict.dropped, false);
    assert.equal(t.comparison.agree, false);
    assert.match(t.comparison.firstDifference, /ofproto\/trace drops .* ovn-trace outputs it to cj-vm2/);
    // the OpenFlow index is warm: the trace names the broken conjunction on its path
    assert.ok(t.conjunctions.broken.length >= 1);
  } finally {
    await sb.applyScenario('broken-conjunction', () => {}, { repair: true });
  }
  const healed = (await app.inject('/api/conjunctions?refresh=1')).json();
  assert.deepEqual(healed.broken, []);
  const again = (await app.inject({ method: 'POST', url: '/api/traces', payload: { type: 'packet', packet: p.tcpdump, inPort: p.inPort } })).json().trace;
  assert.equal(again.verdict.dropped, false, again.verdict.summary);
  assert.equal(again.comparison.agree, true);
});
