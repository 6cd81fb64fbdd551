import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { run, scenarioPackets, type ExamplePacket, type Sandbox } from '@tracemap/sandbox';
import { buildApp } from '../src/app';
import { sandboxApp, sandboxConfig, tempDir, upSandbox, alive } from './helpers';

/*
 * Hostile input at every route: shell metacharacters, option injection, NUL bytes, 10 MB bodies,
 * malformed hex. Each must come back 4xx with a message, create no trace, run nothing in a shell
 * (a sentinel file must not appear) and leave OVS/OVN exactly as they were.
 */

let sb: Sandbox;
let app: FastifyInstance;
const data = tempDir();
let pkt: ExamplePacket;
const SENTINEL = join(data.dir, 'pwned');

const HOSTILE = [
  `; touch ${SENTINEL}`,
  `$(touch ${SENTINEL})`,
  `\`touch ${SENTINEL}\``,
  `x | touch ${SENTINEL}`,
  `x && touch ${SENTINEL}`,
  `x\ntouch ${SENTINEL}`,
  '--help',
  '-t',
  '--db=unix:/tmp/evil.sock',
  'a\u0000b',
  "x' ; touch '" + SENTINEL,
  '../../../etc/passwd',
];

async function stateHash(): Promise<string> {
  const env = sb.env();
  const nb = await run(['ovsdb-client', '-f', 'json', 'dump', env.OVN_NB_DB, 'OVN_Northbound']);
  const ovs = await run(['ovs-ofctl', '--no-stats', 'dump-flows', 'br-int'], { env: { OVS_RUNDIR: env.OVS_RUNDIR } });
  const vs = await run(['ovs-vsctl', `--db=${env.OVS_DB}`, 'show']);
  return createHash('sha256').update(nb.stdout).update(ovs.stdout.split('\n').sort().join('\n')).update(vs.stdout).digest('hex');
}

let startHash = '';
let tools = 0;
before(async () => {
  sb = await upSandbox();
  pkt = (await scenarioPackets('routing'))[0]!;
  app = await sandboxApp(sb, data.dir);
  const orig = app.hosts.run;
  app.hosts.run = (t, argv, o) => {
    tools++;
    return orig(t, argv, o);
  };
  startHash = await stateHash();
});
after(async () => {
  await app?.close();
  data.cleanup();
});

const traceCount = async () => (await app.inject('/api/health')).json().traces as number;

async function expect4xx(req: InjectOptions | string, label: string, opts: { noTools?: boolean } = {}) {
  const before = tools;
  const r = await app.inject(req);
  assert.ok(r.statusCode >= 400 && r.statusCode < 500, `${label}: ${r.statusCode} ${r.body.slice(0, 300)}`);
  const e = r.json().error;
  assert.ok(e && typeof e.kind === 'string' && e.message.length > 5, `${label}: ${r.body.slice(0, 300)}`);
  if (opts.noTools) assert.equal(tools, before, `${label}: ran a tool`);
  assert.equal(existsSync(SENTINEL), false, `${label}: a shell ran`);
  return e as { kind: string; message: string; where?: string };
}

describe('POST /api/traces with hostile strings', () => {
  const fields: [string, (v: string) => Record<string, unknown>][] = [
    ['ovn-trace datapath', (v) => ({ type: 'ovn-trace', datapath: v, microflow: 'inport == "rt-vm1"' })],
    ['ovn-trace microflow', (v) => ({ type: 'ovn-trace', datapath: 'rt-network1', microflow: v })],
    ['ovn-trace ct', (v) => ({ type: 'ovn-trace', datapath: 'rt-network1', microflow: 'inport == "rt-vm1"', ct: [v] })],
    ['ovn-trace host', (v) => ({ type: 'ovn-trace', host: v, datapath: 'rt-network1', microflow: 'inport == "rt-vm1"' })],
    ['ofproto-trace bridge', (v) => ({ type: 'ofproto-trace', bridge: v, inPort: 'rt-vm1', packet: pkt.hex })],
    ['ofproto-trace inPort', (v) => ({ type: 'ofproto-trace', inPort: v, packet: pkt.hex })],
    ['ofproto-trace flow', (v) => ({ type: 'ofproto-trace', inPort: 'rt-vm1', flow: v })],
    ['ofproto-trace packet', (v) => ({ type: 'ofproto-trace', inPort: 'rt-vm1', packet: v })],
    ['packet inPort', (v) => ({ type: 'packet', inPort: v, packet: pkt.tcpdump })],
    ['packet packet', (v) => ({ type: 'packet', inPort: 'rt-vm1', packet: v })],
    ['import text', (v) => ({ type: 'import', text: v })],
  ];
  for (const [label, body] of fields) {
    it(label, async () => {
      const n = await traceCount();
      for (const v of HOSTILE) {
        const e = await expect4xx({ method: 'POST', url: '/api/traces', payload: body(v) }, `${label} ${JSON.stringify(v)}`);
        // validation errors say where; tool errors (microflow syntax) say which tool refused
        assert.ok(e.where || e.kind === 'tool-failed', `${label} ${JSON.stringify(v)}: ${JSON.stringify(e)}`);
      }
      assert.equal(await traceCount(), n, `${label}: a trace was stored`);
    });
  }
  it('schema errors name the field and never run a tool', async () => {
    const e = await expect4xx({ method: 'POST', url: '/api/traces', payload: { type: 'ovn-trace', datapath: '--help', microflow: 'x' } }, 'datapath --help', { noTools: true });
    assert.equal(e.where, 'body.datapath');
    assert.match(e.message, /not starting with "-"/);
    const e2 = await expect4xx({ method: 'POST', url: '/api/traces', payload: { type: 'ofproto-trace', inPort: 'rt-vm1', packet: pkt.hex, extra: 1 } }, 'extra', { noTools: true });
    assert.match(e2.message, /additional properties/);
    const e3 = await expect4xx({ method: 'POST', url: '/api/traces', payload: { type: 'nope' } }, 'bad type', { noTools: true });
    assert.equal(e3.where, 'body.type');
    const e4 = await expect4xx({ method: 'POST', url: '/api/traces', payload: '{"type": "packet", ' , headers: { 'content-type': 'application/json' } }, 'broken json', { noTools: true });
    assert.equal(e4.kind, 'bad-request');
  });
  it('malformed hex', async () => {
    for (const hex of ['zz', '0x4', '40440000000', 'GG'.repeat(40), '4044', ' ']) {
      const e = await expect4xx({ method: 'POST', url: '/api/traces', payload: { type: 'ofproto-trace', inPort: 'rt-vm1', packet: hex } }, `hex ${hex}`);
      assert.equal(e.where, 'body.packet', `${hex}: ${e.message}`);
      const e2 = await expect4xx({ method: 'POST', url: '/api/traces', payload: { type: 'packet', inPort: 'rt-vm1', packet: hex } }, `packet hex ${hex}`, { noTools: true });
      assert.equal(e2.where, 'body.packet');
    }
  });
  it('an interface that does not exist', async () => {
    const e = await expect4xx({ method: 'POST', url: '/api/traces', payload: { type: 'packet', inPort: 'no-such-if', packet: pkt.tcpdump } }, 'no iface');
    assert.equal(e.where, 'body.inPort');
    assert.match(e.message, /no interface named "no-such-if"/);
  });
  it('10 MB bodies are refused before parsing', async () => {
    const big = 'a'.repeat(10 * 1024 * 1024);
    for (const payload of [JSON.stringify({ type: 'import', text: big }), JSON.stringify({ type: 'packet', inPort: 'rt-vm1', packet: big })]) {
      const e = await expect4xx({ method: 'POST', url: '/api/traces', payload, headers: { 'content-type': 'application/json' } }, '10MB', { noTools: true });
      assert.equal(e.kind, 'too-large');
    }
  });
});

describe('GET routes with hostile parameters', () => {
  const urls = (v: string) => {
    const q = encodeURIComponent(v);
    return [
      `/api/inventory?host=${q}`,
      `/api/lflows?host=${q}`,
      `/api/lflows?datapath=${q}`,
      `/api/lflows?stage=${q}`,
      `/api/lflows?pipeline=${q}`,
      `/api/lflows?cursor=${q}`,
      `/api/lflows?limit=${q}`,
      `/api/lflows/${q}/openflow`,
      `/api/openflow?cookie=${q}`,
      `/api/openflow?table=${q}`,
      `/api/openflow?host=${q}`,
      `/api/conjunctions?host=${q}`,
      `/api/stats/lflows?host=${q}`,
      `/api/traces/${q}`,
      `/api/traces?cursor=${q}`,
      `/api/traces?limit=${q}`,
    ];
  };
  it('every query and path parameter', async () => {
    for (const v of HOSTILE) for (const url of urls(v)) await expect4xx({ method: 'GET', url }, url, { noTools: true });
  });
  it('q with control characters; q with shell text is just a search', async () => {
    await expect4xx({ method: 'GET', url: '/api/lflows?q=%00' }, 'q NUL', { noTools: true });
    const r = await app.inject(`/api/lflows?q=${encodeURIComponent(`; touch ${SENTINEL}`)}`);
    assert.equal(r.statusCode, 200);
    assert.equal(r.json().total, 0);
    assert.equal(existsSync(SENTINEL), false);
  });
  it('unknown routes are 404 in the error format', async () => {
    const e = await expect4xx({ method: 'GET', url: '/api/nope' }, 'nope', { noTools: true });
    assert.equal(e.kind, 'not-found');
  });
});

describe('no route changes OVS or OVN state', () => {
  it('NB database, OpenFlow tables and bridges are unchanged after everything above', async () => {
    // plus one of each legitimate request
    for (const url of ['/api/inventory?refresh=1', '/api/lflows?refresh=1', '/api/openflow?refresh=1', '/api/conjunctions', '/api/stats/lflows']) assert.equal((await app.inject(url)).statusCode, 200, url);
    assert.equal((await app.inject({ method: 'POST', url: '/api/traces', payload: { type: 'packet', inPort: pkt.inPort, packet: pkt.tcpdump } })).statusCode, 201);
    assert.equal(await stateHash(), startHash);
  });
});

describe('TRACEMAP_TOKEN', () => {
  it('every /api route but /api/health needs the bearer token', async () => {
    const d = tempDir();
    const a = await buildApp({ config: { ...sandboxConfig(sb, d.dir), token: 's3cret' } });
    try {
      assert.equal((await a.inject('/api/health')).statusCode, 200);
      for (const url of ['/api/hosts', '/api/traces', '/api/inventory', '/api/lflows', '/api/openflow', '/api/conjunctions', '/api/stats/lflows', '/api/traces/AAAAAAAAAAAA']) {
        const r = await a.inject(url);
        assert.equal(r.statusCode, 401, url);
        assert.equal(r.json().error.kind, 'unauthorized');
        assert.equal((await a.inject({ url, headers: { authorization: 'Bearer wrong' } })).statusCode, 401);
      }
      const post = await a.inject({ method: 'POST', url: '/api/traces', payload: { type: 'import', text: 'x' } });
      assert.equal(post.statusCode, 401);
      assert.equal((await a.inject({ url: '/api/hosts', headers: { authorization: 'Bearer s3cret' } })).statusCode, 200);
    } finally {
      await a.close();
      d.cleanup();
    }
  });
});

describe('hung and unreachable hosts', () => {
  it('a tool that hangs is killed at its timeout: 504 with what it printed', async () => {
    const d = tempDir();
    const fake = join(d.dir, 'fake-ssh');
    // Stands in for ssh: prints part of a trace, then hangs.
    writeFileSync(fake, '#!/bin/sh\necho "ingress(dp=\\"rt-network1\\", inport=\\"rt-vm1\\")"\nexec sleep 30\n');
    chmodSync(fake, 0o755);
    const down = join(d.dir, 'down-ssh');
    writeFileSync(down, '#!/bin/sh\necho "ssh: connect to host h port 22: Connection refused" >&2\nexit 255\n');
    chmodSync(down, 0o755);
    const base = sandboxConfig(sb, d.dir);
    const conn = { bridge: 'br-int', ovnSb: 'unix:/x/sb.sock', ovnNb: 'unix:/x/nb.sock' };
    const a = await buildApp({
      config: {
        ...base,
        timeouts: { ...base.timeouts, traceMs: 500 },
        hosts: [...base.hosts, { kind: 'ssh', name: 'hung', ...conn, ssh: { host: 'h', binary: fake } }, { kind: 'ssh', name: 'down', ...conn, ssh: { host: 'h', binary: down } }],
      },
    });
    try {
      const t0 = Date.now();
      const r = await a.inject({ method: 'POST', url: '/api/traces', payload: { type: 'ovn-trace', host: 'hung', datapath: 'rt-network1', microflow: 'inport == "rt-vm1"' } });
      assert.equal(r.statusCode, 504, r.body);
      assert.ok(Date.now() - t0 < 5000);
      const e = r.json().error;
      assert.equal(e.kind, 'timeout');
      assert.match(e.partialOutput, /ingress\(dp="rt-network1"/);
      const u = await a.inject({ method: 'POST', url: '/api/traces', payload: { type: 'ovn-trace', host: 'down', datapath: 'rt-network1', microflow: 'inport == "rt-vm1"' } });
      assert.equal(u.statusCode, 502, u.body);
      assert.equal(u.json().error.kind, 'host-unreachable');
      assert.equal((await a.inject('/api/health')).json().traces, 0);
    } finally {
      await a.close();
      d.cleanup();
    }
  });

  it('a client that goes away (Cancel) stops the run: its tool is killed and nothing is stored', async () => {
    const d = tempDir();
    const fake = join(d.dir, 'slow-ssh');
    const pidFile = join(d.dir, 'tool.pid');
    // Stands in for ssh to a slow host: says who it is, then takes its time.
    writeFileSync(fake, `#!/bin/sh\necho $$ > ${pidFile}\nexec sleep 30\n`);
    chmodSync(fake, 0o755);
    const base = sandboxConfig(sb, d.dir);
    const conn = { bridge: 'br-int', ovnSb: 'unix:/x/sb.sock', ovnNb: 'unix:/x/nb.sock' };
    const a = await buildApp({ config: { ...base, hosts: [...base.hosts, { kind: 'ssh', name: 'slow', ...conn, ssh: { host: 'h', binary: fake } }] } });
    try {
      const address = await a.listen({ host: '127.0.0.1', port: 0 });
      // node:http without an agent: one connection, closed by destroy() as a browser's abort does
      // (fetch would leave an idle keep-alive connection behind that delays close()).
      const { port } = new URL(address);
      const body = JSON.stringify({ type: 'ovn-trace', host: 'slow', datapath: 'rt-network1', microflow: 'inport == "rt-vm1"' });
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/traces', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
      const answered = new Promise<string>((res) => {
        req.on('response', (r) => res(`answered ${r.statusCode}`));
        req.on('error', (e) => res(e.message));
      });
      req.end(body);
      for (let i = 0; i < 100 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 50));
      const pid = Number(readFileSync(pidFile, 'utf8'));
      assert.ok(pid > 0 && alive(pid), 'the tool is running');
      req.destroy();
      assert.equal(await answered, 'socket hang up');
      for (let i = 0; i < 60 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(alive(pid), false, `the tool (pid ${pid}) was killed when the client went away`);
      assert.equal((await a.inject('/api/health')).json().traces, 0, 'nothing stored');
    } finally {
      await a.close();
      d.cleanup();
    }
  });
});

