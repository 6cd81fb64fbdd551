/**
 * Packet parsing and decoding, against real tcpdump captures in fixtures/packet/ (each with the
 * .cmd that produced it). Golden files: <fixture>.expected.json; regenerate with
 *   UPDATE_GOLDEN=1 node --import tsx --test packages/parsers/test/packet.test.ts
 * and review the diff.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DecodedPacket, PacketLayer } from '@tracemap/model';
import { decodePacketHex, parsePacketText, summarizePacket } from '../src/packet';
import { crc32c } from '../src/packet/checksum';
import { ipv6At } from '../src/packet/bytes';

const dir = fileURLToPath(new URL('./fixtures/packet/', import.meta.url));
const read = (name: string): string => readFileSync(dir + name, 'utf8');
const fixtures = readdirSync(dir).filter((f) => /\.(txt|hex)$/.test(f)).sort();
const parse = (name: string) => parsePacketText(read(name)).value;
const layer = (p: DecodedPacket | undefined, type: string, depth = 0): PacketLayer | undefined =>
  p?.layers.find((l) => l.type === type && (l.depth ?? 0) === depth);

test('every fixture has the command that produced it', () => {
  for (const f of fixtures) assert.ok(existsSync(dir + f.replace(/\.(txt|hex)$/, '.cmd')), `${f} has no .cmd`);
});

for (const f of fixtures) {
  test(`golden: ${f}`, () => {
    const r = parsePacketText(read(f));
    const got = {
      packets: r.value.packets.map((p) => ({
        line: p.line,
        lineEnd: p.lineEnd,
        linkType: p.linkType,
        needsEthernet: p.needsEthernet,
        length: p.length,
        timestamp: p.timestamp,
        summary: p.summary,
        description: p.description,
        hex: p.hex,
        layers: p.layers,
        checksums: p.checksums,
      })),
      diagnostics: r.diagnostics,
    };
    const golden = dir + f.replace(/\.(txt|hex)$/, '.expected.json');
    const json = JSON.parse(JSON.stringify(got));
    if (process.env.UPDATE_GOLDEN || !existsSync(golden)) writeFileSync(golden, `${JSON.stringify(json, null, 2)}\n`);
    assert.deepEqual(json, JSON.parse(readFileSync(golden, 'utf8')));
    // Output contract: hex is lower case without spaces, every packet has typed layers.
    for (const p of r.value.packets) {
      assert.match(p.hex, /^([0-9a-f]{2})*$/);
      assert.ok(p.layers.length > 0);
      for (const l of p.layers) assert.equal(typeof l.type, 'string');
    }
  });
}

// ovs-tcpundump's own output for each capture is committed as <fixture>.tcpundump
// (`ovs-tcpundump < X.txt > X.tcpundump`, Open vSwitch 3.1.0).
for (const f of fixtures.filter((x) => x.endsWith('.txt'))) {
  test(`same bytes as ovs-tcpundump: ${f}`, () => {
    const ref = read(f.replace(/\.txt$/, '.tcpundump')).split('\n').filter(Boolean);
    const r = parsePacketText(read(f));
    const ours = r.value.packets.map((p) => p.hex);
    const optionDumps = r.diagnostics.filter((d) => /decoded option/.test(d.message)).length;
    // ovs-tcpundump also emits every -vv option hexdump as a "packet"; we report those instead.
    assert.equal(ref.length, ours.length + optionDumps);
    assert.deepEqual(
      ref.filter((h) => ours.includes(h)),
      ours,
    );
  });
}

test('tcpdump -vv option hexdumps are not packets (the ovs-tcpundump bug)', () => {
  const lldp = parsePacketText(read('lldp-vv-XX.txt'));
  assert.equal(lldp.value.packets.length, 1);
  assert.equal(lldp.value.packets[0]?.hex.slice(0, 28), '0180c200000e40440000000188cc');
  assert.deepEqual(
    lldp.diagnostics.filter((d) => /decoded option/.test(d.message)).map((d) => d.line),
    [4, 7, 9, 11, 17],
  );
  const nd = parse('ping6-nd-vv-XX.txt');
  assert.equal(nd.packets.length, 4);
  assert.equal(layer(nd.packets[0], 'icmpv6')?.sll, '40:44:00:00:00:01');
});

test('-XX, -xx, -X and -x of the same ping decode to the same IP packets', () => {
  const full = parse('ping-arp-XX.txt').packets;
  const xx = parse('ping-arp-xx.txt').packets;
  const bigX = parse('ping-arp-X.txt').packets;
  const x = parse('ping-arp-x.txt').packets;
  assert.deepEqual(full.map((p) => p.linkType), ['ethernet', 'ethernet', 'ethernet', 'ethernet']);
  assert.deepEqual(x.map((p) => p.linkType), ['arp', 'arp', 'ipv4', 'ipv4']);
  assert.deepEqual(bigX.map((p) => p.linkType), ['arp', 'arp', 'ipv4', 'ipv4']);
  assert.deepEqual(xx.map((p) => p.linkType), ['ethernet', 'ethernet', 'ethernet', 'ethernet']);
  for (const p of x) assert.equal(p.needsEthernet, true);
  assert.equal(full[2]?.summary, '06:36:29.407051 IP 10.77.0.1 > 10.77.0.2: ICMP echo request, id 5566, seq 1, length 64');
  assert.equal(full[2]?.timestamp, '06:36:29.407051');
  // -XX starts at the Ethernet header, -x at the IP header (different captures, same shape).
  assert.equal(layer(full[2], 'ipv4')?.offset, 14);
  assert.equal(layer(x[2], 'ipv4')?.offset, 0);
  assert.equal(x[2]?.hex.slice(0, 4), '4500');
  assert.deepEqual(layer(x[0], 'arp'), {
    type: 'arp',
    offset: 0,
    length: 28,
    htype: 1,
    ptype: 0x0800,
    hlen: 6,
    plen: 4,
    op: 1,
    opName: 'request',
    sha: '40:44:00:00:00:01',
    spa: '10.77.0.1',
    tha: '00:00:00:00:00:00',
    tpa: '10.77.0.2',
  });
  assert.equal(
    summarizePacket(full[2] as DecodedPacket),
    '40:44:00:00:00:01 > 40:44:00:00:00:02, IPv4 10.77.0.1 > 10.77.0.2: ICMP echo request',
  );
});

test('checksums agree with tcpdump -vv ("cksum 0x14cb (incorrect -> 0x1478)")', () => {
  const pkts = parse('tcp-vv-XX.txt').packets;
  const tcp = pkts.map((p) => p.checksums.find((c) => c.layer === 'tcp'));
  // tcpdump's verdicts, from the header lines of the fixture.
  assert.deepEqual(
    tcp.map((c) => [c?.found, c?.expected, c?.ok, c?.partial]),
    [
      [0x14cb, 0x1478, false, true],
      [0x14cb, 0x9f20, false, true],
      [0x14c3, 0xcc39, false, true],
      [0x14d2, 0xe17c, false, true],
    ],
  );
  for (const p of pkts) assert.ok(p.checksums.find((c) => c.layer === 'ipv4')?.ok);
  const r = parsePacketText(read('tcp-vv-XX.txt'));
  // Seed 004: different segments, same (offload-left) checksum.
  assert.ok(r.diagnostics.some((d) => d.line === 8 && /same wrong value as the packet on line 1/.test(d.message)));
  assert.ok(r.diagnostics.filter((d) => d.severity === 'warning').length >= 4);
  const syn = layer(pkts[0], 'tcp');
  assert.equal(syn?.flagsText, 'S');
  assert.deepEqual(syn?.flagNames, ['SYN']);
  assert.deepEqual(
    (syn?.options as { name: string }[]).map((o) => o.name),
    ['mss', 'sackOK', 'TS', 'nop', 'wscale'],
  );
  assert.equal(layer(pkts[1], 'tcp')?.flagsText, 'S.');
  assert.equal(layer(pkts[3], 'tcp')?.payloadLength, 15);
});

test('checksums that tcpdump calls ok are ok: UDP in Geneve, ICMPv6 ND, IPv6 ext headers, SCTP', () => {
  for (const f of ['geneve-ovn-vv-xx.txt', 'ping6-nd-vv-XX.txt', 'ip6ext-vv-XX.txt', 'sctp-XX.txt', 'ra-XX.txt', 'ping-arp-XX.txt']) {
    for (const p of parse(f).packets) {
      assert.ok(p.checksums.length > 0 || p.layers.some((l) => l.type === 'arp'), f);
      for (const c of p.checksums) assert.ok(c.ok, `${f} line ${p.line}: ${c.layer} ${c.found.toString(16)} != ${c.expected.toString(16)}`);
    }
  }
});

test('Geneve with the OVN option decodes the logical port keys and the inner frame', () => {
  const [p] = parse('geneve-ovn-XX.txt').packets;
  const g = layer(p, 'geneve');
  assert.equal(g?.vni, 7);
  assert.equal(g?.protocol, 0x6558);
  assert.deepEqual(g?.ovn, { datapath: 7, ingressPort: 3, egressPort: 5 });
  const opt = (g?.options as Record<string, unknown>[])[0];
  assert.equal(opt?.class, 0x0102);
  assert.equal(opt?.type, 0x80);
  assert.equal(opt?.critical, true);
  assert.equal(layer(p, 'eth', 1)?.src, '0a:00:00:00:00:01');
  assert.equal(layer(p, 'ipv4', 1)?.dst, '192.168.1.11');
  assert.equal(layer(p, 'icmp', 1)?.typeName, 'echo request');
  assert.equal(
    p?.description,
    '40:44:00:00:00:01 > 40:44:00:00:00:02, IPv4 10.77.0.1.51234 > 10.77.0.2.6081: UDP, length 69, Geneve vni 7 (OVN ingress 3 egress 5): ' +
      '0a:00:00:00:00:01 > 0a:00:00:00:00:02, IPv4 192.168.0.11 > 192.168.1.11: ICMP echo request',
  );
  // The multi-line -vv header becomes one summary.
  const vv = parse('geneve-ovn-vv-xx.txt').packets[0];
  assert.match(vv?.summary ?? '', /Geneve, Flags \[none\], vni 0x7, options \[class Open Virtual Networking \(OVN\) \(0x102\) type 0x80\(C\) len 8 data 00030005\] IP \(tos/);
});

test('VXLAN decodes the VNI and the inner frame', () => {
  const [req, rep] = parse('vxlan-XX.txt').packets;
  assert.equal(layer(req, 'vxlan')?.vni, 42);
  assert.equal(layer(req, 'eth', 1)?.src, '40:44:00:00:42:01');
  assert.equal(layer(rep, 'icmp', 1)?.typeName, 'echo reply');
  // tcpdump prints the inner packet on a second, non-indented header line.
  assert.match(req?.summary ?? '', /vni 42 IP 10\.77\.42\.1 > 10\.77\.42\.2: ICMP echo request/);
});

test('802.1Q and 802.1ad tags', () => {
  const v = parse('vlan-XX.txt').packets[0];
  assert.deepEqual(
    v?.layers.filter((l) => l.type === 'vlan').map((l) => [l.tpidName, l.vid, l.pcp]),
    [['802.1Q', 30, 3]],
  );
  const q = parse('qinq-XX.txt').packets[0];
  assert.deepEqual(
    q?.layers.filter((l) => l.type === 'vlan').map((l) => [l.tpidName, l.vid, l.offset]),
    [
      ['802.1ad', 100, 12],
      ['802.1Q', 30, 16],
    ],
  );
  assert.equal(layer(q, 'ipv4')?.offset, 22);
});

test('IPv6: ND options, RA, extension headers, fragments', () => {
  const [ns, na] = parse('ping6-nd-XX.txt').packets;
  assert.equal(layer(ns, 'icmpv6')?.target, 'fd77::2');
  assert.equal(layer(ns, 'icmpv6')?.sll, '40:44:00:00:00:01');
  assert.equal(layer(ns, 'ipv6')?.dst, 'ff02::1:ff00:2');
  assert.equal(layer(na, 'icmpv6')?.tll, '40:44:00:00:00:02');
  assert.deepEqual(layer(na, 'icmpv6')?.flags, { router: false, solicited: true, override: true });
  const ra = layer(parse('ra-XX.txt').packets[0], 'icmpv6');
  assert.equal(ra?.routerLifetime, 1800);
  assert.equal((ra?.options as Record<string, unknown>[])[1]?.prefix, 'fd77::');
  const ext = parse('ip6ext-vv-XX.txt').packets[0];
  assert.deepEqual(
    ext?.layers.map((l) => l.type),
    ['eth', 'ipv6', 'ipv6-hop-by-hop', 'ipv6-dest-opts', 'ipv6-routing', 'udp', 'payload'],
  );
  assert.equal(layer(ext, 'ipv6')?.proto, 17);
  assert.deepEqual(layer(ext, 'ipv6-routing')?.addresses, ['fd77::2']);
  const frags = parse('ping6-frag-XX.txt').packets;
  assert.deepEqual(
    frags.map((p) => [layer(p, 'ipv6-fragment')?.fragOffset, layer(p, 'ipv6-fragment')?.more]),
    [
      [0, true],
      [1448, false],
      [0, true],
      [1448, false],
    ],
  );
  // Only the first fragment has an ICMPv6 header; no L4 checksum on fragments.
  assert.equal(layer(frags[0], 'icmpv6')?.typeName, 'echo request');
  assert.equal(layer(frags[1], 'icmpv6'), undefined);
  assert.ok(frags.every((p) => p.checksums.every((c) => c.layer !== 'icmpv6')));
  const mld = parse('linkup-icmp6-XX.txt').packets[0];
  assert.deepEqual((layer(mld, 'ipv6-hop-by-hop')?.options as Record<string, unknown>[])[0], {
    type: 5,
    name: 'RouterAlert',
    length: 2,
    value: 0,
  });
});

test('IPv4 options, SCTP, -i any cooked capture, snaplen truncation', () => {
  const rr = layer(parse('ping-rr-vv-XX.txt').packets[1], 'ipv4');
  assert.equal(rr?.headerLength, 60);
  assert.deepEqual((rr?.options as Record<string, unknown>[])[0]?.addresses, [
    '10.77.0.1',
    '10.77.0.2',
    '10.77.0.2',
    '0.0.0.0',
    '0.0.0.0',
    '0.0.0.0',
    '0.0.0.0',
    '0.0.0.0',
    '0.0.0.0',
  ]);
  const sctp = layer(parse('sctp-XX.txt').packets[0], 'sctp');
  assert.deepEqual(sctp?.chunks, [{ type: 1, name: 'INIT', flags: 0, length: 20 }]);
  const any = parse('ping-any-XX.txt').packets;
  assert.deepEqual(any.map((p) => [p.linkType, layer(p, 'sll2')?.direction]), [
    ['sll2', 'Out'],
    ['sll2', 'In'],
  ]);
  assert.equal(layer(any[0], 'ipv4')?.src, '10.77.0.1');
  const cut = parsePacketText(read('ping-snaplen-XX.txt'));
  const p = cut.value.packets[0];
  assert.equal(p?.length, 60);
  assert.equal(layer(p, 'ipv4')?.payloadTruncated, true);
  assert.equal(layer(p, 'icmp')?.id, 0x1de5);
  assert.ok(p?.checksums.every((c) => c.layer === 'ipv4'));
  assert.match(p?.description ?? '', /\[truncated\]$/);
  assert.ok(cut.diagnostics.some((d) => d.line === 1 && /only 46 were captured/.test(d.message)));
});

test('plain hex, xxd and Wireshark dumps give the captured bytes', () => {
  const plain = parse('plain-ovs-tcpundump.hex').packets;
  assert.deepEqual(
    plain.map((p) => p.hex),
    parse('ping-arp-xx.txt').packets.map((p) => p.hex),
  );
  const blob = parse('plain-xxd-p.hex').packets;
  assert.equal(blob.length, 1);
  assert.equal(blob[0]?.hex, parse('tcp-vv-XX.txt').packets[2]?.hex);
  assert.deepEqual([blob[0]?.line, blob[0]?.lineEnd], [1, 3]);
  const xxd = parse('xxd-geneve.hex').packets;
  assert.equal(xxd[0]?.hex, parse('geneve-ovn-XX.txt').packets[0]?.hex);
  const ws = parse('wireshark-hexdump.hex').packets;
  assert.deepEqual(
    ws.map((p) => p.hex),
    [parse('ping-arp-XX.txt').packets[2]?.hex, parse('vlan-XX.txt').packets[0]?.hex],
  );
  assert.equal(parse('wireshark-hex-ascii.hex').packets[0]?.hex, parse('ping-arp-XX.txt').packets[2]?.hex);
  // Separators and 0x prefixes.
  const hex = parse('ping-arp-XX.txt').packets[0]?.hex ?? '';
  const pairs = hex.match(/../g) ?? [];
  for (const text of [pairs.join(':'), pairs.map((b) => `0x${b}`).join(', '), pairs.join(' '), hex.toUpperCase()]) {
    const r = parsePacketText(text);
    assert.equal(r.value.packets[0]?.hex, hex, text.slice(0, 30));
    assert.deepEqual(r.diagnostics, []);
  }
  assert.equal(decodePacketHex(`0x${hex}`).value.layers[1]?.type, 'arp');
});

test('bad input: clear diagnostics with line numbers, never a throw', () => {
  const empty = parsePacketText('');
  assert.equal(empty.value.packets.length, 0);
  assert.match(empty.diagnostics[0]?.message ?? '', /empty input/);
  assert.match(parsePacketText('  \n\n').diagnostics[0]?.message ?? '', /empty input/);

  const odd = parsePacketText('40440000000240440000000108004500005\n');
  assert.equal(odd.diagnostics[0]?.line, 1);
  assert.match(odd.diagnostics[0]?.message ?? '', /odd number of hex digits/);

  const lines = read('ping-arp-XX.txt').split('\n');
  const nonHex = [...lines];
  nonHex[10] = (nonHex[10] ?? '').replace('f3d5', 'f3zz');
  const r1 = parsePacketText(nonHex.join('\n'));
  assert.ok(r1.diagnostics.some((d) => d.line === 11 && /not hex: "f3zz/.test(d.message)), JSON.stringify(r1.diagnostics));
  assert.equal(r1.value.packets.length, 4);

  const swapped = [...lines];
  [swapped[10], swapped[11]] = [swapped[11] as string, swapped[10] as string];
  const r2 = parsePacketText(swapped.join('\n'));
  assert.ok(r2.diagnostics.some((d) => d.line === 11 && /offsets out of order: expected 0x0010, found 0x0020/.test(d.message)));

  const orphan = parsePacketText('\t0x0010:  0054 f3d5 4000 4001 3237 0a4d 0001 0a4d\n');
  assert.match(orphan.diagnostics[0]?.message ?? '', /no 0x0000 line before it/);

  const junk = parsePacketText('hello world\nthis is not a packet\n');
  assert.deepEqual(junk.diagnostics.map((d) => d.line), [1, 2]);
  assert.equal(junk.value.lineCount, 2);

  const banner = parsePacketText(
    'tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\n' +
      'listening on h3va, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n' +
      read('udp-XX.txt') +
      '1 packet captured\n',
  );
  assert.equal(banner.value.packets.length, 1);
  assert.deepEqual(banner.diagnostics.filter((d) => d.severity !== 'warning').map((d) => [d.line, d.severity]), [
    [1, 'info'],
    [2, 'info'],
    [8, 'info'],
  ]);

  // A header with no hex under it, then a packet.
  const noHex = parsePacketText(`06:00:00.000000 IP 10.0.0.1 > 10.0.0.2: ICMP echo request\n${read('udp-XX.txt')}`);
  assert.equal(noHex.value.packets.length, 1);
  assert.equal(noHex.value.packets[0]?.line, 2);
  assert.ok(noHex.diagnostics.some((d) => d.line === 1 && /no hex dump follows/.test(d.message)));
});

test('decoder survives every prefix of every fixture packet', () => {
  for (const f of ['geneve-ovn-XX.txt', 'ip6ext-vv-XX.txt', 'ping6-nd-XX.txt', 'tcp-xx.txt', 'qinq-XX.txt', 'sctp-XX.txt', 'ra-XX.txt']) {
    for (const p of parse(f).packets) {
      for (let n = 0; n <= p.hex.length; n += 2) {
        const r = decodePacketHex(p.hex.slice(0, n), { linkType: 'ethernet' });
        assert.equal(r.value.hex, p.hex.slice(0, n));
        assert.equal(typeof summarizePacket(r.value), 'string');
      }
    }
  }
});

test('helpers: CRC32c and RFC 5952 IPv6 text', () => {
  const enc = new TextEncoder().encode('123456789');
  assert.equal(crc32c(enc, 0, enc.length), 0xe3069283);
  const v6 = (h: string): string | undefined => ipv6At(Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16)), 0);
  assert.equal(v6('fd770000000000000000000000000001'), 'fd77::1');
  assert.equal(v6('00000000000000000000000000000000'), '::');
  assert.equal(v6('20010db8000000010000000000000001'), '2001:db8:0:1::1');
  assert.equal(v6('20010db8000000000001000000000001'), '2001:db8::1:0:0:1');
  assert.equal(v6('20010db8000100010001000100010001'), '2001:db8:1:1:1:1:1:1');
  assert.equal(v6('00000000000000000000ffff0a4d0001'), '::ffff:10.77.0.1');
});
