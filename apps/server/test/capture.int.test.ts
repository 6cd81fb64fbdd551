import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { Sandbox, scenarioPackets } from '@tracemap/sandbox';
import type { CaptureEvent } from '../src/plugins/capture';
import { sandboxApp, tempDir } from './helpers';

/*
 * Live capture against a REAL netns sandbox of this test's own (VMs in namespaces, veths into a
 * userspace-datapath OVS): ping and a spoofed Neighbor Advertisement are captured with tcpdump
 * through the WebSocket, then traced. Needs root (namespaces); skipped otherwise.
 */

const run = promisify(execFile);
// The `ws` client that @fastify/websocket is built on (no type declarations installed): a real TCP
// socket, so closing it is what a closed browser tab does.
const WebSocket = createRequire(import.meta.url)('ws') as new (url: string) => WsClient;
interface WsClient {
  readyState: number;
  readonly CLOSED: number;
  on(ev: 'message', f: (d: Buffer) => void): void;
  once(ev: 'open' | 'close', f: () => void): void;
  once(ev: 'error', f: (e: Error) => void): void;
  send(s: string): void;
  close(): void;
  terminate(): void;
}
const DIR = '/tmp/tracemap-capture-sandbox';
const DUMMY_DIR = '/tmp/tracemap-capture-dummy';
const isRoot = process.getuid?.() === 0;
const skip = isRoot ? false : 'capture needs a netns sandbox, which needs root';

type Ev = CaptureEvent;
interface Client {
  events: Ev[];
  send(msg: unknown): void;
  next<T extends Ev['type']>(type: T | T[], timeoutMs?: number): Promise<Extract<Ev, { type: T }>>;
  close(): Promise<void>;
  /** Drop the connection without a close handshake (a killed tab). */
  terminate(): void;
}

async function openCapture(app: FastifyInstance): Promise<Client> {
  const addr = app.server.address();
  assert.ok(addr && typeof addr === 'object', 'the app listens');
  const ws = new WebSocket(`ws://127.0.0.1:${addr.port}/api/captures/ws`);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const events: Ev[] = [];
  let seen = 0;
  const waiters: (() => void)[] = [];
  ws.on('message', (d: Buffer) => {
    events.push(JSON.parse(d.toString()) as Ev);
    for (const w of waiters.splice(0)) w();
  });
  return {
    events,
    send: (msg) => ws.send(JSON.stringify(msg)),
    async next(type, timeoutMs = 15_000) {
      const types = Array.isArray(type) ? type : [type];
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while (seen < events.length) {
          const e = events[seen++]!;
          if ((types as string[]).includes(e.type)) return e as never;
          if (e.type === 'error' && !(types as string[]).includes('error')) throw new Error(`capture error: ${e.kind}: ${e.message}`);
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no ${types.join('|')} event in ${timeoutMs} ms; got ${JSON.stringify(events).slice(0, 600)}`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, left);
          waiters.push(() => {
            clearTimeout(t);
            r();
          });
        });
      }
    },
    close: () =>
      new Promise<void>((r) => {
        if (ws.readyState === ws.CLOSED) return r();
        ws.once('close', () => r());
        ws.close();
      }),
    terminate: () => ws.terminate(),
  };
}

/** tcpdump processes anywhere below this process (ip netns exec execs into tcpdump, so usually children). */
function tcpdumpsBelow(root = process.pid): number[] {
  const procs = new Map<number, { ppid: number; comm: string }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      procs.set(Number(d), { ppid, comm });
    } catch {
      /* gone */
    }
  }
  const below = (pid: number): boolean => {
    for (let p = procs.get(pid)?.ppid, n = 0; p && n < 64; p = procs.get(p)?.ppid, n++) if (p === root) return true;
    return false;
  };
  return [...procs].filter(([pid, p]) => p.comm === 'tcpdump' && below(pid)).map(([pid]) => pid);
}

async function eventually(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('live capture on the netns sandbox', { skip }, () => {
  let sb: Sandbox;
  let app: FastifyInstance;
  let ns: (port: string) => string;
  let hvNs: string;
  const data = tempDir();

  before(async () => {
    sb = new Sandbox(DIR);
    const st = await sb.up({ mode: 'netns', scenarios: ['routing', 'port-security'] });
    ns = (port) => st.nsPrefix + port;
    hvNs = sb.chassisNs(st);
    app = await sandboxApp(sb, data.dir);
    await app.listen({ port: 0, host: '127.0.0.1' });
  });

  after(async () => {
    await app?.close();
    assert.deepEqual(tcpdumpsBelow(), [], 'no tcpdump survives the server');
    await sb?.down();
    data.cleanup();
  });

  it('lists the OVS interfaces and the VM namespaces', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/captures/interfaces' });
    assert.equal(r.statusCode, 200, r.body);
    const l = r.json();
    assert.equal(l.available, true, l.reason);
    assert.equal(l.vswitchdNamespace, hvNs);
    const find = (iface: string, namespace: string) => l.interfaces.find((i: { iface: string; namespace?: string }) => i.iface === iface && i.namespace === namespace);
    assert.deepEqual({ ...find('rt-vm1', hvNs), mac: undefined, ofport: undefined }, { iface: 'rt-vm1', namespace: hvNs, kind: 'ovs-port', port: 'rt-vm1', bridge: 'br-int', mac: undefined, ofport: undefined, up: true });
    assert.equal(find('eth0', ns('rt-vm1'))?.port, 'rt-vm1');
    assert.equal(find('eth0', ns('ps-vm1'))?.kind, 'vm');
    assert.equal(find('eth0', ns('ps-vm1'))?.mac, '40:44:00:00:20:01');
    const bad = await app.inject({ method: 'GET', url: '/api/captures/interfaces?host=nope' });
    assert.equal(bad.statusCode, 404);
  });

  it('routing: captures vm1 -> vm2 echo request in vm1, traces it: delivered to rt-vm2', async () => {
    const c = await openCapture(app);
    c.send({ iface: 'eth0', namespace: ns('rt-vm1'), filter: 'icmp[icmptype] = icmp-echo', count: 1 });
    const started = await c.next('started');
    assert.equal(started.inPort, 'rt-vm1');
    assert.deepEqual(started.argv, ['ip', 'netns', 'exec', ns('rt-vm1'), 'tcpdump', '-l', '-nn', '-XX', '-c', '1', '-i', 'eth0', '--', 'icmp[icmptype] = icmp-echo']);
    await run('ip', ['netns', 'exec', ns('rt-vm1'), 'ping', '-c', '1', '-W', '2', '192.168.1.11']);
    const p = await c.next('packet');
    assert.equal(p.index, 1);
    assert.match(p.text, /^\d\d:\d\d:\d\d\.\d+ IP 192\.168\.0\.11 > 192\.168\.1\.11: ICMP echo request/);
    assert.match(p.text, /\t0x0000:  4044 0000 0003 4044 0000 0001 0800 4500/);
    assert.match(p.hex, /^404400000003404400000001080045/);
    assert.match(p.summary, /192\.168\.0\.11.*192\.168\.1\.11/);
    const end = await c.next('ended');
    assert.equal(end.reason, 'count');
    assert.equal(end.packets, 1);
    await c.close();

    const t = await app.inject({ method: 'POST', url: '/api/traces', payload: { type: 'packet', packet: p.text, inPort: started.inPort } });
    assert.equal(t.statusCode, 201, t.body);
    const trace = t.json().trace;
    assert.equal(trace.verdict.dropped, false, trace.verdict.summary);
    assert.ok(JSON.stringify(trace.comparison?.ofproto?.outputs ?? trace.verdict).includes('rt-vm2') || /rt-vm2/.test(trace.verdict.summary), trace.verdict.summary);
  });

  it('port-security: captures the spoofed Neighbor Advertisement in ps-vm1, traces it: dropped in ls_in_apply_port_sec', async () => {
    const na = (await scenarioPackets('port-security', 'netns')).find((x) => x.name === 'nd-na-bad-target')!;
    const c = await openCapture(app);
    c.send({ iface: 'eth0', namespace: ns('ps-vm1'), filter: 'icmp6 && ip6[40] = 136', count: 1 });
    await c.next('started');
    // A raw frame from inside the VM: what a misbehaving guest would put on the wire.
    const py = 'import socket,sys; s=socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(("eth0", 0)); s.send(bytes.fromhex(sys.argv[1]))';
    await run('ip', ['netns', 'exec', ns('ps-vm1'), 'python3', '-c', py, na.hex]);
    const p = await c.next('packet');
    assert.equal(p.hex, na.hex);
    assert.match(p.text, /neighbor advertisement, tgt is 2001:db8::99/);
    await c.next('ended');
    await c.close();

    const t = await app.inject({ method: 'POST', url: '/api/traces', payload: { type: 'packet', packet: p.text, inPort: 'ps-vm1' } });
    assert.equal(t.statusCode, 201, t.body);
    const trace = t.json().trace;
    assert.equal(trace.verdict.dropped, true, trace.verdict.summary);
    assert.equal(trace.verdict.drop?.stage, 'ls_in_apply_port_sec', trace.verdict.summary);
  });

  it('a bad filter is refused with tcpdump\'s own words, before anything runs', async () => {
    const c = await openCapture(app);
    c.send({ iface: 'rt-vm1', filter: 'icmp and and' });
    const e = await c.next('error');
    assert.equal(e.kind, 'bad-filter');
    assert.equal(e.where, 'filter');
    assert.match(e.message, /^tcpdump rejected the filter: tcpdump: can't parse filter expression: syntax error/);
    assert.deepEqual(app.capture.running(), []);
    await c.close();
  });

  it('unknown interfaces, namespaces and bad messages get clear errors', async () => {
    const c = await openCapture(app);
    c.send({ iface: 'nope0' });
    let e = await c.next('error');
    assert.equal(e.kind, 'not-found');
    assert.match(e.message, /^no interface nope0 on host local; capturable: .*rt-vm1/);
    c.send({ iface: 'eth0', namespace: 'tm-not-a-vm' });
    e = await c.next('error');
    assert.equal(e.kind, 'not-found');
    assert.equal(e.where, 'namespace');
    c.send({ iface: 'eth0' });
    e = await c.next('error');
    assert.match(e.message, /exists in several namespaces/);
    c.send({ iface: 'rt-vm1', count: 5000 });
    e = await c.next('error');
    assert.equal(e.kind, 'bad-request');
    assert.equal(e.where, 'count');
    c.send({ iface: '-w/tmp/x' });
    e = await c.next('error');
    assert.equal(e.kind, 'bad-request');
    c.send('not json' as unknown);
    e = await c.next('error');
    assert.equal(e.kind, 'bad-request');
    await c.close();
  });

  it('one capture per interface per client; the time cap ends a capture', async () => {
    const a = await openCapture(app);
    const b = await openCapture(app);
    a.send({ iface: 'rt-vm2', filter: 'udp port 9', seconds: 1.5 });
    await a.next('started');
    b.send({ iface: 'rt-vm2', filter: 'udp port 9' });
    const e = await b.next('error');
    assert.equal(e.kind, 'busy');
    const end = await a.next('ended', 5000);
    assert.equal(end.reason, 'time');
    await Promise.all([a.close(), b.close()]);
  });

  it('closing the socket kills tcpdump: no capture process is left', async () => {
    for (const how of ['close', 'terminate'] as const) {
      const c = await openCapture(app);
      c.send({ iface: 'eth0', namespace: ns('rt-vm2'), filter: 'udp port 9', count: 1000 });
      await c.next('started');
      const [s] = app.capture.running();
      assert.ok(s?.pid, 'a running capture with a pid');
      assert.deepEqual(tcpdumpsBelow(), [s.pid]);
      if (how === 'close') await c.close();
      else c.terminate();
      await eventually(() => app.capture.running().length === 0 && tcpdumpsBelow().length === 0);
    }
  });

  it('closing the server kills running captures', async () => {
    const d2 = tempDir();
    const app2 = await sandboxApp(sb, d2.dir);
    await app2.listen({ port: 0, host: '127.0.0.1' });
    try {
      const c = await openCapture(app2);
      c.send({ iface: 'rt-vm1', filter: 'udp port 9' });
      await c.next('started');
      assert.equal(tcpdumpsBelow().length, 1);
      const t0 = Date.now();
      await app2.close();
      assert.deepEqual(tcpdumpsBelow(), []);
      assert.ok(Date.now() - t0 < 5000, `server close took ${Date.now() - t0} ms`);
    } finally {
      await app2.close();
      d2.cleanup();
    }
  });
});

describe('live capture on the dummy sandbox', { skip }, () => {
  it('says capture needs the netns sandbox or a real host', async () => {
    const sb = new Sandbox(DUMMY_DIR);
    const data = tempDir();
    await sb.up({ mode: 'dummy', scenarios: ['routing'] });
    const app = await sandboxApp(sb, data.dir);
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const r = await app.inject({ method: 'GET', url: '/api/captures/interfaces' });
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.json().available, false);
      assert.deepEqual(r.json().interfaces, []);
      assert.match(r.json().reason, /capture needs the netns sandbox or a real host/);
      const c = await openCapture(app);
      c.send({ iface: 'rt-vm1' });
      const e = await c.next('error');
      assert.equal(e.kind, 'unavailable');
      assert.match(e.message, /capture needs the netns sandbox or a real host/);
      await c.close();
    } finally {
      await app.close();
      await sb.down();
      data.cleanup();
    }
  });
});
