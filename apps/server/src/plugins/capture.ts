import fp from 'fastify-plugin';
import { CaptureIfaceKind, type CaptureInterface, type CaptureListing, type CaptureRequest } from '@tracemap/model';
import websocket from '@fastify/websocket';
import pty from 'node-pty';
import { sshArgv, sslArgs, type Target } from '@tracemap/host';
import { parsePacketText } from '@tracemap/parsers';
import { ApiError } from '../errors';
import { HostCache } from '../services/cache';
import { parseDump, strOf } from '../services/ovsdb';
import { TcpdumpStream } from '../services/tcpdump-stream';

/*
 * Live capture: tcpdump on a host's interface (or inside a namespace), streamed packet by packet.
 *
 * tcpdump runs under a pty (node-pty) so that, as on a terminal, it is line-buffered and a lost
 * server takes it down: the kernel hangs up the pty when our end closes, even on SIGKILL. Every
 * capture is also killed by pid when its socket closes, at its caps, and on server close.
 *
 * What may be captured comes from the host itself, never from the client: OVS interfaces that are
 * real kernel devices in ovs-vswitchd's network namespace (same name and MAC as Interface
 * mac_in_use), and, for the netns sandbox, each VM's namespace `<prefix><port>` next to the
 * chassis namespace `<prefix>hv1` that ovs-vswitchd runs in.
 */

export const CAPTURE_LIMITS = {
  maxCount: 1000,
  defaultCount: 20,
  defaultSeconds: 60,
  maxSeconds: 600,
  /** tcpdump output per capture (its -XX text), then it is stopped. */
  maxBytes: 4 * 1024 * 1024,
  /** Captures running at once on one host, all clients together. */
  perHost: 4,
  /** BPF filter text, passed to tcpdump as one argv element. */
  maxFilterLength: 1000,
} as const;

/** A packet block is complete when tcpdump has been quiet this long after its last line. */
const QUIET_MS = 40;

export { CaptureIfaceKind, type CaptureInterface, type CaptureListing } from '@tracemap/model';

export const CaptureErrorKind = {
  badRequest: 'bad-request',
  notFound: 'not-found',
  badFilter: 'bad-filter',
  busy: 'busy',
  limit: 'limit',
  unavailable: 'unavailable',
  toolFailed: 'tool-failed',
  internal: 'internal',
} as const;
export type CaptureErrorKind = (typeof CaptureErrorKind)[keyof typeof CaptureErrorKind];

export class CaptureError extends Error {
  constructor(
    readonly kind: CaptureErrorKind,
    message: string,
    readonly extra: { where?: string; output?: string } = {},
  ) {
    super(message);
  }
}

export const EndReason = {
  count: 'count',
  time: 'time',
  bytes: 'bytes',
  stopped: 'stopped',
  closed: 'closed',
  serverClosing: 'server-closing',
  exited: 'exited',
} as const;
export type EndReason = (typeof EndReason)[keyof typeof EndReason];

export type { CaptureRequest } from '@tracemap/model';

/** What the socket says, in order: started, packet*, ended | error. */
export type CaptureEvent =
  | {
      type: 'started';
      id: string;
      host: string;
      iface: string;
      namespace?: string;
      /** The OVS interface to trace captured packets from. */
      inPort: string;
      filter: string;
      count: number;
      seconds: number;
      argv: string[];
    }
  | {
      type: 'packet';
      index: number;
      /** The tcpdump -XX block (header line + hex lines), as a user would paste it. */
      text: string;
      hex: string;
      /** tracemap's decoded one-line summary. */
      summary: string;
      /** tcpdump's own header line. */
      tcpdump?: string;
      timestamp?: string;
      length: number;
      diagnostics: string[];
    }
  | { type: 'info'; text: string }
  | { type: 'ended'; reason: EndReason; packets: number; bytes: number; durationMs: number; exitCode: number | null; message: string }
  | { type: 'error'; kind: CaptureErrorKind; message: string; where?: string; output?: string };

export interface CaptureHandle {
  readonly id: string;
  readonly pid: number | undefined;
  stop(reason?: EndReason): Promise<void>;
  /** Resolves when tcpdump has exited (or never started). */
  readonly done: Promise<void>;
}

export interface CaptureService {
  interfaces(target: Target, refresh?: boolean): Promise<CaptureListing>;
  /** Validates, dry-compiles the filter, starts tcpdump. Throws CaptureError before anything runs. */
  start(req: CaptureRequest, client: string, emit: (e: CaptureEvent) => void): Promise<CaptureHandle>;
  /** Captures running now (for tests and health). */
  running(): { id: string; host: string; iface: string; namespace?: string; client: string; pid: number | undefined }[];
}

declare module 'fastify' {
  interface FastifyInstance {
    capture: CaptureService;
  }
}

export interface CapturePluginOptions {
  perHost?: number;
  maxBytes?: number;
}

// ------------------------------------------------------------------ discovery helpers (pure)

interface Link {
  name: string;
  mac?: string;
  up: boolean;
}

/** `ip -o link show`: `5: rt-vm1@if2: <BROADCAST,...,UP,LOWER_UP> mtu 1500 ... link/ether 72:17:6a:46:51:e9 brd ...` */
export function parseIpLinks(text: string): Link[] {
  const out: Link[] = [];
  for (const line of text.split('\n')) {
    const m = /^\d+:\s+([^:@\s]+)(?:@\S+)?:\s+<([^>]*)>/.exec(line);
    if (!m) continue;
    const link: Link = { name: m[1]!, up: m[2]!.split(',').includes('UP') };
    const mac = /link\/ether ([0-9a-f:]{17})/.exec(line)?.[1];
    if (mac) link.mac = mac;
    out.push(link);
  }
  return out;
}

/** `ip netns list`: `tm-rt-vm1 (id: 3)` or just `tm-rt-vm1`. */
export function parseNetnsList(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean);
}

const IFACE = /^[A-Za-z0-9_][A-Za-z0-9_.:@+-]{0,14}$/;
const NETNS = /^[A-Za-z0-9_][A-Za-z0-9_.:@+-]{0,254}$/;

// ------------------------------------------------------------------ the plugin

interface Session {
  id: string;
  host: string;
  iface: string;
  namespace: string | undefined;
  client: string;
  proc: pty.IPty | undefined;
  handle: CaptureHandle;
}

export const capturePlugin = fp<CapturePluginOptions>(
  async (app, opts) => {
    const perHost = opts.perHost ?? CAPTURE_LIMITS.perHost;
    const maxBytes = opts.maxBytes ?? CAPTURE_LIMITS.maxBytes;
    const lookupMs = app.config.timeouts.lookupMs;

    // The WebSocket transport, unless someone registered it already (a terminal route, say).
    if (!app.hasDecorator('websocketServer')) await app.register(websocket, { options: { maxPayload: 64 * 1024 } });

    const run = async (target: Target, argv: string[]) => app.hosts.run(target, argv, { timeoutMs: lookupMs, maxBytes: 4 * 1024 * 1024 });
    const nsWrap = (ns: string | undefined) => (ns ? ['ip', 'netns', 'exec', ns] : []);

    const links = async (target: Target, ns: string | null, warnings: string[]): Promise<Link[]> => {
      const r = await run(target, ns ? ['ip', '-n', ns, '-o', 'link', 'show'] : ['ip', '-o', 'link', 'show']);
      if (r.exitCode !== 0) {
        warnings.push(`ip link in ${ns ?? 'the root namespace'}: ${r.stderr.trim().slice(0, 200) || `exit ${r.exitCode}`}`);
        return [];
      }
      return parseIpLinks(r.stdout);
    };

    /** ovs-vswitchd's namespace from its pidfile: `ip netns identify PID` (empty = root). */
    const vswitchdNamespace = async (target: Target, warnings: string[]): Promise<string | null> => {
      const pidfile = `${target.ovsRundir ?? '/var/run/openvswitch'}/ovs-vswitchd.pid`;
      const p = await run(target, ['cat', pidfile]);
      const pid = /^\s*(\d+)/.exec(p.stdout)?.[1];
      if (p.exitCode !== 0 || !pid) {
        warnings.push(`could not read ${pidfile} (${p.stderr.trim().slice(0, 200)}): assuming ovs-vswitchd runs in the root namespace`);
        return null;
      }
      const r = await run(target, ['ip', 'netns', 'identify', pid]);
      return r.exitCode === 0 && r.stdout.trim() ? r.stdout.trim().split('\n')[0]! : null;
    };

    const build = async (target: Target): Promise<CaptureListing> => {
      const warnings: string[] = [];
      const inv = await app.inventory.get(target);
      warnings.push(...inv.warnings);
      const ovs = new Map<string, { bridge: string; ofport: number | null; mac?: string }>();
      for (const b of inv.bridges) for (const p of b.ports) if (p.type !== 'patch') ovs.set(p.name, { bridge: b.name, ofport: p.ofport });
      if (target.ovsDb) {
        const r = await run(target, ['ovsdb-client', ...sslArgs(target), '-f', 'json', 'dump', target.ovsDb, 'Open_vSwitch', 'Interface', 'name', 'mac_in_use']);
        if (r.exitCode === 0) {
          for (const row of parseDump(r.stdout).get('Interface') ?? []) {
            const o = ovs.get(strOf(row.name) ?? '');
            const mac = strOf(row.mac_in_use);
            if (o && mac) o.mac = mac.toLowerCase();
          }
        } else warnings.push(`Interface mac_in_use: ${r.stderr.trim().slice(0, 200)}`);
      }
      const listing: CaptureListing = { host: target.name, available: false, vswitchdNamespace: null, interfaces: [], warnings };
      if (ovs.size === 0) {
        listing.reason = `host ${target.name} has no OVS interfaces to capture on${inv.warnings.length ? ` (${inv.warnings[0]})` : ''}`;
        return listing;
      }
      const vns = await vswitchdNamespace(target, warnings);
      listing.vswitchdNamespace = vns;
      // Same name AND same MAC as OVS sees it: a dummy sandbox's "br-int" is not the system's br-int.
      const same = (l: Link) => {
        const o = ovs.get(l.name);
        return !!o && (!o.mac || !l.mac || o.mac === l.mac.toLowerCase());
      };
      for (const l of await links(target, vns, warnings)) {
        if (!same(l)) continue;
        const o = ovs.get(l.name)!;
        const e: CaptureInterface = { iface: l.name, kind: 'ovs-port', port: l.name, bridge: o.bridge, ofport: o.ofport, up: l.up };
        if (vns) e.namespace = vns;
        if (l.mac) e.mac = l.mac;
        listing.interfaces.push(e);
      }
      // The netns sandbox: vswitchd in "<prefix>hv1", VM of port P in "<prefix>P" (packages/sandbox).
      const prefix = vns ? /^(.+)hv\d+$/.exec(vns)?.[1] : undefined;
      if (prefix) {
        const ls = await run(target, ['ip', 'netns', 'list']);
        const names = new Set(parseNetnsList(ls.stdout));
        const ports = listing.interfaces.filter((i) => i.kind === 'ovs-port');
        const vms = ports.filter((p) => names.has(prefix + p.port));
        const found = await Promise.all(vms.map(async (p) => ({ p, links: await links(target, prefix + p.port, warnings) })));
        for (const { p, links: ls2 } of found) {
          for (const l of ls2) {
            if (l.name === 'lo') continue;
            const e: CaptureInterface = { iface: l.name, namespace: prefix + p.port, kind: 'vm', port: p.port, bridge: p.bridge, ofport: p.ofport, up: l.up };
            if (l.mac) e.mac = l.mac;
            listing.interfaces.push(e);
          }
        }
      }
      listing.interfaces.sort((a, b) => a.port.localeCompare(b.port) || a.kind.localeCompare(b.kind) || a.iface.localeCompare(b.iface));
      listing.available = listing.interfaces.length > 0;
      if (!listing.available) {
        listing.reason =
          `capture needs the netns sandbox or a real host: none of the ${ovs.size} OVS interfaces of host ${target.name} is a network device ` +
          `in ovs-vswitchd's namespace (${vns ?? 'root'}); the dummy sandbox's interfaces exist only inside ovs-vswitchd`;
      }
      return listing;
    };

    const cache = new HostCache<CaptureListing>(10_000, (name) => build(app.hosts.get(name)));
    const interfaces = async (target: Target, refresh = false) => (await cache.get(target.name, refresh)).value;

    /** Running captures, and those still being checked (their slot is taken before the dry compile awaits). */
    const sessions = new Map<string, Session>();
    let nextId = 1;

    const resolveIface = (listing: CaptureListing, iface: string, namespace: string | undefined): CaptureInterface | undefined => {
      const same = listing.interfaces.filter((i) => i.iface === iface);
      if (namespace !== undefined) return same.find((i) => (i.namespace ?? '') === namespace);
      return same.find((i) => i.kind === 'ovs-port') ?? (same.length === 1 ? same[0] : undefined);
    };

    const start = async (req: CaptureRequest, client: string, emit: (e: CaptureEvent) => void): Promise<CaptureHandle> => {
      if (!IFACE.test(req.iface)) throw new CaptureError('bad-request', `iface must be an interface name (letters, digits, _ . : @ + -, at most 15 characters, not starting with "-"); got ${JSON.stringify(req.iface.slice(0, 40))}`, { where: 'iface' });
      if (req.namespace !== undefined && !NETNS.test(req.namespace)) throw new CaptureError('bad-request', `namespace must be a network namespace name; got ${JSON.stringify(req.namespace.slice(0, 80))}`, { where: 'namespace' });
      const filter = (req.filter ?? '').trim();
      if (filter.length > CAPTURE_LIMITS.maxFilterLength) throw new CaptureError('bad-request', `filter is longer than ${CAPTURE_LIMITS.maxFilterLength} characters`, { where: 'filter' });
      // eslint-disable-next-line no-control-regex
      if (/[\x00-\x1f\x7f]/.test(filter)) throw new CaptureError('bad-request', 'filter must be printable text on one line', { where: 'filter' });
      const count = req.count ?? CAPTURE_LIMITS.defaultCount;
      if (!Number.isInteger(count) || count < 1 || count > CAPTURE_LIMITS.maxCount) throw new CaptureError('bad-request', `count must be a whole number from 1 to ${CAPTURE_LIMITS.maxCount}`, { where: 'count' });
      const seconds = req.seconds ?? CAPTURE_LIMITS.defaultSeconds;
      if (!Number.isFinite(seconds) || seconds <= 0 || seconds > CAPTURE_LIMITS.maxSeconds) throw new CaptureError('bad-request', `seconds must be more than 0 and at most ${CAPTURE_LIMITS.maxSeconds}`, { where: 'seconds' });

      let target: Target;
      try {
        target = app.hosts.get(req.host, 'host');
      } catch (e) {
        throw new CaptureError('not-found', (e as Error).message, { where: 'host' });
      }
      let listing = await interfaces(target);
      let entry = resolveIface(listing, req.iface, req.namespace);
      if (!entry) {
        listing = await interfaces(target, true);
        entry = resolveIface(listing, req.iface, req.namespace);
      }
      if (!entry) {
        if (!listing.available) throw new CaptureError('unavailable', listing.reason ?? `nothing can be captured on host ${target.name}`, { where: 'iface' });
        const where = req.namespace ? `${req.iface} in namespace ${req.namespace}` : req.iface;
        const ambiguous = !req.namespace && listing.interfaces.filter((i) => i.iface === req.iface).length > 1;
        const known = listing.interfaces.map((i) => (i.namespace && i.kind === 'vm' ? `${i.iface}@${i.namespace}` : i.iface));
        throw new CaptureError(
          'not-found',
          ambiguous
            ? `interface ${req.iface} exists in several namespaces on host ${target.name}: say which (${listing.interfaces.filter((i) => i.iface === req.iface).map((i) => i.namespace ?? 'root').join(', ')})`
            : `no interface ${where} on host ${target.name}; capturable: ${known.slice(0, 30).join(', ')}${known.length > 30 ? ', ...' : ''}`,
          { where: req.namespace && listing.interfaces.some((i) => i.iface === req.iface) ? 'namespace' : 'iface' },
        );
      }
      const ns = entry.namespace;
      const all = [...sessions.values()];
      const mine = all.find((s) => s.client === client && s.host === target.name && s.iface === entry.iface && s.namespace === ns);
      if (mine) throw new CaptureError('busy', `you are already capturing on ${entry.iface}${ns ? ` in ${ns}` : ''} (capture ${mine.id}): stop it first`, { where: 'iface' });
      if (all.filter((s) => s.host === target.name).length >= perHost) {
        throw new CaptureError('limit', `${perHost} captures are already running on host ${target.name} (the limit): wait for one to end`);
      }

      // Reserve the slot now; the dry compile below awaits.
      const id = `c${nextId++}`;
      let resolveDone!: () => void;
      const done = new Promise<void>((r) => (resolveDone = r));
      const session: Session = { id, host: target.name, iface: entry.iface, namespace: ns, client, proc: undefined, handle: undefined as unknown as CaptureHandle };
      let stopped: EndReason | undefined;
      let stopRequested: EndReason | undefined;
      let killTimer: NodeJS.Timeout | undefined;
      const kill = (reason: EndReason) => {
        stopRequested ??= reason;
        const p = session.proc;
        if (!p || stopped) return;
        p.kill('SIGTERM');
        killTimer ??= setTimeout(() => p.kill('SIGKILL'), 1000);
      };
      session.handle = {
        id,
        get pid() {
          return session.proc?.pid;
        },
        done,
        async stop(reason = 'stopped') {
          kill(reason);
          if (!session.proc) {
            sessions.delete(id);
            resolveDone();
          }
          await done;
        },
      };
      sessions.set(id, session);

      try {
        const filterArgs = filter ? ['--', filter] : [];
        // `tcpdump -d`: compile only, with the interface's link type; its own words on failure.
        const dry = await run(target, [...nsWrap(ns), 'tcpdump', '-d', '-i', entry.iface, ...filterArgs]);
        if (stopRequested) throw new CaptureError('internal', 'capture stopped before it started');
        if (dry.exitCode !== 0) {
          const out = (dry.stderr || dry.stdout).trim();
          const isFilter = filter && /filter|syntax|expression|unknown|illegal|expected|parse/i.test(out) && !/No such device|permission|not permitted/i.test(out);
          throw new CaptureError(isFilter ? 'bad-filter' : 'tool-failed', isFilter ? `tcpdump rejected the filter: ${out}` : `tcpdump cannot capture on ${entry.iface}${ns ? ` in ${ns}` : ''}: ${out}`, {
            where: isFilter ? 'filter' : 'iface',
            output: out,
          });
        }
      } catch (e) {
        sessions.delete(id);
        resolveDone();
        if (e instanceof CaptureError) throw e;
        if (e instanceof ApiError) throw new CaptureError('tool-failed', e.message);
        throw e;
      }

      const argv = [...nsWrap(ns), 'tcpdump', '-l', '-nn', '-XX', '-c', String(count), '-i', entry.iface, ...(filter ? ['--', filter] : [])];
      // ssh: -tt gives the remote tcpdump a terminal too, so a dropped connection hangs it up.
      const spawnArgv = target.kind === 'ssh' ? sshArgv(target, argv).map((a) => (a === '-T' ? '-tt' : a)) : argv;
      const t0 = Date.now();
      let proc: pty.IPty;
      try {
        proc = pty.spawn(spawnArgv[0]!, spawnArgv.slice(1), { name: 'dumb', cols: 512, rows: 24, env: { ...process.env, LC_ALL: 'C' } as Record<string, string> });
      } catch (e) {
        sessions.delete(id);
        resolveDone();
        throw new CaptureError('tool-failed', `could not start tcpdump: ${(e as Error).message}`);
      }
      session.proc = proc;

      let index = 0;
      let bytes = 0;
      let listening = false;
      const chatter: string[] = [];
      let quiet: NodeJS.Timeout | undefined;
      const stream = new TcpdumpStream({
        packet(text) {
          if (stopped) return;
          index++;
          const parsed = parsePacketText(text);
          const p = parsed.value.packets[0];
          const header = /^\S/.test(text) ? text.split('\n')[0] : undefined;
          const ev: Extract<CaptureEvent, { type: 'packet' }> = {
            type: 'packet',
            index,
            text,
            hex: p?.hex ?? '',
            summary: p?.description ?? p?.summary ?? header ?? '(no bytes)',
            length: p?.length ?? 0,
            diagnostics: parsed.diagnostics.filter((d) => d.severity === 'error' || d.severity === 'warning').map((d) => d.message),
          };
          if (header) ev.tcpdump = header;
          if (p?.timestamp) ev.timestamp = p.timestamp;
          emit(ev);
          if (index >= count) kill('count');
        },
        chatter(line) {
          chatter.push(line);
          if (chatter.length > 50) chatter.shift();
          if (!listening && /^listening on /.test(line)) {
            listening = true;
            const ev: CaptureEvent = { type: 'started', id, host: target.name, iface: entry.iface, inPort: entry.port, filter, count, seconds, argv };
            if (ns) ev.namespace = ns;
            emit(ev);
            return;
          }
          emit({ type: 'info', text: line });
        },
      });
      proc.onData((d) => {
        if (stopped) return;
        bytes += Buffer.byteLength(d);
        if (bytes > maxBytes) {
          kill('bytes');
          return;
        }
        stream.push(d);
        if (quiet) clearTimeout(quiet);
        if (stream.pending) quiet = setTimeout(() => stream.completePending(), QUIET_MS);
      });
      const timer = setTimeout(() => kill('time'), seconds * 1000);
      proc.onExit(({ exitCode, signal }) => {
        clearTimeout(timer);
        if (killTimer) clearTimeout(killTimer);
        if (quiet) clearTimeout(quiet);
        // Whatever tcpdump printed before it exited (-c N, or killed at a cap) still goes out.
        stream.end();
        stopped = stopRequested ?? (index >= count ? 'count' : 'exited');
        sessions.delete(id);
        const durationMs = Date.now() - t0;
        if (!listening && index === 0 && stopped === 'exited') {
          const out = chatter.join('\n');
          emit({ type: 'error', kind: 'tool-failed', message: `tcpdump on ${entry.iface}${ns ? ` in ${ns}` : ''} stopped before capturing: ${chatter.filter((l) => /^tcpdump: |ssh: /.test(l)).join(' | ') || `exit ${exitCode}`}`, output: out });
        } else {
          const why: Record<EndReason, string> = {
            count: `captured ${index} packet${index === 1 ? '' : 's'} (the count asked for)`,
            time: `stopped after ${seconds} s (the time limit)`,
            bytes: `stopped after ${maxBytes} bytes of output (the size limit)`,
            stopped: 'stopped',
            closed: 'the client went away',
            'server-closing': 'the server is shutting down',
            exited: `tcpdump exited (${signal ? `signal ${signal}` : `exit ${exitCode}`})`,
          };
          emit({ type: 'ended', reason: stopped, packets: index, bytes, durationMs, exitCode: exitCode ?? null, message: why[stopped] });
        }
        resolveDone();
      });
      return session.handle;
    };

    app.decorate('capture', {
      interfaces,
      start,
      running: () => [...sessions.values()].map((s) => ({ id: s.id, host: s.host, iface: s.iface, ...(s.namespace ? { namespace: s.namespace } : {}), client: s.client, pid: s.proc?.pid })),
    } satisfies CaptureService);

    // No capture outlives the server: kill every tcpdump by pid and wait for it to be reaped.
    app.addHook('onClose', async () => {
      const all = [...sessions.values()];
      await Promise.race([Promise.all(all.map((s) => s.handle.stop('server-closing'))), new Promise((r) => setTimeout(r, 3000).unref())]);
    });
  },
  { name: 'capture', dependencies: ['config', 'hosts', 'inventory'] },
);
