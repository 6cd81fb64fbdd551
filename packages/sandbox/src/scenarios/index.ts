import { arpRequest, icmp4Echo, ndNa, tcpSyn } from '../frames';
import type { BuildContext, Scenario } from './types';

export type { Scenario, PacketSpec, VmSpec, Expectation, BuildContext } from './types';

/** Adds a switch port with addresses (and port security when asked). */
async function lsp(ctx: BuildContext, ls: string, port: string, addresses: string, portSecurity = false) {
  const args = ['--', 'lsp-add', ls, port, '--', 'lsp-set-addresses', port, addresses];
  if (portSecurity) args.push('--', 'lsp-set-port-security', port, addresses);
  await ctx.nbctl(...args);
}

const routing: Scenario = {
  name: 'routing',
  title: 'Two networks behind a router',
  story:
    'As in "OVN Routing and ovn-trace": vm1 (40:44:00:00:00:01, 192.168.0.11) on rt-network1 pings vm2 ' +
    '(40:44:00:00:00:02, 192.168.1.11) on rt-network2 through router rt-router1. The packet crosses three ' +
    'logical datapaths (switch ingress/egress, router, switch) over patch ports and arrives with ttl 63.',
  coexists: true,
  async build(ctx) {
    await ctx.nbctl('ls-add', 'rt-network1', '--', 'ls-add', 'rt-network2', '--', 'lr-add', 'rt-router1',
      '--', 'lrp-add', 'rt-router1', 'rt-router1-net1', '40:44:00:00:00:03', '192.168.0.1/24',
      '--', 'lrp-add', 'rt-router1', 'rt-router1-net2', '40:44:00:00:00:04', '192.168.1.1/24',
      '--', 'lsp-add', 'rt-network1', 'rt-net1-router1', '--', 'lsp-set-type', 'rt-net1-router1', 'router',
      '--', 'lsp-set-addresses', 'rt-net1-router1', 'router', '--', 'lsp-set-options', 'rt-net1-router1', 'router-port=rt-router1-net1',
      '--', 'lsp-add', 'rt-network2', 'rt-net2-router1', '--', 'lsp-set-type', 'rt-net2-router1', 'router',
      '--', 'lsp-set-addresses', 'rt-net2-router1', 'router', '--', 'lsp-set-options', 'rt-net2-router1', 'router-port=rt-router1-net2');
    await lsp(ctx, 'rt-network1', 'rt-vm1', '40:44:00:00:00:01 192.168.0.11');
    await lsp(ctx, 'rt-network2', 'rt-vm2', '40:44:00:00:00:02 192.168.1.11');
    await ctx.attach([
      { port: 'rt-vm1', mac: '40:44:00:00:00:01', ip: '192.168.0.11/24', gw: '192.168.0.1' },
      { port: 'rt-vm2', mac: '40:44:00:00:00:02', ip: '192.168.1.11/24', gw: '192.168.1.1' },
    ]);
  },
  packets: () => [
    {
      name: 'icmp-vm1-to-vm2',
      description: 'ICMP echo request from vm1 to vm2, routed by rt-router1: delivered to rt-vm2.',
      inPort: 'rt-vm1',
      datapath: 'rt-network1',
      microflow: 'inport == "rt-vm1" && eth.src == 40:44:00:00:00:01 && eth.dst == 40:44:00:00:00:03 && ip4.src == 192.168.0.11 && ip4.dst == 192.168.1.11 && ip.ttl == 64 && icmp4.type == 8 && icmp4.code == 0',
      frame: icmp4Echo({ src: '40:44:00:00:00:01', dst: '40:44:00:00:00:03' }, '192.168.0.11', '192.168.1.11'),
      expect: { dropped: false, outputs: ['rt-vm2'] },
    },
    {
      name: 'arp-for-gateway',
      description: 'vm1 asks who has 192.168.0.1: OVN answers the ARP itself and sends the reply back out of rt-vm1.',
      inPort: 'rt-vm1',
      datapath: 'rt-network1',
      microflow: 'inport == "rt-vm1" && eth.src == 40:44:00:00:00:01 && eth.dst == ff:ff:ff:ff:ff:ff && arp.op == 1 && arp.sha == 40:44:00:00:00:01 && arp.spa == 192.168.0.11 && arp.tha == 00:00:00:00:00:00 && arp.tpa == 192.168.0.1',
      frame: arpRequest({ src: '40:44:00:00:00:01', dst: 'ff:ff:ff:ff:ff:ff' }, '40:44:00:00:00:01', '192.168.0.11', '192.168.0.1'),
      expect: { dropped: false, outputs: ['rt-vm1'] },
    },
  ],
};

const trunk: Scenario = {
  name: 'trunk',
  title: 'Trunk ports: VLAN children inside VMs',
  story:
    'As in "Trunk ports in OVN": parent ports tr-vm1 and tr-vm2 on tr-network1 carry child ports tr-child1 ' +
    '(tag 30) and tr-child2 (tag 50) on tr-network2. A VLAN 30 frame from vm1 is matched on in_port and ' +
    'dl_vlan=30 in table 0, untagged (strip_vlan) and enters tr-network2 as tr-child1; it leaves towards ' +
    'tr-child2 re-tagged with VLAN 50 on tr-vm2\'s interface.',
  coexists: true,
  async build(ctx) {
    await ctx.nbctl('ls-add', 'tr-network1', '--', 'ls-add', 'tr-network2');
    await lsp(ctx, 'tr-network1', 'tr-vm1', '40:44:00:00:10:01 192.168.10.11');
    await lsp(ctx, 'tr-network1', 'tr-vm2', '40:44:00:00:10:02 192.168.10.12');
    await ctx.nbctl('--', 'lsp-add', 'tr-network2', 'tr-child1', 'tr-vm1', '30', '--', 'lsp-set-addresses', 'tr-child1', '40:44:00:00:10:03 192.168.11.13');
    await ctx.nbctl('--', 'lsp-add', 'tr-network2', 'tr-child2', 'tr-vm2', '50', '--', 'lsp-set-addresses', 'tr-child2', '40:44:00:00:10:04 192.168.11.14');
    await ctx.attach([
      { port: 'tr-vm1', mac: '40:44:00:00:10:01', ip: '192.168.10.11/24' },
      { port: 'tr-vm2', mac: '40:44:00:00:10:02', ip: '192.168.10.12/24' },
    ]);
  },
  packets: () => [
    {
      name: 'vlan30-child1-to-child2',
      description: 'ICMP from child1 (VLAN 30 inside vm1) to child2: untagged in table 0, delivered to tr-vm2 tagged 50.',
      inPort: 'tr-vm1',
      datapath: 'tr-network2',
      microflow: 'inport == "tr-child1" && eth.src == 40:44:00:00:10:03 && eth.dst == 40:44:00:00:10:04 && ip4.src == 192.168.11.13 && ip4.dst == 192.168.11.14 && ip.ttl == 64 && icmp4.type == 8 && icmp4.code == 0',
      frame: icmp4Echo({ src: '40:44:00:00:10:03', dst: '40:44:00:00:10:04', vlan: 30 }, '192.168.11.13', '192.168.11.14'),
      expect: { dropped: false, outputs: ['tr-vm2'] },
      ovnTraceExpect: { dropped: false, outputs: ['tr-child2'] },
    },
  ],
};

const PS = { vm1: '40:44:00:00:20:01', vm2: '40:44:00:00:20:02' };
const portSecurity: Scenario = {
  name: 'port-security',
  title: 'Where is my packet? Port security drops',
  story:
    'From "OVN: Where is my packet?": ps-vm1 has port security for its MAC, IPv4 and IPv6 addresses. A ' +
    'spoofed Ethernet source, a spoofed IPv4 source, and an IPv6 Neighbor Advertisement whose nd.target is ' +
    'not the VM\'s address are dropped by port security. In OVN 23.03 the checks are ls_in_check_port_sec ' +
    '(logical table 0, OpenFlow table 8 calling the check in table 73) and ls_in_apply_port_sec (logical ' +
    'table 1, OpenFlow table 9); the seed\'s older OVN had ls_in_port_sec_l2/_ip/_nd. Valid traffic is delivered.',
  coexists: true,
  async build(ctx) {
    await ctx.nbctl('ls-add', 'ps-network');
    await lsp(ctx, 'ps-network', 'ps-vm1', `${PS.vm1} 10.20.0.11 2001:db8::11`, true);
    await lsp(ctx, 'ps-network', 'ps-vm2', `${PS.vm2} 10.20.0.12 2001:db8::12`, true);
    await ctx.attach([
      { port: 'ps-vm1', mac: PS.vm1, ip: '10.20.0.11/24' },
      { port: 'ps-vm2', mac: PS.vm2, ip: '10.20.0.12/24' },
    ]);
  },
  packets: () => {
    const base = 'inport == "ps-vm1"';
    const drop = { dropped: true, dropStage: 'ls_in_apply_port_sec', dropTable: 9 };
    return [
      {
        name: 'icmp-valid',
        description: 'A valid ICMP echo from ps-vm1 to ps-vm2: delivered.',
        inPort: 'ps-vm1', datapath: 'ps-network',
        microflow: `${base} && eth.src == ${PS.vm1} && eth.dst == ${PS.vm2} && ip4.src == 10.20.0.11 && ip4.dst == 10.20.0.12 && ip.ttl == 64 && icmp4.type == 8 && icmp4.code == 0`,
        frame: icmp4Echo({ src: PS.vm1, dst: PS.vm2 }, '10.20.0.11', '10.20.0.12'),
        expect: { dropped: false, outputs: ['ps-vm2'] },
      },
      {
        name: 'spoofed-eth-src',
        description: 'Ethernet source 40:44:00:00:20:99 is not ps-vm1\'s MAC: dropped by port security.',
        inPort: 'ps-vm1', datapath: 'ps-network',
        microflow: `${base} && eth.src == 40:44:00:00:20:99 && eth.dst == ${PS.vm2} && ip4.src == 10.20.0.11 && ip4.dst == 10.20.0.12 && ip.ttl == 64 && icmp4.type == 8 && icmp4.code == 0`,
        frame: icmp4Echo({ src: '40:44:00:00:20:99', dst: PS.vm2 }, '10.20.0.11', '10.20.0.12'),
        expect: drop,
      },
      {
        name: 'spoofed-ip4-src',
        description: 'IPv4 source 10.20.0.99 is not ps-vm1\'s address: dropped by port security.',
        inPort: 'ps-vm1', datapath: 'ps-network',
        microflow: `${base} && eth.src == ${PS.vm1} && eth.dst == ${PS.vm2} && ip4.src == 10.20.0.99 && ip4.dst == 10.20.0.12 && ip.ttl == 64 && icmp4.type == 8 && icmp4.code == 0`,
        frame: icmp4Echo({ src: PS.vm1, dst: PS.vm2 }, '10.20.0.99', '10.20.0.12'),
        expect: drop,
      },
      {
        name: 'nd-na-bad-target',
        description: 'Unsolicited Neighbor Advertisement for 2001:db8::99, an address ps-vm1 does not own: dropped (the seed\'s NA story).',
        inPort: 'ps-vm1', datapath: 'ps-network',
        microflow: `${base} && eth.src == ${PS.vm1} && eth.dst == 33:33:00:00:00:01 && ip6.src == 2001:db8::11 && ip6.dst == ff02::1 && ip.ttl == 255 && nd_na && nd.target == 2001:db8::99 && nd.tll == ${PS.vm1}`,
        frame: ndNa({ src: PS.vm1, dst: '33:33:00:00:00:01' }, '2001:db8::11', 'ff02::1', '2001:db8::99', PS.vm1),
        expect: drop,
      },
      {
        name: 'nd-na-valid',
        description: 'Neighbor Advertisement for ps-vm1\'s own 2001:db8::11: flooded to ps-vm2.',
        inPort: 'ps-vm1', datapath: 'ps-network',
        microflow: `${base} && eth.src == ${PS.vm1} && eth.dst == 33:33:00:00:00:01 && ip6.src == 2001:db8::11 && ip6.dst == ff02::1 && ip.ttl == 255 && nd_na && nd.target == 2001:db8::11 && nd.tll == ${PS.vm1}`,
        frame: ndNa({ src: PS.vm1, dst: '33:33:00:00:00:01' }, '2001:db8::11', 'ff02::1', '2001:db8::11', PS.vm1),
        expect: { dropped: false, outputs: ['ps-vm2'] },
      },
    ];
  },
};

const AC = { vm1: '40:44:00:00:30:01', vm2: '40:44:00:00:30:02' };
const acl: Scenario = {
  name: 'acl',
  title: 'A to-lport ACL drops SSH after conntrack',
  story:
    'ac-vm2 is protected by two to-lport ACLs: priority 1002 drops TCP port 22, priority 1001 allows ICMP ' +
    'with allow-related. Because a stateful ACL exists, every IP packet is sent through conntrack ' +
    '(ct(table=...)) and the trace continues in a second pass after recirculation, where ls_out_acl ' +
    'drops the SSH SYN. ICMP is delivered.',
  coexists: true,
  async build(ctx) {
    await ctx.nbctl('ls-add', 'ac-network');
    await lsp(ctx, 'ac-network', 'ac-vm1', `${AC.vm1} 10.30.0.11`);
    await lsp(ctx, 'ac-network', 'ac-vm2', `${AC.vm2} 10.30.0.12`);
    await ctx.nbctl('--', 'acl-add', 'ac-network', 'to-lport', '1002', 'outport == "ac-vm2" && tcp.dst == 22', 'drop',
      '--', 'acl-add', 'ac-network', 'to-lport', '1001', 'outport == "ac-vm2" && icmp4', 'allow-related');
    await ctx.attach([
      { port: 'ac-vm1', mac: AC.vm1, ip: '10.30.0.11/24' },
      { port: 'ac-vm2', mac: AC.vm2, ip: '10.30.0.12/24' },
    ]);
  },
  packets: () => [
    {
      name: 'tcp-ssh-syn',
      description: 'TCP SYN to port 22 on ac-vm2: dropped by the to-lport ACL, in the pass after ct recirculation.',
      inPort: 'ac-vm1', datapath: 'ac-network',
      microflow: `inport == "ac-vm1" && eth.src == ${AC.vm1} && eth.dst == ${AC.vm2} && ip4.src == 10.30.0.11 && ip4.dst == 10.30.0.12 && ip.ttl == 64 && tcp.src == 40000 && tcp.dst == 22 && tcp.flags == 0x002`,
      frame: tcpSyn({ src: AC.vm1, dst: AC.vm2 }, '10.30.0.11', '10.30.0.12', 40000, 22),
      expect: { dropped: true, dropStage: 'ls_out_acl' },
    },
    {
      name: 'icmp-allowed',
      description: 'ICMP echo to ac-vm2: allowed (allow-related), delivered after conntrack.',
      inPort: 'ac-vm1', datapath: 'ac-network',
      microflow: `inport == "ac-vm1" && eth.src == ${AC.vm1} && eth.dst == ${AC.vm2} && ip4.src == 10.30.0.11 && ip4.dst == 10.30.0.12 && ip.ttl == 64 && icmp4.type == 8 && icmp4.code == 0`,
      frame: icmp4Echo({ src: AC.vm1, dst: AC.vm2 }, '10.30.0.11', '10.30.0.12'),
      expect: { dropped: false, outputs: ['ac-vm2'] },
    },
  ],
};

const CJ = { vm1: '40:44:00:00:40:01', vm2: '40:44:00:00:40:02', vm3: '40:44:00:00:40:03' };
const conjunction: Scenario = {
  name: 'conjunction',
  title: 'An ACL over a port group and an address set becomes a conjunction',
  story:
    'Port group cj_servers holds cj-vm2. An ACL allows ip4.src in address set $cj_clients (10.40.0.11, ' +
    '10.40.0.13) to TCP ports {80, 443} on the group, and a lower-priority ACL drops all other IPv4 to it. ' +
    'ovn-controller compiles the first ACL into conjunction(N,1/2) and conjunction(N,2/2) clause flows plus ' +
    'one conj_id=N flow. A SYN from cj-vm1 to port 80 matches the conjunction and is delivered; one to port ' +
    '8080 is dropped.',
  coexists: true,
  async build(ctx) {
    await ctx.nbctl('ls-add', 'cj-network');
    await lsp(ctx, 'cj-network', 'cj-vm1', `${CJ.vm1} 10.40.0.11`);
    await lsp(ctx, 'cj-network', 'cj-vm2', `${CJ.vm2} 10.40.0.12`);
    await lsp(ctx, 'cj-network', 'cj-vm3', `${CJ.vm3} 10.40.0.13`);
    await ctx.nbctl('--', 'pg-add', 'cj_servers', 'cj-vm2',
      '--', 'create', 'Address_Set', 'name=cj_clients', 'addresses="10.40.0.11","10.40.0.13"');
    await ctx.nbctl('--', 'acl-add', 'cj_servers', 'to-lport', '1001', 'outport == @cj_servers && ip4.src == $cj_clients && tcp.dst == {80, 443}', 'allow-related',
      '--', 'acl-add', 'cj_servers', 'to-lport', '1000', 'outport == @cj_servers && ip4', 'drop');
    await ctx.attach([
      { port: 'cj-vm1', mac: CJ.vm1, ip: '10.40.0.11/24' },
      { port: 'cj-vm2', mac: CJ.vm2, ip: '10.40.0.12/24' },
      { port: 'cj-vm3', mac: CJ.vm3, ip: '10.40.0.13/24' },
    ]);
  },
  packets: () => [
    {
      name: 'tcp-80-allowed',
      description: 'SYN from cj-vm1 (in $cj_clients) to cj-vm2:80 matches conj_id=N: delivered.',
      inPort: 'cj-vm1', datapath: 'cj-network',
      microflow: `inport == "cj-vm1" && eth.src == ${CJ.vm1} && eth.dst == ${CJ.vm2} && ip4.src == 10.40.0.11 && ip4.dst == 10.40.0.12 && ip.ttl == 64 && tcp.src == 40000 && tcp.dst == 80 && tcp.flags == 0x002`,
      frame: tcpSyn({ src: CJ.vm1, dst: CJ.vm2 }, '10.40.0.11', '10.40.0.12', 40000, 80),
      expect: { dropped: false, outputs: ['cj-vm2'] },
    },
    {
      name: 'tcp-8080-dropped',
      description: 'SYN from cj-vm1 to cj-vm2:8080 misses the conjunction and hits the drop ACL.',
      inPort: 'cj-vm1', datapath: 'cj-network',
      microflow: `inport == "cj-vm1" && eth.src == ${CJ.vm1} && eth.dst == ${CJ.vm2} && ip4.src == 10.40.0.11 && ip4.dst == 10.40.0.12 && ip.ttl == 64 && tcp.src == 40000 && tcp.dst == 8080 && tcp.flags == 0x002`,
      frame: tcpSyn({ src: CJ.vm1, dst: CJ.vm2 }, '10.40.0.11', '10.40.0.12', 40000, 8080),
      expect: { dropped: true, dropStage: 'ls_out_acl' },
    },
  ],
};

/** Parses one `ovs-ofctl --no-stats dump-flows` line into its cookie, table, match and actions. */
function splitFlow(line: string) {
  const m = /^\s*cookie=(0x[0-9a-f]+),\s*table=(\d+),\s*(.*?)\s+actions=(.*)$/.exec(line);
  if (!m) return undefined;
  return { cookie: m[1]!, table: Number(m[2]), match: m[3]!, actions: m[4]! };
}

export const BROKEN_CONJ_OFFSET = 1000;
/** The id the broken flow gets: N+1000, or N-1000 where N+1000 would not fit conj_id's 32 bits. */
export const brokenId = (id: number) => (id + BROKEN_CONJ_OFFSET > 0xffffffff ? id - BROKEN_CONJ_OFFSET : id + BROKEN_CONJ_OFFSET);

const brokenConjunction: Scenario = {
  name: 'broken-conjunction',
  title: 'The seed\'s bug: a conj_id that no clause refers to',
  story:
    'The real bug from "OVN: Where is my packet?", reproduced on purpose on top of the conjunction scenario: ' +
    'ovn-controller on hv1 is stopped, the conj_id=N flow of the cj_servers ACL is deleted and re-added with ' +
    `conj_id=N+${BROKEN_CONJ_OFFSET} and the same cookie. The clause flows still say conjunction(N,k/2), so ` +
    'the SYN that should match falls through to the drop ACL. `tracemap sandbox scenario broken-conjunction ' +
    '--repair` restarts ovn-controller, which reinstalls every flow.',
  coexists: false,
  requires: ['conjunction'],
  async build(ctx) {
    await ctx.stopController();
    const dump = await ctx.ofctl('--no-stats', 'dump-flows', 'br-int');
    const conj = dump.split('\n').map(splitFlow).filter((f) => f && /(^|,)conj_id=\d+/.test(f.match));
    // Only the cj_servers ACL's conjunction: its clause flows match the address set's 10.40.0.x sources.
    const clauseIds = new Set<string>();
    for (const l of dump.split('\n')) {
      if (!/nw_src=10\.40\.0\.1[13]/.test(l)) continue;
      for (const m of l.matchAll(/conjunction\((\d+),/g)) clauseIds.add(m[1]!);
    }
    let changed = 0;
    for (const f of conj) {
      const id = /(?:^|,)conj_id=(\d+)/.exec(f!.match)![1]!;
      if (!clauseIds.has(id)) continue;
      const newMatch = f!.match.replace(/(^|,)conj_id=\d+/, `$1conj_id=${brokenId(Number(id))}`);
      await ctx.ofctl('--strict', 'del-flows', 'br-int', `table=${f!.table},${f!.match}`);
      await ctx.ofctl('add-flow', 'br-int', `cookie=${f!.cookie},table=${f!.table},${newMatch},actions=${f!.actions}`);
      changed++;
    }
    if (changed === 0) throw new Error('broken-conjunction: found no conj_id flow of the conjunction scenario to break');
  },
  async repair(ctx) {
    await ctx.startController();
  },
  packets: () => [
    {
      name: 'tcp-80-falls-through',
      description: 'The SYN that the conjunction should allow: its clauses say conjunction(N,..), the flow now says conj_id=N+1000, so it is dropped by the drop ACL.',
      inPort: 'cj-vm1', datapath: 'cj-network',
      microflow: `inport == "cj-vm1" && eth.src == ${CJ.vm1} && eth.dst == ${CJ.vm2} && ip4.src == 10.40.0.11 && ip4.dst == 10.40.0.12 && ip.ttl == 64 && tcp.src == 40000 && tcp.dst == 80 && tcp.flags == 0x002`,
      frame: tcpSyn({ src: CJ.vm1, dst: CJ.vm2 }, '10.40.0.11', '10.40.0.12', 40000, 80),
      expect: { dropped: true, dropStage: 'ls_out_acl' },
      // ovn-trace reads the logical flows, which are intact: it says delivered. That disagreement is the finding.
      ovnTraceExpect: { dropped: false, outputs: ['cj-vm2'] },
    },
  ],
};

const UN = { vm1: '40:44:00:00:50:01' };
const unknown: Scenario = {
  name: 'unknown',
  title: 'Unknown destination floods through _MC_unknown to a localnet port',
  story:
    'un-network has un-vm1 and a localnet port un-ln (addresses "unknown", network_name physnet1, mapped ' +
    'to br-phys). A frame to a MAC that no port owns matches no L2 lookup entry and is output to the ' +
    '_MC_unknown multicast group, whose only member is the localnet port; it crosses the patch port into ' +
    'br-phys and leaves on un-phys0.',
  coexists: true,
  async build(ctx) {
    await ctx.nbctl('ls-add', 'un-network');
    await lsp(ctx, 'un-network', 'un-vm1', `${UN.vm1} 10.50.0.11`);
    await ctx.nbctl('--', 'lsp-add', 'un-network', 'un-ln', '--', 'lsp-set-type', 'un-ln', 'localnet',
      '--', 'lsp-set-addresses', 'un-ln', 'unknown', '--', 'lsp-set-options', 'un-ln', 'network_name=physnet1');
    await ctx.attach([
      { port: 'un-vm1', mac: UN.vm1, ip: '10.50.0.11/24' },
      { port: 'un-phys0', mac: '40:44:00:00:50:ff', ip: '10.50.0.254/24', bridge: 'br-phys' },
    ]);
  },
  packets: () => [
    {
      name: 'icmp-to-unknown-mac',
      description: 'ICMP to 40:44:00:00:50:99, a MAC no logical port owns: flooded via _MC_unknown to the localnet port.',
      inPort: 'un-vm1', datapath: 'un-network',
      microflow: `inport == "un-vm1" && eth.src == ${UN.vm1} && eth.dst == 40:44:00:00:50:99 && ip4.src == 10.50.0.11 && ip4.dst == 10.50.0.99 && ip.ttl == 64 && icmp4.type == 8 && icmp4.code == 0`,
      frame: icmp4Echo({ src: UN.vm1, dst: '40:44:00:00:50:99' }, '10.50.0.11', '10.50.0.99'),
      expect: { dropped: false, outputs: ['un-phys0'] },
      ovnTraceExpect: { dropped: false, outputs: ['un-ln'] },
    },
  ],
};

const LB = { vm1: '40:44:00:00:60:01', vm2: '40:44:00:00:60:02', vm3: '40:44:00:00:60:03' };
const loadBalancer: Scenario = {
  name: 'load-balancer',
  title: 'A load balancer VIP on a switch',
  story:
    'lb-web balances VIP 10.60.0.100:80 over lb-vm2 and lb-vm3 (10.60.0.12, 10.60.0.13) and is attached ' +
    'to lb-network. A SYN from lb-vm1 to the VIP is sent through ct_lb_mark: the trace recirculates after ' +
    'conntrack and the group picks a backend.',
  coexists: true,
  async build(ctx) {
    await ctx.nbctl('ls-add', 'lb-network');
    await lsp(ctx, 'lb-network', 'lb-vm1', `${LB.vm1} 10.60.0.11`);
    await lsp(ctx, 'lb-network', 'lb-vm2', `${LB.vm2} 10.60.0.12`);
    await lsp(ctx, 'lb-network', 'lb-vm3', `${LB.vm3} 10.60.0.13`);
    await ctx.nbctl('--', 'lb-add', 'lb-web', '10.60.0.100:80', '10.60.0.12:80,10.60.0.13:80', 'tcp', '--', 'ls-lb-add', 'lb-network', 'lb-web');
    // With the default dp_hash selection, ofproto/trace stops at "hash(l4(0)),recirc(0xb)": the bucket is
    // chosen in the datapath. Hash selection fields make OVS choose the bucket in userspace, so the trace
    // can follow the packet to its backend.
    await ctx.nbctl('set', 'Load_Balancer', 'lb-web', 'selection_fields=ip_dst,ip_src,tp_dst,tp_src');
    await ctx.attach([
      { port: 'lb-vm1', mac: LB.vm1, ip: '10.60.0.11/24' },
      { port: 'lb-vm2', mac: LB.vm2, ip: '10.60.0.12/24' },
      { port: 'lb-vm3', mac: LB.vm3, ip: '10.60.0.13/24' },
    ]);
  },
  packets: () => [
    {
      name: 'tcp-to-vip',
      description: 'SYN from lb-vm1 to the VIP 10.60.0.100:80, addressed to lb-vm2\'s MAC: load balanced and delivered.',
      inPort: 'lb-vm1', datapath: 'lb-network',
      microflow: `inport == "lb-vm1" && eth.src == ${LB.vm1} && eth.dst == ${LB.vm2} && ip4.src == 10.60.0.11 && ip4.dst == 10.60.0.100 && ip.ttl == 64 && tcp.src == 40000 && tcp.dst == 80 && tcp.flags == 0x002`,
      frame: tcpSyn({ src: LB.vm1, dst: LB.vm2 }, '10.60.0.11', '10.60.0.100', 40000, 80),
      expect: { dropped: false, outputs: ['lb-vm2'] },
    },
  ],
};

const GV = { vm1: '40:44:00:00:80:01', vm2: '40:44:00:00:80:02' };
const crossChassis: Scenario = {
  name: 'cross-chassis',
  title: 'Two chassis: the packet leaves through a Geneve tunnel',
  story:
    'gv-vm1 is bound on hv1 and gv-vm2 on hv2 (sandbox up --chassis 2), on one switch gv-network. The ' +
    'packet from gv-vm1 runs the ingress pipeline on hv1, which sets the tunnel key (tun_id = datapath, ' +
    'the logical ports in the Geneve option) and outputs it on the tunnel port ovn-hv2-0; hv2 runs the ' +
    'egress pipeline. In dummy mode the tunnel port is a plain port (no tunnel header in the datapath ' +
    'actions); in netns mode it is a real userspace Geneve port.',
  coexists: true,
  minChassis: 2,
  async build(ctx) {
    await ctx.nbctl('ls-add', 'gv-network');
    await lsp(ctx, 'gv-network', 'gv-vm1', `${GV.vm1} 10.80.0.11`);
    await lsp(ctx, 'gv-network', 'gv-vm2', `${GV.vm2} 10.80.0.12`);
    await ctx.attach([
      { port: 'gv-vm1', mac: GV.vm1, ip: '10.80.0.11/24' },
      { port: 'gv-vm2', mac: GV.vm2, ip: '10.80.0.12/24', chassis: 2 },
    ]);
  },
  packets: () => [
    {
      name: 'icmp-to-other-chassis',
      description: 'ICMP from gv-vm1 (hv1) to gv-vm2 (hv2): output to the Geneve tunnel port ovn-hv2-0 on hv1.',
      inPort: 'gv-vm1', datapath: 'gv-network',
      microflow: `inport == "gv-vm1" && eth.src == ${GV.vm1} && eth.dst == ${GV.vm2} && ip4.src == 10.80.0.11 && ip4.dst == 10.80.0.12 && ip.ttl == 64 && icmp4.type == 8 && icmp4.code == 0`,
      frame: icmp4Echo({ src: GV.vm1, dst: GV.vm2 }, '10.80.0.11', '10.80.0.12'),
      expect: { dropped: false, outputs: ['ovn-hv2-0'] },
      ovnTraceExpect: { dropped: false, outputs: ['gv-vm2'] },
    },
  ],
};

const ovsVlan: Scenario = {
  name: 'ovs-vlan',
  title: 'Plain OVS: an access port and a bonded trunk (no OVN)',
  story:
    'As in "OVS + DPDK Bond + VLAN + Network Namespace": bridge ov-br0 has an access port ov-tap1 with ' +
    'tag=2933 and a bond ov-bond0 of ov-eth0 and ov-eth1 as a trunk uplink. A frame tagged 2933 arriving on ' +
    'the bond is switched by the NORMAL action to ov-tap1 with its tag popped (and flooded to the bridge\'s ' +
    'own LOCAL port, which trunks every VLAN); the bond trunks only VLAN 2933, so a frame tagged 100 is dropped.',
  coexists: true,
  async build(ctx) {
    const dp = ctx.mode === 'dummy' ? 'dummy' : 'netdev';
    await ctx.vsctl('--', 'add-br', 'ov-br0', '--', 'set', 'Bridge', 'ov-br0', `datapath_type=${dp}`);
    await ctx.attach([{ port: 'ov-tap1', mac: '40:44:00:00:70:01', ip: '10.70.0.1/24', bridge: 'ov-br0', portSettings: ['tag=2933'] }]);
    if (ctx.mode === 'netns') await ctx.veths(['ov-eth0', 'ov-eth1']);
    await ctx.vsctl('--', 'add-bond', 'ov-br0', 'ov-bond0', 'ov-eth0', 'ov-eth1', '--', 'set', 'Port', 'ov-bond0', 'bond_mode=balance-slb', 'trunks=2933');
  },
  packets: () => [
    {
      name: 'vlan2933-to-tap1',
      description: 'A frame tagged 2933 from the bond member ov-eth0: NORMAL pops the tag and outputs it on ov-tap1.',
      inPort: 'ov-eth0', bridge: 'ov-br0', datapath: null, microflow: null,
      frame: icmp4Echo({ src: '40:44:00:00:70:02', dst: '40:44:00:00:70:01', vlan: 2933 }, '10.70.0.2', '10.70.0.1'),
      expect: { dropped: false, outputs: ['ov-tap1'] },
    },
    {
      name: 'vlan100-dropped',
      description: 'A frame tagged 100 from the bond: no port is in VLAN 100, so it is dropped.',
      inPort: 'ov-eth0', bridge: 'ov-br0', datapath: null, microflow: null,
      frame: icmp4Echo({ src: '40:44:00:00:70:02', dst: '40:44:00:00:70:01', vlan: 100 }, '10.70.0.2', '10.70.0.1'),
      expect: { dropped: true },
    },
  ],
};

export const SCENARIOS: Scenario[] = [routing, trunk, portSecurity, acl, conjunction, brokenConjunction, unknown, loadBalancer, ovsVlan, crossChassis];
export const COEXISTING = SCENARIOS.filter((s) => s.coexists).map((s) => s.name);
export const scenarioByName = (name: string) => SCENARIOS.find((s) => s.name === name);
