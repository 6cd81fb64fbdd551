export interface VmSpec {
  /** Logical switch port name = OVS interface name on the bridge (<= 15 chars: it names a veth in netns mode). */
  port: string;
  mac: string;
  /** CIDR inside the VM's namespace (netns mode), e.g. "192.168.0.11/24". */
  ip?: string;
  gw?: string;
  /** Bridge the interface joins (default br-int). */
  bridge?: string;
  /** Extra `ovs-vsctl set Port` settings, e.g. ["tag=2933"]. */
  portSettings?: string[];
  /** Chassis the VM is bound on (default 1). */
  chassis?: number;
  /** Set external_ids:iface-id (default true for br-int ports). */
  ifaceId?: boolean;
}

export interface Expectation {
  dropped: boolean;
  /** Interface names the packet must leave on (ofproto/trace) or logical ports it is output to (ovn-trace).
   *  Others may appear too: NORMAL floods also reach a bridge's LOCAL port. */
  outputs?: string[];
  /** Logical stage (OVN 23.03 names) where ovn-trace / detrace shows the drop. */
  dropStage?: string;
  /** OpenFlow table where the last pass ended, when dropped (OVS 3.1 / OVN 23.03 numbering). */
  dropTable?: number;
}

export interface PacketSpec {
  name: string;
  description: string;
  inPort: string;
  bridge?: string;
  /** Logical datapath (switch) for ovn-trace; null for plain-OVS scenarios. */
  datapath: string | null;
  microflow: string | null;
  frame: Uint8Array;
  expect: Expectation;
  /** Where the two tools are known to disagree, and why (shown in docs and tests). */
  ovnTraceExpect?: Expectation;
}

export interface BuildContext {
  mode: 'dummy' | 'netns';
  dir: string;
  nbctl(...args: string[]): Promise<string>;
  sbctl(...args: string[]): Promise<string>;
  vsctl(...args: string[]): Promise<string>;
  ofctl(...args: string[]): Promise<string>;
  appctl(target: string, ...args: string[]): Promise<string>;
  /** Attach VMs: an OVS interface each (and a namespace + veth in netns mode). */
  attach(vms: VmSpec[]): Promise<void>;
  /** netns mode: veth pairs in the root namespace (name + name'p'), recorded for cleanup. */
  veths(names: string[]): Promise<void>;
  /** ovn-controller's pidfile-based control (for broken-conjunction). */
  stopController(): Promise<void>;
  startController(): Promise<void>;
}

export interface Scenario {
  name: string;
  title: string;
  story: string;
  /** Can live in the sandbox together with every other coexisting scenario. */
  coexists: boolean;
  /** Chassis the sandbox needs (`up --chassis N`); `up --scenarios all` skips it with fewer. */
  minChassis?: number;
  /** Scenarios this one is applied on top of. */
  requires?: string[];
  build(ctx: BuildContext): Promise<void>;
  repair?(ctx: BuildContext): Promise<void>;
  packets(ctx: Pick<BuildContext, 'mode'>): PacketSpec[];
}
