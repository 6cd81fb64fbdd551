import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { OfprotoTrace } from '@tracemap/model';
import { parseDumpFlows } from '../../parsers/src/dump-flows';
import { parseOfprotoTrace } from '../../parsers/src/ofproto-trace';
import { parseOvnDetrace } from '../../parsers/src/ovn-detrace';
import { parseOvnTrace } from '../../parsers/src/ovn-trace';
import { SCENARIOS } from '../../sandbox/src/scenarios/index';
import { buildOvnTraceGraph, buildTraceGraph, compareTraces, type TraceGraph } from '../src/graph';

// Real captures from the sandbox (OVS 3.1.0 / OVN 23.03.1); each .txt has the .cmd that made it.
const sb = join(new URL('.', import.meta.url).pathname, '..', '..', 'parsers', 'test', 'fixtures', 'sandbox');
const read = (p: string) => readFileSync(join(sb, p), 'utf8');
const detrace = (p: string) => parseOvnDetrace(read(`${p}.ovn-detrace.txt`)).value;
const ofproto = (p: string) => parseOfprotoTrace(read(`${p}.ofproto-trace.txt`)).value;
const ovnTrace = (p: string) => parseOvnTrace(read(`${p}.ovn-trace-detailed.txt`)).value;
const brokenDump = () => parseDumpFlows(read('broken-conjunction/br-int.dump-flows.txt')).value;

/** Invariants every graph must keep, whatever the trace. */
function checkShape(g: TraceGraph) {
  const ids = new Set(g.nodes.map((n) => n.id));
  assert.equal(ids.size, g.nodes.length, 'node ids are unique');
  for (const e of g.edges) {
    assert.ok(ids.has(e.from), `edge ${e.id} from ${e.from}`);
    assert.ok(ids.has(e.to), `edge ${e.id} to ${e.to}`);
  }
  assert.deepEqual(new Set(g.path), ids, 'the path visits every node');
  assert.equal(g.path.length, ids.size, 'the path visits each node once');
  const inLanes = g.lanes.flatMap((l) => l.nodeIds);
  assert.deepEqual(new Set(inLanes), ids, 'every node is in exactly one lane');
  assert.equal(inLanes.length, ids.size);
  for (const n of g.nodes) assert.ok(g.lanes.some((l) => l.id === n.lane && l.nodeIds.includes(n.id)));
  const drops = g.nodes.filter((n) => n.drop);
  assert.equal(drops.length, g.dropNodeId ? 1 : 0);
  if (g.dropNodeId) assert.equal(drops[0]!.id, g.dropNodeId);
}

// Every packet of every OVN scenario, against the expectations the sandbox itself verifies.
const cases = SCENARIOS.flatMap((s) => s.packets({ mode: 'dummy' }).map((p) => ({ scenario: s.name, packet: p })));

describe('buildTraceGraph over every sandbox capture', () => {
  for (const { scenario, packet } of cases) {
    const base = `${scenario}/${packet.name}`;
    const kinds = [
      ['ovn-detrace', existsSync(join(sb, `${base}.ovn-detrace.txt`)) ? detrace : null],
      ['ofproto-trace', existsSync(join(sb, `${base}.ofproto-trace.txt`)) ? ofproto : null],
    ] as const;
    for (const [kind, parse] of kinds) {
      if (!parse) continue;
      it(`${base} (${kind})`, () => {
        const trace = parse(base);
        for (const compact of [false, true]) {
          const g = buildTraceGraph(trace, { compact });
          checkShape(g);
          assert.equal(!!g.dropNodeId, packet.expect.dropped, g.verdictText);
          if (packet.expect.dropped) {
            const drop = g.nodes.find((n) => n.id === g.dropNodeId)!;
            if (packet.expect.dropStage && kind === 'ovn-detrace') assert.equal(drop.stage, packet.expect.dropStage);
            if (packet.expect.dropTable !== undefined) assert.equal(drop.table, packet.expect.dropTable);
            assert.match(g.verdictText, /^dropped at table \d+/);
          } else {
            assert.ok(g.nodes.some((n) => n.kind === 'output'), 'delivered traces end in an output node');
            assert.match(g.verdictText, /^delivered to /);
          }
        }
      });
    }
  }
});

describe('buildTraceGraph: the stories', () => {
  it('routing crosses three datapaths: >= 3 datapath lanes, patch edges between them', () => {
    for (const trace of [detrace('routing/icmp-vm1-to-vm2'), ofproto('routing/icmp-vm1-to-vm2')]) {
      const g = buildTraceGraph(trace);
      const datapaths = new Set(g.lanes.map((l) => l.datapath));
      assert.ok(datapaths.size >= 3, `datapaths: ${[...datapaths].join(', ')}`);
      assert.ok(g.lanes.length >= 6, 'ingress and egress lanes for each datapath');
      const patches = g.edges.filter((e) => e.kind === 'patch');
      assert.equal(patches.length, 2, 'switch -> router -> switch');
      const byId = new Map(g.nodes.map((n) => [n.id, n]));
      for (const e of patches) {
        const [a, b] = [byId.get(e.from)!, byId.get(e.to)!];
        assert.notEqual(a.datapath, b.datapath);
        assert.equal(a.table, 65, 'log-to-phy clones the packet into the peer datapath');
        assert.equal(b.table, 8);
        assert.equal(b.pipeline, 'ingress');
      }
    }
    const named = buildTraceGraph(detrace('routing/icmp-vm1-to-vm2'));
    assert.deepEqual(
      named.lanes.map((l) => l.label),
      ['rt-network1 ingress', 'rt-network1 egress', 'rt-router1 ingress', 'rt-router1 egress', 'rt-network2 ingress', 'rt-network2 egress'],
    );
    // The plain ofproto/trace has no names: lanes are named by metadata, in the same order.
    assert.deepEqual(
      buildTraceGraph(ofproto('routing/icmp-vm1-to-vm2')).lanes.map((l) => l.label),
      ['metadata=0x2 ingress', 'metadata=0x2 egress', 'metadata=0x3 ingress', 'metadata=0x3 egress', 'metadata=0x1 ingress', 'metadata=0x1 egress'],
    );
    assert.equal(named.verdictText, 'delivered to port 4');
  });

  it('acl/tcp-ssh-syn: the drop node is in the pass after recirculation, in ls_out_acl', () => {
    const g = buildTraceGraph(detrace('acl/tcp-ssh-syn'));
    const drop = g.nodes.find((n) => n.id === g.dropNodeId)!;
    assert.equal(drop.stage, 'ls_out_acl');
    assert.equal(drop.table, 46);
    assert.equal(drop.pipeline, 'egress');
    assert.equal(drop.datapath, 'ac-network');
    assert.ok(drop.pass > 0, 'after recirculation');
    const recircs = g.nodes.filter((n) => n.kind === 'recirc');
    assert.equal(recircs.length, 2, 'ct in ingress and in egress');
    assert.equal(g.edges.filter((e) => e.kind === 'recirc').length, 4, 'ct step -> recirc node -> resumed table, twice');
    // The recirc node sits between the passes on the walk.
    const at = (id: string) => g.path.indexOf(id);
    assert.ok(at(recircs[0]!.id) < at('p1s0') && at(recircs[0]!.id) > at('p0s8'));
    // Harmless "drop" lines (No match. in table 73; ct(table=...) forking) are not the drop node.
    assert.equal(g.nodes.filter((n) => n.drop).length, 1);
    assert.match(g.verdictText, /dropped at table 46 \(logical stage ls_out_acl, datapath ac-network\) in pass 3: ACL/);
  });

  it('port-security drops in ls_in_apply_port_sec (table 9) for every spoofed packet', () => {
    for (const name of ['spoofed-eth-src', 'spoofed-ip4-src', 'nd-na-bad-target']) {
      const g = buildTraceGraph(detrace(`port-security/${name}`));
      const drop = g.nodes.find((n) => n.id === g.dropNodeId)!;
      assert.equal(drop.stage, 'ls_in_apply_port_sec', name);
      assert.equal(drop.table, 9, name);
      assert.equal(g.path[g.path.length - 1], drop.id, 'the walk ends at the drop');
    }
  });

  it('broken-conjunction: the drop node carries the badge given the broken dump-flows', () => {
    const dump = brokenDump();
    const trace = detrace('broken-conjunction/tcp-80-falls-through');
    assert.equal(buildTraceGraph(trace).nodes.some((n) => n.conjBroken), false, 'no badge without the dump');
    const g = buildTraceGraph(trace, { brokenConjunctions: dump.conjunctions.broken });
    const drop = g.nodes.find((n) => n.id === g.dropNodeId)!;
    assert.equal(drop.table, 46);
    assert.ok(drop.conjBroken, 'badge on the drop node');
    assert.match(drop.conjBroken.explanation, /^conj_id=\d+, conj_id=\d+ flows have no conjunction\(id,k\/n\) clauses in table 46; clauses in this table say conjunction\(\d+,k\/2\)/);
    // With the flows themselves, the clauses are quoted exactly.
    const exact = buildTraceGraph(trace, { brokenConjunctions: dump.conjunctions.broken, flows: dump.flows });
    assert.match(exact.nodes.find((n) => n.drop)!.conjBroken!.explanation, /conjunction\(1098895684,1\/2\), conjunction\(1098895684,2\/2\)/);
    // Only the drop node: the other table-46 visits are not badged.
    assert.equal(g.nodes.filter((n) => n.conjBroken).length, 1);
  });

  it('a step matching conj_id=N of a broken conjunction is badged', () => {
    // The healthy conjunction trace hits a conj_id flow; pretend that id was reported broken.
    const trace = detrace('conjunction/tcp-80-allowed');
    const hit = trace.passes.flatMap((p) => p.steps).find((s) => s.conjId !== undefined || /conj_id=/.test(s.match));
    assert.ok(hit, 'the trace goes through a conj_id flow');
    const id = hit.conjId ?? Number(/conj_id=(\d+)/.exec(hit.match)![1]);
    const g = buildTraceGraph(trace, {
      brokenConjunctions: [{ id, table: hit.table!, problem: 'no-clauses', detail: '', cookies: [], lines: [] }],
    });
    const badged = g.nodes.filter((n) => n.conjBroken);
    assert.equal(badged.length, 1);
    assert.equal(badged[0]!.table, hit.table);
    assert.equal(badged[0]!.conjBroken!.explanation, `conj_id=${id} flow has no conjunction(${id},k/n) clauses in table ${hit.table}: it can never match`);
  });

  it('compact mode folds pass-through tables but keeps the drop node, badges and lanes', () => {
    const dump = brokenDump();
    for (const [base, broken] of [['acl/tcp-ssh-syn', false], ['routing/icmp-vm1-to-vm2', false], ['broken-conjunction/tcp-80-falls-through', true]] as const) {
      const trace = detrace(base);
      const opts = broken ? { brokenConjunctions: dump.conjunctions.broken } : {};
      const full = buildTraceGraph(trace, opts);
      const compact = buildTraceGraph(trace, { ...opts, compact: true });
      checkShape(compact);
      assert.ok(compact.nodes.length < full.nodes.length * 0.7, `${base}: ${compact.nodes.length} of ${full.nodes.length}`);
      assert.equal(compact.dropNodeId, full.dropNodeId);
      assert.equal(compact.lanes.length, full.lanes.length);
      assert.equal(compact.edges.filter((e) => e.kind === 'patch').length, full.edges.filter((e) => e.kind === 'patch').length);
      assert.equal(compact.nodes.filter((n) => n.conjBroken).length, full.nodes.filter((n) => n.conjBroken).length);
      // Folded nodes account for every table they replaced.
      const folded = compact.nodes.reduce((a, n) => a + (n.folded ?? 1), 0);
      assert.equal(folded, full.nodes.length);
      for (const n of compact.nodes.filter((x) => x.folded)) {
        assert.equal(n.foldedIds!.length, n.folded);
        const lanes = new Set(n.foldedIds!.map((id) => full.nodes.find((f) => f.id === id)!.lane));
        assert.equal(lanes.size, 1, 'a fold never crosses lanes');
      }
    }
  });

  it('plain OVS (no OVN): one lane per bridge, outputs and the drop', () => {
    const ok = buildTraceGraph(ofproto('ovs-vlan/vlan2933-to-tap1'));
    assert.deepEqual(ok.lanes.map((l) => l.label), ['ov-br0']);
    assert.equal(ok.lanes[0]!.pipeline, undefined);
    assert.ok(ok.nodes.filter((n) => n.kind === 'output').length >= 1);
    const bad = buildTraceGraph(ofproto('ovs-vlan/vlan100-dropped'));
    assert.ok(bad.dropNodeId);
  });

  it('never throws on damaged traces', () => {
    const text = read('acl/tcp-ssh-syn.ovn-detrace.txt');
    const lines = text.split('\n');
    for (let cut = 0; cut < lines.length; cut += 7) {
      const t = parseOvnDetrace(lines.slice(0, cut).join('\n')).value;
      checkShape(buildTraceGraph(t, { compact: cut % 2 === 0, brokenConjunctions: brokenDump().conjunctions.broken }));
    }
    const empty: OfprotoTrace = { kind: 'ofproto-trace', passes: [], verdict: { dropped: false, drop: null, outputs: [] }, diagnostics: [], lineCount: 0 };
    checkShape(buildTraceGraph(empty));
    checkShape(buildTraceGraph(parseOfprotoTrace('Trailing garbage in packet data\n').value));
  });
});

describe('buildOvnTraceGraph', () => {
  it('routing: one lane per datapath section, patch edges between datapaths, output to rt-vm2', () => {
    const g = buildOvnTraceGraph(ovnTrace('routing/icmp-vm1-to-vm2'));
    checkShape(g);
    assert.equal(g.lanes.length, 6);
    assert.equal(new Set(g.lanes.map((l) => l.datapath)).size, 3);
    assert.equal(g.edges.filter((e) => e.kind === 'patch').length, 2);
    assert.ok(g.nodes.some((n) => n.kind === 'output' && n.label === 'output to rt-vm2'));
    assert.equal(g.verdictText, 'delivered to rt-vm2');
  });

  it('acl: the drop node is ls_out_acl; port-security: ls_in_apply_port_sec', () => {
    const acl = buildOvnTraceGraph(ovnTrace('acl/tcp-ssh-syn'));
    checkShape(acl);
    assert.equal(acl.nodes.find((n) => n.id === acl.dropNodeId)!.stage, 'ls_out_acl');
    const ps = buildOvnTraceGraph(ovnTrace('port-security/nd-na-bad-target'));
    assert.equal(ps.nodes.find((n) => n.id === ps.dropNodeId)!.stage, 'ls_in_apply_port_sec');
  });

  it('handles every format of every capture', () => {
    for (const { scenario, packet } of cases) {
      for (const fmt of ['detailed', 'summary', 'minimal', 'ovs', 'friendly']) {
        const f = join(sb, scenario, `${packet.name}.ovn-trace-${fmt}.txt`);
        if (!existsSync(f)) continue;
        const t = parseOvnTrace(readFileSync(f, 'utf8')).value;
        const g = buildOvnTraceGraph(t);
        checkShape(g);
        const want = packet.ovnTraceExpect ?? packet.expect;
        assert.equal(!!g.dropNodeId, want.dropped, `${scenario}/${packet.name} ${fmt}: ${g.verdictText}`);
      }
    }
  });
});

describe('compareTraces', () => {
  it('agrees where the tools agree, with no difference on the routed path', () => {
    for (const base of ['routing/icmp-vm1-to-vm2', 'port-security/nd-na-bad-target', 'port-security/spoofed-eth-src', 'acl/tcp-ssh-syn']) {
      for (const of of [detrace(base), ofproto(base)]) {
        const c = compareTraces(ovnTrace(base), of);
        assert.equal(c.agree, true, `${base}: ${c.firstDifference?.text}`);
        assert.equal(c.ofproto.dropped, c.ovnTrace.dropped);
      }
    }
    assert.equal(compareTraces(ovnTrace('routing/icmp-vm1-to-vm2'), detrace('routing/icmp-vm1-to-vm2')).firstDifference, undefined);
  });

  it('broken-conjunction: the first difference is ls_out_acl, table 46', () => {
    const base = 'broken-conjunction/tcp-80-falls-through';
    for (const of of [detrace(base), ofproto(base)]) {
      const c = compareTraces(ovnTrace(base), of);
      assert.equal(c.agree, false);
      assert.deepEqual([c.ofproto.dropped, c.ovnTrace.dropped, c.ovnTrace.outputs], [true, false, ['cj-vm2']]);
      assert.equal(c.firstDifference?.stage, 'ls_out_acl');
      assert.equal(c.firstDifference?.table, 46);
      assert.match(c.firstDifference!.text, /OpenFlow dropped in .*table 46.* but ovn-trace matched priority 2001/);
    }
    const c = compareTraces(ovnTrace(base), detrace(base));
    assert.match(c.firstDifference!.text, /logical flow priority 2000 "\/\* drop \*\/"/);
  });
});
