import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { COEXISTING, scenarioPackets, type Sandbox } from '@tracemap/sandbox';
import { injectSurvivingVswitchd, sandboxApp, tempDir, upSandbox } from './helpers';

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
const get = async (url: string) => {
  const r = await app.inject(url);
  assert.equal(r.statusCode, 200, `${url}: ${r.body.slice(0, 300)}`);
  return r.json();
};

describe('GET /api/inventory', () => {
  it('bridges with ofports and iface-ids, switches with ports, routers, chassis', async () => {
    const inv = await get('/api/inventory?refresh=1');
    const brInt = inv.bridges.find((b: { name: string }) => b.name === 'br-int');
    const vm1 = brInt.ports.find((p: { name: string }) => p.name === 'rt-vm1');
    assert.equal(vm1.ifaceId, 'rt-vm1');
    assert.ok(Number.isInteger(vm1.ofport) && vm1.ofport > 0);
    const ls = inv.switches.find((s: { name: string }) => s.name === 'tr-network2');
    const child = ls.ports.find((p: { name: string }) => p.name === 'tr-child1');
    assert.deepEqual([child.parent, child.tag], ['tr-vm1', 30]);
    assert.ok(Number.isInteger(ls.tunnelKey));
    assert.ok(inv.switches.find((s: { name: string }) => s.name === 'un-network').ports.some((p: { type: string }) => p.type === 'localnet'));
    assert.ok(inv.routers.length >= 1);
    assert.ok(inv.routers[0].ports.every((p: { mac: string; networks: string[] }) => /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(p.mac) && p.networks.length > 0));
    assert.equal(inv.chassis.length, sb.readState()!.chassis, 'every chassis of the sandbox');
    assert.ok(inv.chassis[0].encaps.length >= 1);
    assert.deepEqual(inv.warnings, []);
  });
  it('an unknown host is a 404 naming the parameter', async () => {
    const r = await app.inject('/api/inventory?host=nope');
    assert.equal(r.statusCode, 404);
    assert.equal(r.json().error.where, 'query.host');
  });
});

describe('logical <-> OpenFlow mapping', () => {
  it('GET /api/lflows filters by datapath, pipeline, stage and text, and pages', async () => {
    const all = await get('/api/lflows?limit=1000');
    assert.ok(all.total > 200, `${all.total} logical flows`);
    assert.ok(all.items.every((f: { cookie: string; uuid: string }) => f.cookie === `0x${f.uuid.slice(0, 8)}`));
    const acl = await get('/api/lflows?datapath=ac-network&pipeline=egress&stage=ls_out_acl&q=tcp.dst%20%3D%3D%2022');
    assert.ok(acl.total >= 1);
    assert.ok(acl.items.every((f: { stage: string; match: string; pipeline: string }) => f.stage === 'ls_out_acl' && f.pipeline === 'egress' && f.match.includes('tcp.dst == 22')));
    const p1 = await get('/api/lflows?datapath=ac-network&limit=5');
    const p2 = await get(`/api/lflows?datapath=ac-network&limit=5&cursor=${p1.nextCursor}`);
    assert.equal(p1.items.length, 5);
    assert.notDeepEqual(p1.items[0], p2.items[0]);
    assert.equal(p1.total, p2.total);
  });
  it('GET /api/lflows/:uuid/openflow returns the flows with that cookie, with counters', async () => {
    const acl = await get('/api/lflows?datapath=ac-network&stage=ls_out_acl&q=tcp.dst%20%3D%3D%2022');
    const lf = acl.items[0];
    const r = await get(`/api/lflows/${lf.uuid}/openflow`);
    assert.equal(r.lflow.uuid, lf.uuid);
    assert.ok(r.flows.length >= 1);
    assert.ok(r.flows.every((f: { cookie: string; nPackets: number }) => BigInt(f.cookie) === BigInt(lf.cookie) && typeof f.nPackets === 'number'));
    assert.equal(r.live, true);
    const byCookie = await get(`/api/lflows/${lf.cookie}/openflow`);
    assert.equal(byCookie.lflow.uuid, lf.uuid);
    const missing = await app.inject('/api/lflows/00000000-0000-0000-0000-000000000000/openflow');
    assert.equal(missing.statusCode, 404);
  });
  it('GET /api/openflow answers the reverse direction', async () => {
    const acl = await get('/api/lflows?datapath=ac-network&stage=ls_out_acl&q=tcp.dst%20%3D%3D%2022');
    const lf = acl.items[0];
    const r = await get(`/api/openflow?cookie=${lf.cookie}`);
    assert.ok(r.total >= 1);
    for (const it of r.items) assert.ok(it.lflows.some((l: { uuid: string }) => l.uuid === lf.uuid));
    const t = await get('/api/openflow?table=0&limit=3');
    assert.ok(t.items.length <= 3 && t.items.every((x: { flow: { table: number } }) => x.flow.table === 0));
    assert.ok(t.total >= t.items.length);
    const q = await get('/api/openflow?q=conjunction(');
    assert.ok(q.total >= 2, 'the conjunction scenario installs clause flows');
  });
  it('GET /api/conjunctions on a healthy sandbox', async () => {
    const c = await get('/api/conjunctions');
    assert.ok(c.flows > 100);
    assert.ok(c.conjunctionFlows >= 1);
    assert.ok(Array.isArray(c.broken));
  });
  it('GET /api/stats/lflows counts per datapath and stage', async () => {
    const s = await get('/api/stats/lflows');
    const ac = s.datapaths.find((d: { datapath: string }) => d.datapath === 'ac-network');
    assert.ok(ac.total > 0);
    assert.equal(ac.total, ac.stages.reduce((n: number, x: { count: number }) => n + x.count, 0));
    const direct = await get('/api/lflows?datapath=ac-network&stage=ls_out_acl&limit=1');
    assert.ok(ac.stages.find((x: { stage: string }) => x.stage === 'ls_out_acl').count >= direct.total);
  });
});

describe('annotation: tracemap\'s own join agrees with ovn-detrace', () => {
  it('on every example packet of every scenario, from its cookies\' Southbound rows (cold) and from the warm index', async () => {
    // A new app: nothing in memory, so the native join reads only the trace's cookies' rows.
    await app.close();
    app = await sandboxApp(sb, data.dir);
    const target = app.config.hosts.find((h) => h.name === app.config.defaultHost)!;
    for (const phase of ['cookies', 'warm'] as const) {
      if (phase === 'warm') await get('/api/lflows?limit=1'); // builds the full index
      let steps = 0;
      for (const s of COEXISTING) {
        for (const p of await scenarioPackets(s)) {
          const r = await injectSurvivingVswitchd(app, sb, { method: 'POST', url: '/api/traces', payload: { type: 'ofproto-trace', bridge: p.bridge, inPort: p.inPort, packet: p.hex, annotate: 'both' } });
          assert.equal(r.statusCode, 201, r.body);
          const a = r.json().trace.annotation;
          if (!p.datapath) continue; // plain OVS bridge: nothing to annotate
          assert.ok(a.check, `${p.name}: ${JSON.stringify(a)}`);
          assert.equal(a.index, phase, `${p.name}: ${phase}`);
          assert.equal(a.check.agree, true, `${p.name} (${phase}): ${a.check.differences.join('\n')}`);
          assert.ok(a.check.steps > 0, p.name);
          steps += a.check.steps;
        }
      }
      assert.ok(steps > 50, `${phase}: ${steps} annotated steps compared`);
      // Annotation never loads the whole index on its own (it would take seconds on a large cloud).
      if (phase === 'cookies') assert.equal(app.flowIndex.peekLogical(target), undefined);
    }
  });
  it('native is used when ovn-detrace is too slow', async () => {
    await app.close();
    app = await sandboxApp(sb, data.dir, { timeouts: { traceMs: 60_000, detraceMs: 1, indexMs: 60_000, lookupMs: 10_000 } });
    const [p] = await scenarioPackets('acl');
    const t = (await app.inject({ method: 'POST', url: '/api/traces', payload: { type: 'packet', packet: p!.tcpdump, inPort: p!.inPort } })).json().trace;
    assert.equal(t.annotation.source, 'native');
    assert.match(t.annotation.fallbackReason, /longer than 1 ms/);
    assert.equal(t.verdict.drop.stage, 'ls_out_acl');
    assert.ok(t.runs.some((r: { tool: string }) => r.tool === 'ovn-detrace'), 'ovn-detrace was tried');
    // The next auto trace on that host does not wait for ovn-detrace again; "both" still runs it.
    const again = (await app.inject({ method: 'POST', url: '/api/traces', payload: { type: 'packet', packet: p!.tcpdump, inPort: p!.inPort } })).json().trace;
    assert.equal(again.annotation.source, 'native');
    assert.match(again.annotation.fallbackReason, /was not run/);
    assert.equal(again.runs.some((r: { tool: string }) => r.tool === 'ovn-detrace'), false, 'ovn-detrace skipped');
    assert.equal(again.verdict.drop.stage, 'ls_out_acl');
    const both = (await app.inject({ method: 'POST', url: '/api/traces', payload: { type: 'packet', packet: p!.tcpdump, inPort: p!.inPort, annotate: 'both' } })).json().trace;
    assert.ok(both.runs.some((r: { tool: string }) => r.tool === 'ovn-detrace'), 'annotate both runs it anyway');
  });
});
