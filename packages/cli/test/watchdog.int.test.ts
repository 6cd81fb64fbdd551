// `tracemap serve` on a sandbox rebuilds it when a daemon dies (OVS 3.1.0's vswitchd can die on a
// conntrack assertion), and traces work again without anyone running `sandbox up`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { Sandbox, scenarioPackets } from '@tracemap/sandbox';

const cli = new URL('../bin/tracemap.mjs', import.meta.url).pathname;
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

test('serve rebuilds a sandbox whose ovs-vswitchd died, and traces again', async () => {
  const dir = `/tmp/tracemap-watchdog-${process.pid}`;
  const data = mkdtempSync(join(tmpdir(), 'tracemap-watchdog-data-'));
  const sb = new Sandbox(dir);
  await sb.up({ mode: 'dummy', scenarios: ['routing'] });
  const port = await freePort();
  const server = spawn(process.execPath, [cli, 'serve', '--port', String(port), '--data', data, '--sandbox', dir], {
    env: { ...process.env, TRACEMAP_WATCHDOG_MS: '300', TRACEMAP_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  server.stdout.on('data', (d) => (logs += d));
  server.stderr.on('data', (d) => (logs += d));
  const base = `http://127.0.0.1:${port}`;
  const [pkt] = await scenarioPackets('routing');
  const trace = async () => {
    const r = await fetch(`${base}/api/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'packet', packet: pkt!.tcpdump, inPort: pkt!.inPort }) });
    return { status: r.status, body: (await r.json()) as { trace?: { verdict: { dropped: boolean } } } };
  };
  try {
    for (let i = 0; i < 100 && !logs.includes('listening'); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(logs, /listening/);
    const before = await trace();
    assert.equal(before.status, 201);
    assert.equal(before.body.trace?.verdict.dropped, false);

    const vs = sb.readState()!.daemons.find((d) => d.name === 'hv1/ovs-vswitchd')!;
    process.kill(vs.pid!, 'SIGKILL');
    let healed = false;
    for (let i = 0; i < 100 && !healed; i++) {
      await new Promise((r) => setTimeout(r, 200));
      const st = sb.status();
      healed = st.healthy && st.daemons.find((d) => d.name === 'hv1/ovs-vswitchd')!.pid !== vs.pid;
    }
    assert.ok(healed, `the sandbox was rebuilt; server log:\n${logs}`);
    assert.match(logs, /ovs-vswitchd died.*rebuilding/);
    let after = await trace();
    for (let i = 0; i < 20 && after.status !== 201; i++) {
      await new Promise((r) => setTimeout(r, 250));
      after = await trace();
    }
    assert.equal(after.status, 201, JSON.stringify(after.body));
    assert.equal(after.body.trace?.verdict.dropped, false, 'delivered again after the rebuild');
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    await sb.down();
    rmSync(data, { recursive: true, force: true });
  }
});

test('applying broken-conjunction under a live watchdog is not taken for a crash', async () => {
  const dir = `/tmp/tracemap-watchdog-bc-${process.pid}`;
  const sb = new Sandbox(dir);
  await sb.up({ mode: 'dummy', scenarios: ['conjunction'] });
  const { watchSandbox } = await import('../src/sandbox-watchdog');
  const logs: string[] = [];
  // A tick every 5 ms: any window in which ovn-controller is down but not marked would be seen.
  const w = watchSandbox(sb, { intervalMs: 5, log: (m) => logs.push(m) });
  try {
    const pids = sb.readState()!.daemons.map((d) => d.pid);
    await sb.applyScenario('broken-conjunction');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(w.rebuilds(), 0, logs.join('\n'));
    assert.deepEqual(sb.readState()!.stopped, ['hv1/ovn-controller']);
    await sb.applyScenario('broken-conjunction', () => {}, { repair: true });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(w.rebuilds(), 0, logs.join('\n'));
    assert.deepEqual(sb.readState()!.stopped, []);
    assert.deepEqual(sb.readState()!.daemons.filter((d) => d.name !== 'hv1/ovn-controller').map((d) => d.pid), pids.slice(0, 5), 'no daemon but ovn-controller was restarted');
  } finally {
    w.stop();
    await sb.down();
  }
});
