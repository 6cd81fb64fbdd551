/**
 * Builders, on packets decoded from the real captures in fixtures/packet/. The expected
 * microflows were run through ovn-trace 24.x against an SB with one switch (every one parsed:
 * its `# ...` flow line echoed the fields) and the flows through `ovs-ofctl parse-flow`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DecodedPacket } from '@tracemap/model';
import { ethernetFrameHex, ovnString, packetToMicroflow, packetToOfFlow, packetToOfprotoArgs } from '../src/builders';
import { parsePacketText } from '../src/packet';

const dir = fileURLToPath(new URL('./fixtures/packet/', import.meta.url));
const pkts = (name: string): DecodedPacket[] => parsePacketText(readFileSync(dir + name, 'utf8')).value.packets;
const first = (name: string, i = 0): DecodedPacket => pkts(name)[i] as DecodedPacket;

const MICROFLOWS: [fixture: string, index: number, expected: string][] = [
  [
    'ping-arp-XX.txt',
    2,
    'inport == "vm1" && eth.src == 40:44:00:00:00:01 && eth.dst == 40:44:00:00:00:02 && ip4.src == 10.77.0.1 && ip4.dst == 10.77.0.2 && ip.ttl == 64 && icmp4.type == 8 && icmp4.code == 0',
  ],
  [
    'ping-arp-XX.txt',
    0,
    'inport == "vm1" && eth.src == 40:44:00:00:00:01 && eth.dst == ff:ff:ff:ff:ff:ff && arp.op == 1 && arp.sha == 40:44:00:00:00:01 && arp.spa == 10.77.0.1 && arp.tha == 00:00:00:00:00:00 && arp.tpa == 10.77.0.2',
  ],
  [
    'vlan-XX.txt',
    0,
    'inport == "vm1" && eth.src == 40:44:00:00:00:01 && eth.dst == 40:44:00:00:00:02 && vlan.vid == 30 && ip4.src == 10.77.30.1 && ip4.dst == 10.77.30.2 && ip.ttl == 64 && icmp4.type == 8 && icmp4.code == 0',
  ],
  [
    'tcp-vv-XX.txt',
    0,
    'inport == "vm1" && eth.src == 40:44:00:00:00:01 && eth.dst == 40:44:00:00:00:02 && ip4.src == 10.77.0.1 && ip4.dst == 10.77.0.2 && ip.ttl == 64 && tcp.src == 35284 && tcp.dst == 5001 && tcp.flags == 0x002',
  ],
  [
    'udp-XX.txt',
    0,
    'inport == "vm1" && eth.src == 40:44:00:00:00:01 && eth.dst == 40:44:00:00:00:02 && ip4.src == 10.77.0.1 && ip4.dst == 10.77.0.2 && ip.ttl == 64 && udp.src == 49906 && udp.dst == 7777',
  ],
  [
    'ping6-nd-XX.txt',
    0,
    'inport == "vm1" && eth.src == 40:44:00:00:00:01 && eth.dst == 33:33:ff:00:00:02 && ip6.src == fd77::1 && ip6.dst == ff02::1:ff00:2 && ip.ttl == 255 && icmp6.type == 135 && icmp6.code == 0 && nd.target == fd77::2 && nd.sll == 40:44:00:00:00:01',
  ],
  [
    'ping6-nd-XX.txt',
    1,
    'inport == "vm1" && eth.src == 40:44:00:00:00:02 && eth.dst == 40:44:00:00:00:01 && ip6.src == fd77::2 && ip6.dst == fd77::1 && ip.ttl == 255 && icmp6.type == 136 && icmp6.code == 0 && nd.target == fd77::2 && nd.tll == 40:44:00:00:00:02',
  ],
  [
    'sctp-XX.txt',
    0,
    'inport == "vm1" && eth.src == 40:44:00:00:00:01 && eth.dst == 40:44:00:00:00:02 && ip4.src == 10.77.0.1 && ip4.dst == 10.77.0.2 && ip.ttl == 64 && sctp.src == 40000 && sctp.dst == 5002',
  ],
  // A tunnelled packet traces its inner (logical) frame.
  [
    'geneve-ovn-XX.txt',
    0,
    'inport == "vm1" && eth.src == 0a:00:00:00:00:01 && eth.dst == 0a:00:00:00:00:02 && ip4.src == 192.168.0.11 && ip4.dst == 192.168.1.11 && ip.ttl == 64 && icmp4.type == 8 && icmp4.code == 0',
  ],
  // tcpdump -x: no Ethernet header, so no eth fields.
  ['ping-arp-x.txt', 2, 'inport == "vm1" && ip4.src == 10.77.0.1 && ip4.dst == 10.77.0.2 && ip.ttl == 64 && icmp4.type == 8 && icmp4.code == 0'],
  // A later fragment has no L4 header: the protocol is still named.
  ['ping6-frag-XX.txt', 1, 'inport == "vm1" && eth.src == 40:44:00:00:00:01 && eth.dst == 40:44:00:00:00:02 && ip6.src == fd77::1 && ip6.dst == fd77::2 && ip.ttl == 64 && ip.proto == 58'],
  ['lldp-vv-XX.txt', 0, 'inport == "vm1" && eth.src == 40:44:00:00:00:01 && eth.dst == 01:80:c2:00:00:0e && eth.type == 0x88cc'],
];

for (const [fixture, i, expected] of MICROFLOWS) {
  test(`microflow: ${fixture} #${i}`, () => {
    assert.equal(packetToMicroflow(first(fixture, i), { inport: 'vm1' }), expected);
  });
}

test('microflow: outer frame of a tunnel on request; inport quoted as an OVN string', () => {
  const g = first('geneve-ovn-XX.txt');
  assert.match(packetToMicroflow(g, { inport: 'vm1', inner: false }), /ip4\.src == 10\.77\.0\.1 && .* && udp\.src == 51234 && udp\.dst == 6081$/);
  assert.equal(ovnString('a "b" \\c'), '"a \\"b\\" \\\\c"');
  assert.match(packetToMicroflow(g, { inport: 'sw0-port"1' }), /^inport == "sw0-port\\"1" && /);
});

test('ofproto/trace arguments: whole frame as lower-case hex, one argv element each', () => {
  const p = first('ping-arp-XX.txt', 2);
  const a = packetToOfprotoArgs(p, { bridge: 'br-int', inPort: 1 });
  assert.equal(a.bridge, 'br-int');
  assert.equal(a.flowArg, 'in_port=1');
  assert.equal(a.packetHex, p.hex);
  assert.match(a.packetHex, /^[0-9a-f]+$/);
  assert.deepEqual(a.argv, ['ovs-appctl', 'ofproto/trace', 'br-int', 'in_port=1', p.hex]);
  assert.deepEqual(a.notes, []);
  assert.equal(packetToOfprotoArgs(p, { inPort: 'tap0' }).argv[3], 'in_port=tap0');
  assert.equal(packetToOfprotoArgs(p, { inPort: 3 }).bridge, 'br-int');
});

test('ofproto/trace arguments: an Ethernet header is supplied for -x and -i any captures', () => {
  const x = first('ping-arp-x.txt', 2);
  const a = packetToOfprotoArgs(x, { inPort: 1, ethSrc: '40:44:00:00:00:01', ethDst: '40:44:00:00:00:02' });
  // Same frame as the -XX capture's echo request, apart from the fields that differ per ping.
  assert.equal(a.packetHex.slice(0, 28), '4044000000024044000000010800');
  assert.equal(a.packetHex.slice(28), x.hex);
  assert.match(a.notes[0] ?? '', /supplied an Ethernet header/);
  const arp = ethernetFrameHex(first('ping-arp-x.txt', 0));
  assert.equal(arp.hex.slice(24, 28), '0806');
  const any = first('ping-any-XX.txt');
  const b = packetToOfprotoArgs(any, { inPort: 1, ethDst: '40:44:00:00:00:02' });
  // The cooked header's address is the sender's MAC; the IPv4 packet follows unchanged.
  assert.equal(b.packetHex.slice(0, 28), '4044000000024044000000010800');
  assert.equal(b.packetHex.slice(28), any.hex.slice(40));
  assert.match(b.notes[0] ?? '', /sll2 cooked header/);
});

const FLOWS: [fixture: string, index: number, expected: string][] = [
  [
    'ping-arp-XX.txt',
    2,
    'icmp,in_port=1,dl_src=40:44:00:00:00:01,dl_dst=40:44:00:00:00:02,nw_src=10.77.0.1,nw_dst=10.77.0.2,nw_ttl=64,icmp_type=8,icmp_code=0',
  ],
  [
    'ping-arp-XX.txt',
    1,
    'arp,in_port=1,dl_src=40:44:00:00:00:02,dl_dst=40:44:00:00:00:01,arp_op=2,arp_spa=10.77.0.2,arp_tpa=10.77.0.1,arp_sha=40:44:00:00:00:02,arp_tha=40:44:00:00:00:01',
  ],
  [
    'vlan-XX.txt',
    0,
    'icmp,in_port=1,dl_src=40:44:00:00:00:01,dl_dst=40:44:00:00:00:02,dl_vlan=30,dl_vlan_pcp=3,nw_src=10.77.30.1,nw_dst=10.77.30.2,nw_ttl=64,icmp_type=8,icmp_code=0',
  ],
  [
    'tcp-vv-XX.txt',
    1,
    'tcp,in_port=1,dl_src=40:44:00:00:00:02,dl_dst=40:44:00:00:00:01,nw_src=10.77.0.2,nw_dst=10.77.0.1,nw_ttl=64,tp_src=5001,tp_dst=35284,tcp_flags=0x012',
  ],
  [
    'ping6-nd-XX.txt',
    0,
    'icmp6,in_port=1,dl_src=40:44:00:00:00:01,dl_dst=33:33:ff:00:00:02,ipv6_src=fd77::1,ipv6_dst=ff02::1:ff00:2,nw_ttl=255,icmp_type=135,icmp_code=0,nd_target=fd77::2,nd_sll=40:44:00:00:00:01',
  ],
  [
    'udp6-x.txt',
    0,
    'udp6,in_port=1,ipv6_src=fd77::1,ipv6_dst=fd77::2,nw_ttl=64,tp_src=37126,tp_dst=7777',
  ],
  [
    'geneve-ovn-XX.txt',
    0,
    'udp,in_port=1,dl_src=40:44:00:00:00:01,dl_dst=40:44:00:00:00:02,nw_src=10.77.0.1,nw_dst=10.77.0.2,nw_ttl=64,tp_src=51234,tp_dst=6081',
  ],
];

for (const [fixture, i, expected] of FLOWS) {
  test(`OpenFlow flow: ${fixture} #${i}`, () => {
    assert.equal(packetToOfFlow(first(fixture, i), 1), expected);
  });
}
