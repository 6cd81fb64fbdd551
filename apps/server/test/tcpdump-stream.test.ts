import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TcpdumpStream } from '../src/services/tcpdump-stream';
import { parseIpLinks, parseNetnsList } from '../src/plugins/capture';

// Chunks exactly as node-pty delivered them from `ip netns exec tm5e7-rt-vm1 tcpdump -l -nn -XX -c 2 -i eth0 -- icmp`
// while vm1 pinged vm2 (note the "\t" chunk that splits a hex line).
const CHUNKS = [
  'tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\r\n',
  'listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes\r\n',
  '06:58:50.110966 IP 192.168.0.11 > 192.168.1.11: ICMP echo request, id 1670, seq 1, length 64\r\n',
  '\t0x0000:  4044 0000 0003 4044 0000 0001 0800 4500  @D....@D......E.\r\n',
  '\t',
  '0x0010:  0054 86ec 4000 4001 3156 c0a8 000b c0a8  .T..@.@.1V......\r\n',
  '06:58:50.111177 IP 192.168.1.11 > 192.168.0.11: ICMP echo reply, id 1670, seq 1, length 64\r\n',
  '\t0x0000:  4044 0000 0001 4044 0000 0003 0800 4500  @D....@D......E.\r\n2 packets captured\r\n2 packets received by filter\r\n0 packets dropped by kernel\r\n',
];

describe('TcpdumpStream', () => {
  it('splits pty chunks into packet blocks and chatter', () => {
    const packets: string[] = [];
    const chatter: string[] = [];
    const s = new TcpdumpStream({ packet: (t) => packets.push(t), chatter: (l) => chatter.push(l) });
    for (const c of CHUNKS) s.push(c);
    s.end();
    assert.equal(packets.length, 2);
    assert.equal(
      packets[0],
      '06:58:50.110966 IP 192.168.0.11 > 192.168.1.11: ICMP echo request, id 1670, seq 1, length 64\n' +
        '\t0x0000:  4044 0000 0003 4044 0000 0001 0800 4500  @D....@D......E.\n' +
        '\t0x0010:  0054 86ec 4000 4001 3156 c0a8 000b c0a8  .T..@.@.1V......\n',
    );
    assert.match(packets[1]!, /^06:58:50.111177 .*echo reply.*\n\t0x0000: .*\n$/);
    assert.deepEqual(chatter, [
      'tcpdump: verbose output suppressed, use -v[v]... for full protocol decode',
      'listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes',
      '2 packets captured',
      '2 packets received by filter',
      '0 packets dropped by kernel',
    ]);
  });

  it('a quiet stream hands out the open packet, but not while a line is half written', () => {
    const packets: string[] = [];
    const s = new TcpdumpStream({ packet: (t) => packets.push(t), chatter: () => {} });
    s.push(CHUNKS[2]! + CHUNKS[3]! + CHUNKS[4]!);
    assert.equal(s.pending, false);
    s.completePending();
    assert.equal(packets.length, 0);
    s.push(CHUNKS[5]!);
    assert.equal(s.pending, true);
    s.completePending();
    assert.equal(packets.length, 1);
    assert.match(packets[0]!, /0x0010:/);
  });
});

describe('ip output', () => {
  it('parses ip -o link show', () => {
    const text =
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n' +
      '3: br-int: <BROADCAST,MULTICAST,PROMISC> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\\    link/ether ca:e9:bd:5a:f2:4a brd ff:ff:ff:ff:ff:ff\n' +
      '5: rt-vm1@if2: <BROADCAST,MULTICAST,PROMISC,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\\    link/ether 72:17:6a:46:51:e9 brd ff:ff:ff:ff:ff:ff link-netns tm5e7-rt-vm1\n';
    assert.deepEqual(parseIpLinks(text), [
      { name: 'lo', up: true },
      { name: 'br-int', up: false, mac: 'ca:e9:bd:5a:f2:4a' },
      { name: 'rt-vm1', up: true, mac: '72:17:6a:46:51:e9' },
    ]);
  });
  it('parses ip netns list, with and without ids', () => {
    assert.deepEqual(parseNetnsList('tm-rt-vm2 (id: 2)\ntm-hv1\n\n'), ['tm-rt-vm2', 'tm-hv1']);
  });
});
