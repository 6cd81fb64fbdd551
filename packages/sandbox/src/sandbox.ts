import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { run, sleep, type RunResult } from './exec';
import { isOurs, readPid, stopDaemon, type DaemonRecord } from './daemons';
import { centralPaths, chassisPaths, namespacePrefix, defaultSandboxDir } from './paths';
import type { BuildContext, VmSpec } from './scenarios/types';
import { scenarioByName, SCENARIOS } from './scenarios/index';

export type SandboxMode = 'dummy' | 'netns';

export interface SandboxState {
  version: 1;
  dir: string;
  mode: SandboxMode;
  chassis: number;
  nsPrefix: string;
  startedAt: string;
  /** 'starting' until every daemon is up and flows are installed. */
  phase: 'starting' | 'up';
  daemons: DaemonRecord[];
  /** Namespaces and links this sandbox created (recorded before creation, so a crash still cleans them). */
  namespaces: string[];
  links: string[];
  scenarios: string[];
  /** Scenario mutations that are in force (broken-conjunction). */
  applied: string[];
  /**
   * Daemons stopped on purpose (broken-conjunction stops hv1's ovn-controller). Written BEFORE the
   * stop, so a watchdog that looks in between never takes it for a crash.
   */
  stopped?: string[];
}

export interface UpOptions {
  mode?: SandboxMode;
  chassis?: number;
  scenarios?: string[];
  log?: (msg: string) => void;
}

export interface SandboxEnv {
  OVS_RUNDIR: string;
  OVN_RUNDIR: string;
  OVN_NB_DB: string;
  OVN_SB_DB: string;
  OVS_DB: string;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

export function defaultMode(): SandboxMode {
  return isRoot() ? 'netns' : 'dummy';
}

export class Sandbox {
  readonly dir: string;
  constructor(dir = defaultSandboxDir()) {
    this.dir = dir;
  }

  get statePath() {
    return join(this.dir, 'sandbox.json');
  }

  readState(): SandboxState | undefined {
    if (!existsSync(this.statePath)) return undefined;
    try {
      return JSON.parse(readFileSync(this.statePath, 'utf8')) as SandboxState;
    } catch {
      return undefined;
    }
  }

  private writeState(s: SandboxState) {
    writeFileSync(this.statePath, JSON.stringify(s, null, 2) + '\n');
  }

  /** The environment a user (or tracemap's host runner) needs to reach chassis `n`. */
  env(n = 1): SandboxEnv {
    const c = chassisPaths(this.dir, n);
    const { nbSock, sbSock } = centralPaths(this.dir);
    return { OVS_RUNDIR: c.dir, OVN_RUNDIR: c.dir, OVN_NB_DB: `unix:${nbSock}`, OVN_SB_DB: `unix:${sbSock}`, OVS_DB: `unix:${c.dbSock}` };
  }

  status(): { state: SandboxState | undefined; daemons: { name: string; pid?: number; running: boolean; expected: boolean; lastError?: string }[]; healthy: boolean } {
    const state = this.readState();
    if (!state) return { state, daemons: [], healthy: false };
    // broken-conjunction stops hv1's ovn-controller on purpose (or it would reinstall the flow).
    const stoppedOnPurpose = state.stopped ?? [];
    const daemons = state.daemons.map((d) => {
      const pid = readPid(d.pidfile) ?? d.pid;
      const running = isOurs(d, pid);
      return { name: d.name, pid, running, expected: !stoppedOnPurpose.includes(d.name), ...(running ? {} : { lastError: lastFatal(d) }) };
    });
    const healthy = state.phase === 'up' && daemons.length > 0 && daemons.every((d) => d.running || !d.expected);
    return { state, daemons, healthy };
  }

  // ---------------------------------------------------------------- up
  async up(opts: UpOptions = {}): Promise<SandboxState> {
    const log = opts.log ?? (() => {});
    const mode = opts.mode ?? defaultMode();
    const chassis = opts.chassis ?? 1;
    if (mode === 'netns' && !isRoot()) throw new Error('netns mode needs root (use --mode dummy)');
    if (chassis < 1 || chassis > 8) throw new Error('--chassis must be 1..8');

    const st = this.status();
    if (st.healthy && st.state && st.state.mode === mode && st.state.chassis >= chassis) {
      log(`sandbox already up in ${this.dir} (${mode}, ${st.state.chassis} chassis)`);
      await this.applyScenarios(opts.scenarios ?? [], log);
      return this.readState()!;
    }
    if (st.state || existsSync(this.dir)) {
      if (st.state) log(st.healthy ? 'sandbox up with other settings: restarting' : 'found a crashed or half-started sandbox: cleaning it');
      await this.cleanup(log);
    }
    mkdirSync(this.dir, { recursive: true });
    const state: SandboxState = {
      version: 1,
      dir: this.dir,
      mode,
      chassis,
      nsPrefix: namespacePrefix(this.dir),
      startedAt: new Date().toISOString(),
      phase: 'starting',
      daemons: [],
      namespaces: [],
      links: [],
      scenarios: [],
      applied: [],
    };
    this.writeState(state);
    const t0 = Date.now();
    await this.startCentral(state, log);
    for (let n = 1; n <= chassis; n++) await this.startChassis(state, n, log);
    await this.waitForHypervisors(state);
    await this.refreshTunnelNeighbors();
    state.phase = 'up';
    this.writeState(state);
    log(`OVS/OVN up in ${Date.now() - t0} ms`);
    await this.applyScenarios(opts.scenarios ?? [], log);
    return this.readState()!;
  }

  private async startDaemon(state: SandboxState, rec: DaemonRecord, argv: string[], env: Record<string, string>) {
    state.daemons.push(rec);
    this.writeState(state);
    await run(argv, { env, timeoutMs: 20_000 });
    rec.pid = readPid(rec.pidfile);
    if (!rec.pid || !isOurs(rec)) throw new Error(`${rec.name} did not start; see its log in ${this.dir}`);
    this.writeState(state);
  }

  private centralEnv(): Record<string, string> {
    const d = this.dir;
    return { OVS_RUNDIR: d, OVS_LOGDIR: d, OVS_DBDIR: d, OVS_SYSCONFDIR: d, OVN_RUNDIR: d, OVN_LOGDIR: d, OVN_DBDIR: d, OVN_SYSCONFDIR: d };
  }

  private chassisEnv(n: number): Record<string, string> {
    const d = chassisPaths(this.dir, n).dir;
    return { OVS_RUNDIR: d, OVS_LOGDIR: d, OVS_DBDIR: d, OVS_SYSCONFDIR: d, OVN_RUNDIR: d, OVN_LOGDIR: d, OVN_DBDIR: d, OVN_SYSCONFDIR: d };
  }

  private async startCentral(state: SandboxState, log: (m: string) => void) {
    const d = this.dir;
    const env = this.centralEnv();
    const c = centralPaths(d);
    for (const [db, schema, sock, name, global] of [
      ['ovnnb_db', '/usr/share/ovn/ovn-nb.ovsschema', c.nbSock, 'OVN_Northbound', 'NB_Global'],
      ['ovnsb_db', '/usr/share/ovn/ovn-sb.ovsschema', c.sbSock, 'OVN_Southbound', 'SB_Global'],
    ] as const) {
      await run(['ovsdb-tool', 'create', join(d, `${db}.db`), schema], { env });
      const pidfile = join(d, `${db}.pid`);
      // Remotes and SSL also from the database, as ovn-ctl starts them: `ovn-sbctl set-ssl` +
      // `set-connection pssl:...` then serve ssl: like a real deployment (the ssl tests do).
      const fromDb = [`--remote=db:${name},${global},connections`, `--private-key=db:${name},SSL,private_key`, `--certificate=db:${name},SSL,certificate`, `--ca-cert=db:${name},SSL,ca_cert`];
      await this.startDaemon(
        state,
        { name: db, binary: 'ovsdb-server', pidfile },
        ['ovsdb-server', '--detach', '--no-chdir', `--pidfile=${pidfile}`, `--log-file=${join(d, `${db}.log`)}`, `--remote=punix:${sock}`, ...fromDb, `--unixctl=${join(d, `${db}.ctl`)}`, join(d, `${db}.db`)],
        env,
      );
    }
    log('started NB and SB ovsdb-servers');
    const pidfile = join(d, 'ovn-northd.pid');
    await this.startDaemon(
      state,
      { name: 'ovn-northd', binary: 'ovn-northd', pidfile },
      ['ovn-northd', '--detach', '--no-chdir', `--pidfile=${pidfile}`, `--log-file=${join(d, 'ovn-northd.log')}`, `--unixctl=${join(d, 'ovn-northd.ctl')}`, `--ovnnb-db=unix:${c.nbSock}`, `--ovnsb-db=unix:${c.sbSock}`],
      env,
    );
    await run(['ovn-nbctl', `--db=unix:${c.nbSock}`, 'init'], { env });
    log('started ovn-northd');
  }

  private async startChassis(state: SandboxState, n: number, log: (m: string) => void) {
    const c = chassisPaths(this.dir, n);
    mkdirSync(c.dir, { recursive: true });
    const env = this.chassisEnv(n);
    const db = `--db=unix:${c.dbSock}`;
    await run(['ovsdb-tool', 'create', join(c.dir, 'conf.db'), '/usr/share/openvswitch/vswitch.ovsschema'], { env });
    const dbPid = join(c.dir, 'ovsdb-server.pid');
    await this.startDaemon(
      state,
      { name: `${c.name}/ovsdb-server`, binary: 'ovsdb-server', pidfile: dbPid },
      ['ovsdb-server', '--detach', '--no-chdir', `--pidfile=${dbPid}`, `--log-file=${join(c.dir, 'ovsdb-server.log')}`, `--remote=punix:${c.dbSock}`, `--unixctl=${join(c.dir, 'ovsdb-server.ctl')}`, join(c.dir, 'conf.db')],
      env,
    );
    await run(['ovs-vsctl', db, '--no-wait', 'init'], { env });
    // dummy: every netdev is a dummy and so is the datapath; netns: real veths on the userspace
    // (netdev) datapath, with the dummy classes registered but not overriding "system".
    const dummy = state.mode === 'dummy' ? '--enable-dummy=override' : '--enable-dummy';
    const vsPid = join(c.dir, 'ovs-vswitchd.pid');
    // netns mode: the userspace datapath creates tap devices named after the datapath ("ovs-netdev") and
    // each bridge; run every chassis's vswitchd in a namespace of its own so they never collide with
    // each other, with a system OVS, or with another sandbox. Unix sockets still live in the directory.
    const wrap: string[] = [];
    if (state.mode === 'netns') {
      const ns = this.chassisNs(state, n);
      state.namespaces.push(ns);
      this.writeState(state);
      await run(['ip', 'netns', 'add', ns]);
      await run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
      wrap.push('ip', 'netns', 'exec', ns);
    }
    await this.startDaemon(
      state,
      { name: `${c.name}/ovs-vswitchd`, binary: 'ovs-vswitchd', pidfile: vsPid },
      [...wrap, 'ovs-vswitchd', dummy, '--disable-system', '--detach', '--no-chdir', `--pidfile=${vsPid}`, `--log-file=${join(c.dir, 'ovs-vswitchd.log')}`, `unix:${c.dbSock}`],
      env,
    );
    const { sbSock } = centralPaths(this.dir);
    const dpType = state.mode === 'dummy' ? 'dummy' : 'netdev';
    // dummy: tunnel ports are plain ports, any address will do. netns: the userspace datapath
    // routes Geneve itself, so the encap IP lives on an OVS bridge wired to the underlay.
    const encapIp = state.mode === 'netns' ? `10.255.0.${n}` : c.encapIp;
    await run(
      [
        'ovs-vsctl', db,
        '--', 'set', 'Open_vSwitch', '.', `external_ids:system-id=${c.name}`, `external_ids:hostname=sandbox-${c.name}`,
        `external_ids:ovn-remote=unix:${sbSock}`, 'external_ids:ovn-encap-type=geneve', `external_ids:ovn-encap-ip=${encapIp}`,
        'external_ids:ovn-bridge-mappings=physnet1:br-phys',
        '--', 'add-br', 'br-int', '--', 'set', 'Bridge', 'br-int', `datapath_type=${dpType}`, 'fail-mode=secure', 'other-config:disable-in-band=true',
        '--', 'add-br', 'br-phys', '--', 'set', 'Bridge', 'br-phys', `datapath_type=${dpType}`,
      ],
      { env },
    );
    if (state.mode === 'netns') await this.wireUnderlay(state, n, encapIp);
    const ctlPid = join(c.dir, 'ovn-controller.pid');
    await this.startDaemon(
      state,
      { name: `${c.name}/ovn-controller`, binary: 'ovn-controller', pidfile: ctlPid },
      ['ovn-controller', '--detach', '--no-chdir', `--pidfile=${ctlPid}`, `--log-file=${join(c.dir, 'ovn-controller.log')}`, `unix:${c.dbSock}`],
      env,
    );
    log(`started chassis ${c.name} (${state.mode}, encap ${encapIp})`);
  }

  /**
   * netns mode: a Linux bridge in namespace <prefix>underlay stands for the physical network; each
   * chassis gets a veth from it into its own namespace, as a port of OVS bridge br-ul, whose
   * internal interface carries the chassis's encap IP. OVS's userspace tunnelling then resolves
   * routes and ARP for Geneve over it, as on a DPDK host.
   */
  private async wireUnderlay(state: SandboxState, n: number, ip: string) {
    const ul = `${state.nsPrefix}underlay`;
    const hv = this.chassisNs(state, n);
    if (!state.namespaces.includes(ul)) {
      state.namespaces.push(ul);
      this.writeState(state);
      await run(['ip', 'netns', 'add', ul]);
      await run(['ip', '-n', ul, 'link', 'add', 'ul-br', 'type', 'bridge']);
      await run(['ip', '-n', ul, 'link', 'set', 'ul-br', 'up']);
    }
    await run(['ip', '-n', ul, 'link', 'add', `ul-hv${n}`, 'type', 'veth', 'peer', 'name', 'ul0', 'netns', hv]);
    await run(['ip', '-n', ul, 'link', 'set', `ul-hv${n}`, 'master', 'ul-br', 'up']);
    await run(['ip', '-n', hv, 'link', 'set', 'ul0', 'up']);
    await this.vsctl(['--', 'add-br', 'br-ul', '--', 'set', 'Bridge', 'br-ul', 'datapath_type=netdev', '--', 'add-port', 'br-ul', 'ul0'], n);
    await run(['ip', '-n', hv, 'addr', 'add', `${ip}/24`, 'dev', 'br-ul']);
    await run(['ip', '-n', hv, 'link', 'set', 'br-ul', 'up']);
  }

  /**
   * netns mode with several chassis: tell each chassis's userspace tunnel code the underlay MAC of
   * every other chassis (`tnl/neigh/set`), so ofproto/trace shows tnl_push on the first try
   * instead of "neighbor cache miss ... sending ARP request". OVS ages entries out (tnl/neigh/aging),
   * so `tracemap serve`'s watchdog calls this again now and then.
   */
  async refreshTunnelNeighbors(): Promise<void> {
    const state = this.readState();
    if (!state || state.mode !== 'netns' || state.chassis < 2) return;
    const macs: string[] = [];
    for (let n = 1; n <= state.chassis; n++) {
      const r = await run(['ip', '-n', this.chassisNs(state, n), '-o', 'link', 'show', 'br-ul'], { allowFail: true });
      macs[n] = /link\/ether ([0-9a-f:]{17})/.exec(r.stdout)?.[1] ?? '';
    }
    for (let i = 1; i <= state.chassis; i++) {
      for (let j = 1; j <= state.chassis; j++) {
        if (i !== j && macs[j]) await this.tool(['ovs-appctl', 'tnl/neigh/set', 'br-ul', `10.255.0.${j}`, macs[j]!], i, true);
      }
    }
  }

  /** ovn-controller has registered every chassis and installed flows when --wait=hv returns. */
  private async waitForHypervisors(state: SandboxState) {
    const sb = this.env().OVN_SB_DB;
    for (let i = 0; i < 200; i++) {
      const r = await run(['ovn-sbctl', `--db=${sb}`, '--bare', '--columns=name', 'list', 'Chassis'], { allowFail: true });
      if (r.stdout.split('\n').filter(Boolean).length >= state.chassis) break;
      await sleep(100);
    }
    await this.nbctl(['--wait=hv', '--timeout=60', 'sync']);
  }

  // ---------------------------------------------------------------- down
  async down(log: (m: string) => void = () => {}): Promise<void> {
    await this.cleanup(log);
  }

  /** Stops exactly what the state file says we started, removes our namespaces and links, then the directory. */
  private async cleanup(log: (m: string) => void) {
    const state = this.readState();
    if (state) {
      const order = [...state.daemons].reverse();
      for (const d of order) {
        const r = await stopDaemon(d);
        if (r === 'stopped') log(`stopped ${d.name}`);
      }
      for (const ns of state.namespaces) {
        const r = await run(['ip', 'netns', 'del', ns], { allowFail: true });
        if (r.code === 0) log(`deleted namespace ${ns}`);
      }
      for (const link of state.links) {
        await run(['ip', 'link', 'del', link], { allowFail: true });
      }
    }
    if (existsSync(this.dir)) {
      // Only remove what the sandbox writes: refuse to wipe a directory that is not ours.
      const entries = readdirSync(this.dir);
      const ours = entries.every((e) => /^(sandbox\.json|hv\d+|ovn[ns]b_db\.\w+|ovn-northd\.\w+|packets|\.ovn.*|.*\.(pcap|sock|ctl|log|pid|db))$/.test(e));
      if (!ours) throw new Error(`${this.dir} holds files the sandbox did not write; refusing to delete it`);
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  // ---------------------------------------------------------------- tools
  async tool(argv: string[], n = 1, allowFail = false): Promise<RunResult> {
    return run(argv, { env: { ...this.chassisEnv(n), OVN_NB_DB: this.env().OVN_NB_DB, OVN_SB_DB: this.env().OVN_SB_DB }, timeoutMs: 60_000, allowFail });
  }
  async nbctl(args: string[]) {
    return (await this.tool(['ovn-nbctl', `--db=${this.env().OVN_NB_DB}`, ...args])).stdout;
  }
  async sbctl(args: string[]) {
    return (await this.tool(['ovn-sbctl', `--db=${this.env().OVN_SB_DB}`, ...args])).stdout;
  }
  async vsctl(args: string[], n = 1) {
    return (await this.tool(['ovs-vsctl', `--db=${this.env(n).OVS_DB}`, ...args], n)).stdout;
  }
  async ofctl(args: string[], n = 1) {
    return (await this.tool(['ovs-ofctl', ...args], n)).stdout;
  }
  async appctl(target: string, args: string[], n = 1) {
    return (await this.tool(['ovs-appctl', '-t', target, ...args], n)).stdout;
  }

  // ---------------------------------------------------------------- scenarios
  async applyScenarios(names: string[], log: (m: string) => void = () => {}) {
    const chassis = this.readState()?.chassis ?? 1;
    for (const name of names) {
      const need = scenarioByName(name)?.minChassis ?? 1;
      if (need > chassis) log(`skipped scenario ${name}: it needs --chassis ${need}`);
      else await this.applyScenario(name, log);
    }
    if (names.length) await this.nbctl(['--wait=hv', '--timeout=60', 'sync']);
  }

  async applyScenario(name: string, log: (m: string) => void = () => {}, opts: { repair?: boolean } = {}) {
    const scn = scenarioByName(name);
    if (!scn) throw new Error(`unknown scenario "${name}"; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
    const state = this.readState();
    if (!state || state.phase !== 'up') throw new Error('the sandbox is not up: run `tracemap sandbox up` first');
    if ((scn.minChassis ?? 1) > state.chassis) throw new Error(`scenario ${name} needs ${scn.minChassis} chassis; this sandbox has ${state.chassis}: run \`tracemap sandbox up --chassis ${scn.minChassis}\``);
    for (const dep of scn.requires ?? []) if (!state.scenarios.includes(dep)) await this.applyScenario(dep, log);
    const ctx = this.context();
    if (opts.repair) {
      if (!scn.repair) throw new Error(`scenario ${name} has nothing to repair`);
      await scn.repair(ctx);
      const s = this.readState()!;
      s.applied = s.applied.filter((a) => a !== name);
      s.scenarios = s.scenarios.filter((a) => a !== name);
      this.writeState(s);
      log(`repaired ${name}`);
      return;
    }
    if (state.scenarios.includes(name)) {
      log(`scenario ${name} already applied`);
      return;
    }
    const t0 = Date.now();
    await scn.build(ctx);
    if (scn.coexists) await this.nbctl(['--wait=hv', '--timeout=60', 'sync']);
    const s = this.readState()!;
    s.scenarios.push(name);
    if (!scn.coexists) s.applied.push(name);
    this.writeState(s);
    log(`applied scenario ${name} in ${Date.now() - t0} ms`);
  }

  context(): BuildContext {
    const state = this.readState()!;
    const self = this;
    return {
      mode: state.mode,
      dir: this.dir,
      nbctl: (...a) => this.nbctl(a),
      sbctl: (...a) => this.sbctl(a),
      vsctl: (...a) => this.vsctl(a),
      ofctl: (...a) => this.ofctl(a),
      appctl: (t, ...a) => this.appctl(t, a),
      attach: (vms) => this.attach(vms),
      veths: (names) => this.veths(names),
      async stopController() {
        const s = self.readState()!;
        const d = s.daemons.find((x) => x.name === 'hv1/ovn-controller');
        if (!d) return;
        s.stopped = [...new Set([...(s.stopped ?? []), d.name])];
        self.writeState(s);
        await stopDaemon(d);
      },
      async startController() {
        const s = self.readState()!;
        const d = s.daemons.find((x) => x.name === 'hv1/ovn-controller');
        if (!d) return;
        if (isOurs(d)) {
          s.stopped = (s.stopped ?? []).filter((n) => n !== d.name);
          self.writeState(s);
          return;
        }
        const c = chassisPaths(self.dir, 1);
        await run(['ovn-controller', '--detach', '--no-chdir', `--pidfile=${d.pidfile}`, `--log-file=${join(c.dir, 'ovn-controller.log')}`, `unix:${c.dbSock}`], { env: self.chassisEnv(1) });
        d.pid = readPid(d.pidfile);
        s.stopped = (s.stopped ?? []).filter((n) => n !== d.name);
        self.writeState(s);
        await self.nbctl(['--wait=hv', '--timeout=60', 'sync']);
      },
    };
  }

  /** One OVS interface per VM; in netns mode also a namespace with the VM's address and a veth. */
  async attach(vms: VmSpec[]) {
    const state = this.readState()!;
    for (const vm of vms) {
      const bridge = vm.bridge ?? 'br-int';
      const ifaceId = vm.ifaceId ?? bridge === 'br-int';
      const n = vm.chassis ?? 1;
      if (n > state.chassis) throw new Error(`${vm.port} belongs on chassis hv${n}, but the sandbox has ${state.chassis}: run \`tracemap sandbox up --chassis ${n}\``);
      if (state.mode === 'netns') {
        const ns = state.nsPrefix + vm.port;
        state.namespaces.push(ns);
        this.writeState(state);
        const hv = this.chassisNs(state, n);
        await run(['ip', 'netns', 'add', ns]);
        // Create the pair inside the chassis namespace, so names never clash in the root namespace.
        await run(['ip', '-n', hv, 'link', 'add', vm.port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
        const inNs = (...a: string[]) => run(['ip', '-n', ns, ...a]);
        await inNs('link', 'set', 'eth0', 'address', vm.mac);
        if (vm.ip) await inNs('addr', 'add', vm.ip, 'dev', 'eth0');
        await inNs('link', 'set', 'lo', 'up');
        await inNs('link', 'set', 'eth0', 'up');
        if (vm.gw) await inNs('route', 'add', 'default', 'via', vm.gw);
        await run(['ip', '-n', hv, 'link', 'set', vm.port, 'up']);
        // veth checksum offload would hand the userspace datapath TCP/UDP with partial checksums.
        await run(['ip', 'netns', 'exec', ns, 'ethtool', '-K', 'eth0', 'tx', 'off'], { allowFail: true });
      }
      const args = ['--', 'add-port', bridge, vm.port];
      if (vm.portSettings?.length) args.push('--', 'set', 'Port', vm.port, ...vm.portSettings);
      if (ifaceId) args.push('--', 'set', 'Interface', vm.port, `external_ids:iface-id=${vm.port}`);
      await this.vsctl(args, n);
    }
  }

  async veths(names: string[]) {
    const state = this.readState()!;
    for (const n of names) {
      const hv = this.chassisNs(state);
      await run(['ip', '-n', hv, 'link', 'add', n, 'type', 'veth', 'peer', 'name', `${n}p`]);
      await run(['ip', '-n', hv, 'link', 'set', n, 'up']);
      await run(['ip', '-n', hv, 'link', 'set', `${n}p`, 'up']);
    }
  }

  /** netns mode: the namespace that chassis n's ovs-vswitchd (and the VMs' outer veth ends) live in. */
  chassisNs(state: Pick<SandboxState, 'nsPrefix'>, n = 1) {
    return `${state.nsPrefix}hv${n}`;
  }

  /** The interface's OpenFlow port number on its bridge. */
  async ofport(iface: string): Promise<number> {
    return Number((await this.vsctl(['get', 'Interface', iface, 'ofport'])).trim());
  }
}

/** The last EMER/ERR line of a dead daemon's log (its log sits beside its pidfile). */
function lastFatal(d: DaemonRecord): string | undefined {
  const log = d.pidfile.replace(/\.pid$/, '.log');
  if (!existsSync(log)) return undefined;
  const lines = readFileSync(log, 'utf8').split('\n').filter((l) => /\|(EMER|ERR)\|/.test(l));
  return lines.at(-1);
}
