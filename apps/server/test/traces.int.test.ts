import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { COEXISTING, scenarioPackets, type ExamplePacket, type Sandbox } from '@tracemap/sandbox';
import { injectSurvivingVswitchd, sandboxApp, tempDir, upSandbox } from './helpers';

/*
 * POST /api/traces against the real sandbox, every example packet of every coexisting scenario,
 * as tcpdump text through type "packet" (both tools + comparison), and as hex through
 * "ofproto-trace"; then the permalink, the list, and a restart on the same data directory.
 */

let sb: Sandbox;
let app: FastifyInstance;
const data = tempDir();
const packets: ExamplePacket[] = [];

before(async () => {
  sb = await upSandbox();
  for (const s of COEXISTING) packets.push(...(await scenarioPackets(s)));
  app = await sandboxApp(sb, data.dir);
});
after(async () => {
  await app?.close();
  data.cleanup();
});

const post = (payload: unknown) => injectSurvivingVswitchd(app, sb, { method: 'POST', url: '/api/traces', payload: payload as object });

describe('GET /api/health and /api/hosts', () => {
  it('reports OVS and OVN versions of the sandbox', async () => {
    const r = await app.inject('/api/health');
    assert.equal(r.statusCode, 200);
    const j = r.json();
    assert.equal(j.ok, true);
    assert.match(j.ovs, /^3\.\d+\.\d+$/);
    assert.match(j.ovn, /^2\d\.\d+\.\d+$/);
    assert.equal(j.modelVersion, 2);
  });
  it('lists the local host as default', async () => {
    const j = (await app.inject('/api/hosts')).json();
    assert.deepEqual(j.hosts, [{ name: 'local', kind: 'local', default: true, bridge: 'br-int' }]);
  });
});

describe('POST /api/traces type "packet": every scenario packet', () => {
  it('has the scenario packets', () => assert.ok(packets.length >= 15, `${packets.length} packets`));
  for (const scenario of COEXISTING) {
    it(`${scenario}: verdicts, drop stages and tool comparison`, async () => {
      for (const p of packets.filter((x) => x.scenario === scenario)) {
        const r = await post({ type: 'packet', packet: p.tcpdump, inPort: p.inPort });
        assert.equal(r.statusCode, 201, `${p.name}: ${r.body.slice(0, 500)}`);
        const { id, url, trace } = r.json();
        assert.match(id, /^[0-9A-Za-z]{12}$/);
        assert.equal(url, `/t/${id}`);
        assert.equal(trace.verdict.dropped, p.expect.dropped, `${p.name}: ${trace.verdict.summary}`);
        for (const o of p.expect.outputs ?? []) assert.ok(trace.verdict.outputs.includes(o), `${p.name}: ${o} not in ${trace.verdict.outputs}`);
        if (p.expect.dropStage) assert.equal(trace.verdict.drop?.stage, p.expect.dropStage, `${p.name}: ${trace.verdict.summary}`);
        if (p.expect.dropTable !== undefined) assert.equal(trace.verdict.drop?.table, p.expect.dropTable, p.name);
        // the record keeps the exact command lines and raw outputs
        const of = trace.runs.find((x: { tool: string }) => x.tool === 'ofproto-trace');
        assert.deepEqual(of.argv.slice(0, 3), ['ovs-appctl', 'ofproto/trace', p.bridge]);
        assert.match(of.output, /Datapath actions:/);
        assert.equal(trace.host, 'local');
        assert.match(trace.versions.ovs, /^3\./);
        if (p.datapath) {
          assert.equal(trace.lookup.datapath, p.datapath, p.name);
          const ot = trace.runs.find((x: { tool: string }) => x.tool === 'ovn-trace');
          assert.ok(ot.argv.includes('--ct=new'), 'ovn-trace runs with --ct=new by default');
          // built from the packet (the scenario's hand-written microflow may spell predicates differently)
          assert.equal(ot.argv.at(-1), trace.lookup.microflow);
          assert.ok(ot.argv.at(-1).startsWith(`inport == "${trace.lookup.logicalPort}" && eth.src == `), ot.argv.at(-1));
          assert.equal(trace.comparison.assumptions.ct, 'new');
          assert.equal(trace.ovnTrace.verdict.dropped, p.ovnTraceExpect.dropped, `${p.name}: ovn-trace`);
          assert.equal(trace.comparison.agree, p.expect.dropped === p.ovnTraceExpect.dropped, `${p.name}: ${trace.comparison.firstDifference}`);
        } else {
          assert.equal(trace.comparison, undefined, 'no OVN port: no ovn-trace');
          assert.ok(trace.notes.some((n: string) => /iface-id/.test(n)));
        }
      }
    });
  }
  it('ACL drop after recirculation: dropped in ls_out_acl on a later pass, by both tools', async () => {
    const p = packets.find((x) => x.scenario === 'acl' && x.name === 'tcp-ssh-syn')!;
    const { trace } = (await post({ type: 'packet', packet: p.tcpdump, inPort: p.inPort })).json();
    assert.ok(trace.verdict.drop.pass >= 1, `drop on pass ${trace.verdict.drop.pass}`);
    assert.equal(trace.verdict.drop.reason, 'acl');
    assert.equal(trace.comparison.agree, true);
    assert.equal(trace.ovnTrace.verdict.drop.stage, 'ls_out_acl');
  });
  it('a VLAN-tagged frame on a trunk parent is traced as its child port', async () => {
    const p = packets.find((x) => x.scenario === 'trunk')!;
    const { trace } = (await post({ type: 'packet', packet: p.tcpdump, inPort: p.inPort })).json();
    assert.equal(trace.lookup.logicalPort, 'tr-child1');
    assert.equal(trace.lookup.datapath, 'tr-network2');
    assert.ok(!trace.lookup.microflow.includes('vlan'), trace.lookup.microflow);
    assert.deepEqual(trace.comparison.mappedOutputs, { 'tr-child2': ['tr-vm2'] });
    assert.equal(trace.comparison.agree, true);
  });
  it('ct "est" is passed to both tools and recorded', async () => {
    const p = packets.find((x) => x.scenario === 'acl' && x.name === 'tcp-ssh-syn')!;
    const { trace } = (await post({ type: 'packet', packet: p.tcpdump, inPort: p.inPort, ct: 'est' })).json();
    assert.equal(trace.comparison.assumptions.ct, 'est');
    assert.ok(trace.runs.find((x: { tool: string }) => x.tool === 'ovn-trace').argv.includes('--ct=est'));
    assert.ok(trace.runs.find((x: { tool: string }) => x.tool === 'ofproto-trace').argv.includes('trk,est'));
    assert.match(trace.runs.find((x: { tool: string }) => x.tool === 'ofproto-trace').output, /ct_state=est\|trk/);
  });
});

describe('POST /api/traces type "ofproto-trace" and "ovn-trace"', () => {
  it('ofproto-trace with hex and an ofport number, annotated by ovn-detrace', async () => {
    const p = packets.find((x) => x.name === 'spoofed-eth-src')!;
    const inv = (await app.inject('/api/inventory')).json();
    const ofport = inv.bridges.find((b: { name: string }) => b.name === 'br-int').ports.find((x: { name: string }) => x.name === p.inPort).ofport;
    const r = await post({ type: 'ofproto-trace', inPort: ofport, packet: p.hex, annotate: 'detrace' });
    assert.equal(r.statusCode, 201, r.body);
    const t = r.json().trace;
    assert.equal(t.ofproto.kind, 'ovn-detrace');
    assert.equal(t.annotation.source, 'ovn-detrace');
    assert.equal(t.verdict.drop.stage, 'ls_in_apply_port_sec');
    assert.deepEqual(t.runs.map((x: { tool: string }) => x.tool), ['ofproto-trace', 'ovn-detrace']);
  });
  it('ofproto-trace with a flow instead of a packet', async () => {
    const r = await post({ type: 'ofproto-trace', inPort: 'rt-vm1', flow: 'icmp,dl_src=40:44:00:00:00:01,dl_dst=40:44:00:00:00:02', annotate: 'native' });
    assert.equal(r.statusCode, 201, r.body);
    const t = r.json().trace;
    assert.equal(t.runs[0].argv[3], 'in_port=rt-vm1,icmp,dl_src=40:44:00:00:00:01,dl_dst=40:44:00:00:00:02');
    assert.equal(t.annotation.source, 'native');
  });
  for (const format of ['detailed', 'summary', 'minimal', 'ovs'] as const) {
    it(`ovn-trace --${format}`, async () => {
      const p = packets.find((x) => x.name === 'tcp-8080-dropped')!;
      const r = await post({ type: 'ovn-trace', datapath: p.datapath, microflow: p.microflow, format, ct: ['new'] });
      assert.equal(r.statusCode, 201, r.body);
      const t = r.json().trace;
      assert.equal(t.ovnTrace.format, format);
      if (format === 'detailed' || format === 'ovs') assert.equal(t.verdict.drop.stage, 'ls_out_acl');
      if (format === 'ovs') assert.equal(t.ovnTrace.ovs, true);
      assert.equal(t.verdict.dropped, true);
      assert.deepEqual(t.runs[0].argv.slice(-3), ['--', p.datapath, p.microflow]);
    });
  }
  it('ovn-trace of an unknown datapath is a 422 with the tool\'s words', async () => {
    const r = await post({ type: 'ovn-trace', datapath: 'no-such-switch', microflow: 'inport == "x"' });
    assert.equal(r.statusCode, 422);
    assert.equal(r.json().error.kind, 'tool-failed');
    assert.match(r.json().error.message, /unknown datapath/);
  });
  it('import parses pasted output without a host', async () => {
    const p = packets.find((x) => x.name === 'icmp-vm1-to-vm2')!;
    const live = (await post({ type: 'packet', packet: p.tcpdump, inPort: p.inPort })).json().trace;
    for (const run of live.runs.filter((x: { tool: string }) => x.tool !== 'lookup')) {
      const r = await post({ type: 'import', text: run.output });
      assert.equal(r.statusCode, 201, r.body);
      const t = r.json().trace;
      assert.equal(t.type, 'import');
      assert.equal(t.verdict.dropped, false, `${run.tool}: ${t.verdict.summary}`);
      assert.equal(t.host, undefined);
    }
    const bad = await post({ type: 'import', text: 'hello world' });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.where, 'body.text');
  });
});

describe('GET /api/traces/:id, GET /api/traces, restart', () => {
  it('pages through recent traces and survives a restart on the same data directory', async () => {
    const p = packets.find((x) => x.name === 'icmp-allowed')!;
    const created = (await post({ type: 'packet', packet: p.tcpdump, inPort: p.inPort })).json();
    const got = await app.inject(`/api/traces/${created.id}`);
    assert.equal(got.statusCode, 200);
    assert.deepEqual(got.json(), created.trace);

    const page1 = (await app.inject('/api/traces?limit=2')).json();
    assert.equal(page1.items.length, 2);
    assert.equal(page1.items[0].id, created.id);
    assert.ok(page1.nextCursor);
    const page2 = (await app.inject(`/api/traces?limit=2&cursor=${page1.nextCursor}`)).json();
    assert.equal(page2.items.length, 2);
    assert.ok(!page2.items.some((x: { id: string }) => page1.items.some((y: { id: string }) => y.id === x.id)));

    await app.close();
    app = await sandboxApp(sb, data.dir);
    const again = await app.inject(`/api/traces/${created.id}`);
    assert.equal(again.statusCode, 200);
    assert.deepEqual(again.json(), created.trace);
    assert.equal((await app.inject('/api/traces?limit=1')).json().items[0].id, created.id);
  });
  it('an unknown id is a 404, a malformed one a 400', async () => {
    const r = await app.inject('/api/traces/AAAAAAAAAAAA');
    assert.equal(r.statusCode, 404);
    assert.equal(r.json().error.kind, 'not-found');
    const b = await app.inject('/api/traces/..%2F..%2Fetc');
    assert.equal(b.statusCode, 400);
    assert.equal(b.json().error.where, 'params.id');
  });
});
