import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { LogicalFlow } from '@tracemap/model';
import { parseOfprotoTrace } from '../../parsers/src/ofproto-trace';
import { parseOvnDetrace } from '../../parsers/src/ovn-detrace';
import { classifyDatapathActions, normalizeCookie, traceVerdict } from '../src/verdict';

const fx = join(new URL('.', import.meta.url).pathname, '..', '..', 'parsers', 'test', 'fixtures');
const read = (p: string) => readFileSync(join(fx, p), 'utf8');

describe('classifyDatapathActions', () => {
  const cases: [string, [string, string][]][] = [
    ['drop', []],
    ['', []],
    ['3', [['port', '3']]],
    ['ct(commit,zone=9,mark=0/0x1,nat(src)),4', [['port', '4']]],
    ['set(eth(src=00:00:00:00:ff:02)),ct(zone=9),recirc(0x1)', [['recirc', 'recirc(0x1)']]],
    ['tnl_push(tnl_port=4,header(size=50,type=5),out_port=1)', [['tunnel', 'tnl_push(tnl_port=4,header(size=50,type=5),out_port=1)']]],
    ['set(tunnel(tun_id=0x1,dst=192.168.0.2,ttl=64,flags(df|key))),2', [['tunnel', '2']]],
    ['userspace(pid=0,controller(reason=1,dont_send=1,continuation=0,recirc_id=1,rule_cookie=0x5adc15c0,controller_id=0,max_len=96)),pop_vlan,2', [['controller', 'userspace(pid=0,controller(reason=1,dont_send=1,continuation=0,recirc_id=1,rule_cookie=0x5adc15c0,controller_id=0,max_len=96))'], ['port', '2']]],
    ['clone(ct_clear,3),push_vlan(vid=5,pcp=0),pop_vlan', [['port', '3']]],
    ['p2', [['port', 'p2']]],
  ];
  for (const [text, want] of cases) {
    it(text || '(empty)', () => assert.deepEqual(classifyDatapathActions(text).map((o) => [o.kind, o.text]), want));
  }
});

describe('traceVerdict', () => {
  it('matches what the tool says in "Datapath actions" for every captured fixture', () => {
    const expect: Record<string, [boolean, string | null]> = {
      'ovs31-l2-vm1-vm2': [false, null],
      'ovs31-portsec-spoof': [true, 'explicit-drop'],
      'ovs31-routed-http': [false, null],
      'ovs31-routed-acl-drop': [true, 'explicit-drop'],
      'ovs31-unknown-dst': [true, 'explicit-drop'],
      'ovs31-err-no-bridge': [true, 'error'],
    };
    for (const [name, [dropped, reason]] of Object.entries(expect)) {
      const v = traceVerdict(parseOfprotoTrace(read(`ofproto-trace/${name}.txt`)).value);
      assert.equal(v.dropped, dropped, name);
      assert.equal(v.drop?.reason ?? null, reason, name);
    }
  });

  it('detrace stages turn drops into acl / port-security', () => {
    assert.equal(traceVerdict(parseOvnDetrace(read('ovn-detrace/ovn2303-routed-acl-drop.txt')).value).drop?.reason, 'acl');
    assert.equal(traceVerdict(parseOvnDetrace(read('ovn-detrace/ovn2303-portsec-spoof.txt')).value).drop?.reason, 'port-security');
    const unk = traceVerdict(parseOvnDetrace(read('ovn-detrace/ovn2303-unknown-dst.txt')).value).drop;
    assert.deepEqual([unk?.reason, unk?.stage, unk?.datapath, unk?.table], ['explicit-drop', 'ls_in_l2_unknown', 'sw0', 34]);
  });

  it('joins the drop step cookie to a logical flow (unpadded cookie vs UUID prefix) when given lflows', () => {
    const trace = parseOfprotoTrace(read('ofproto-trace/ovs31-routed-acl-drop.txt')).value;
    const step = trace.passes[1]!.steps[1]!;
    assert.equal(step.cookie, '0x64ece4f5');
    const lf = (uuid: string, stage: string): LogicalFlow => ({
      uuid, datapath: 'sw1', pipeline: 'egress', table: 4, stage, priority: 2001, match: 'x', actions: 'drop;', line: 1,
    });
    const v = traceVerdict(trace, { logicalFlows: [lf('64ece4f5-1111-2222-3333-444444444444', 'ls_out_acl'), lf('0d47bd20-0000-0000-0000-000000000000', 'x')] });
    assert.deepEqual([v.drop?.reason, v.drop?.stage, v.drop?.datapath], ['acl', 'ls_out_acl', 'sw1']);
    // ambiguous prefix: left alone
    const amb = traceVerdict(trace, { logicalFlows: [lf('64ece4f5-1111-2222-3333-444444444444', 'ls_out_acl'), lf('64ece4f5-9999-2222-3333-444444444444', 'ls_out_qos')] });
    assert.equal(amb.drop?.reason, 'explicit-drop');
    assert.equal(normalizeCookie('0x4d47bd2'), '0x04d47bd2');
  });

  it('does not mutate the trace', () => {
    const trace = parseOfprotoTrace(read('ofproto-trace/ovs31-portsec-spoof.txt')).value;
    const before = JSON.stringify(trace);
    traceVerdict(trace, { logicalFlows: [] });
    assert.equal(JSON.stringify(trace), before);
  });

  it('a 5,000-line trace parses with no diagnostics and a verdict per pass (timing: bench/trace.bench.ts)', () => {
    const one = read('ofproto-trace/ovs31-routed-http.txt');
    let big = '';
    while (big.split('\n').length < 5000) big += one;
    const r = parseOfprotoTrace(big);
    assert.equal(r.diagnostics.length, 0);
    assert.ok(r.value.passes.length > 1);
    assert.equal(traceVerdict(r.value).dropped, traceVerdict(parseOfprotoTrace(one).value).dropped);
  });
});
