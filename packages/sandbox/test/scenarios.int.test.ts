// Every scenario's example packets, traced with the REAL ovn-trace and ofproto/trace against the
// shared test sandbox, must get the verdict the scenario promises — both as the tools say it
// plainly (last "Datapath actions:", ovn-trace --minimal outputs) and as tracemap's parsers read it.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Sandbox, SCENARIOS, COEXISTING, scenarioPackets, traceExample, brokenId, type ExamplePacket } from '@tracemap/sandbox';
import { parseOfprotoTrace, parseOvnTrace } from '@tracemap/parsers';

const dir = process.env.TRACEMAP_TEST_SANDBOX ?? '/tmp/tracemap-test-sandbox';
const sb = new Sandbox(dir);

before(async () => {
  await sb.up({ mode: 'dummy', chassis: 2, scenarios: COEXISTING });
});

async function check(p: ExamplePacket) {
  const v = await traceExample(sb, p);
  // 1. what the tool says
  assert.equal(v.ofproto.dropped, p.expect.dropped, `ofproto/trace of ${p.name}: datapath actions "${v.ofproto.datapathActions}"`);
  for (const o of p.expect.outputs ?? []) assert.ok(v.ofproto.outputs.includes(o), `${p.name} should leave on ${o}; got ${v.ofproto.outputs}`);
  // 2. what tracemap's parser says
  const parsed = parseOfprotoTrace(v.ofproto.text).value;
  assert.equal(parsed.verdict.dropped, p.expect.dropped, `parsed verdict of ${p.name}`);
  if (p.expect.dropped && p.expect.dropTable !== undefined) assert.equal(parsed.verdict.drop?.table, p.expect.dropTable, `drop table of ${p.name}`);
  if (v.ovnTrace) {
    const e = p.ovnTraceExpect;
    assert.equal(v.ovnTrace.dropped, e.dropped, `ovn-trace of ${p.name}:\n${v.ovnTrace.text}`);
    assert.deepEqual(v.ovnTrace.outputs, [...(e.outputs ?? [])].sort(), `ovn-trace outputs of ${p.name}`);
    // the detailed format names the stage where the packet died
    const detailed = (await sb.tool(['ovn-trace', `--db=${sb.env().OVN_SB_DB}`, p.datapath!, p.microflow!], 1)).stdout;
    const t = parseOvnTrace(detailed).value;
    assert.equal(t.verdict.dropped, e.dropped, `parsed ovn-trace verdict of ${p.name}`);
    if (e.dropStage) {
      const stages = t.sections.flatMap((s) => s.steps.map((x) => x.stage));
      assert.equal(stages.at(-1), e.dropStage, `last logical stage of ${p.name}`);
    }
  }
}

for (const s of SCENARIOS.filter((x) => x.coexists)) {
  describe(`scenario ${s.name}`, () => {
    test('its packets get the promised verdicts from the real tools', async () => {
      const packets = await scenarioPackets(s.name, 'dummy');
      assert.ok(packets.length > 0);
      for (const p of packets) await check(p);
    });
  });
}

describe('scenario broken-conjunction', () => {
  test('the renamed conj_id drops the packet; --repair restores delivery', async () => {
    const good = (await scenarioPackets('conjunction'))[0]!;
    await check(good);
    const conjIds = async () => [...(await sb.ofctl(['dump-flows', 'br-int'])).matchAll(/conj_id=(\d+)/g)].map((m) => Number(m[1])).sort();
    const before = await conjIds();
    assert.ok(before.length > 0, 'the conjunction scenario installs conj_id flows');
    await sb.applyScenario('broken-conjunction');
    try {
      assert.equal(sb.status().healthy, true, 'ovn-controller stopped on purpose still counts as healthy');
      for (const p of await scenarioPackets('broken-conjunction')) await check(p);
      const during = await conjIds();
      assert.ok(during.some((id) => !before.includes(id)), `a conj_id flow carries a shifted id: ${before} -> ${during}`);
      assert.ok(during.some((id) => before.map(brokenId).includes(id)));
    } finally {
      await sb.applyScenario('broken-conjunction', () => {}, { repair: true });
    }
    await check(good);
    assert.deepEqual(await conjIds(), before, 'repair reinstalls the original flows');
  });
});
