import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { runTool, type SshTarget } from '@tracemap/host';
import { scenarioPackets, type Sandbox } from '@tracemap/sandbox';
import { buildApp } from '../src/app';
import type { ServerConfig } from '../src/config';
import { sandboxConfig, tempDir, upSandbox, alive } from './helpers';

/*
 * The ssh target against a real OpenSSH server (Debian's openssh-server) on 127.0.0.1, with its
 * own host key, config and authorized_keys in a temp dir; started and stopped by pid here.
 */

const d = tempDir('tracemap-ssh-test-');
let sshd: ChildProcess | undefined;
let port = 0;
let sb: Sandbox;
let app: FastifyInstance;
let target: SshTarget;
let base: ServerConfig;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

before(async () => {
  sb = await upSandbox();
  const k = (n: string) => join(d.dir, n);
  for (const [file, type] of [['host_key', 'ed25519'], ['client_key', 'ed25519']] as const) {
    const r = spawnSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', k(file)]);
    assert.equal(r.status, 0, String(r.stderr));
  }
  writeFileSync(k('authorized_keys'), readFileSync(k('client_key.pub')));
  chmodSync(k('authorized_keys'), 0o600);
  port = await freePort();
  writeFileSync(
    k('sshd_config'),
    [`ListenAddress 127.0.0.1`, `Port ${port}`, `HostKey ${k('host_key')}`, `AuthorizedKeysFile ${k('authorized_keys')}`, 'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'PubkeyAuthentication yes', 'PermitRootLogin prohibit-password', 'StrictModes no', 'UsePAM no', `PidFile ${k('sshd.pid')}`, 'LogLevel ERROR', ''].join('\n'),
  );
  // [127.0.0.1]:PORT ssh-ed25519 AAAA...
  writeFileSync(k('known_hosts'), `[127.0.0.1]:${port} ${readFileSync(k('host_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
  writeFileSync(k('empty_known_hosts'), '');
  // Debian's sshd wants its privilege separation directory (the openssh-server service creates it).
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
  sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', k('sshd_config'), '-h', k('host_key'), '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  sshd.stderr!.on('data', (c) => (err += c));
  const env = sb.env();
  target = {
    kind: 'ssh',
    name: 'remote',
    bridge: 'br-int',
    ovsRundir: env.OVS_RUNDIR,
    ovsDb: env.OVS_DB,
    ovnNb: env.OVN_NB_DB,
    ovnSb: env.OVN_SB_DB,
    ssh: { host: '127.0.0.1', port, user: userInfo().username, identityFile: k('client_key'), knownHostsFile: k('known_hosts'), options: ['ConnectTimeout=5'] },
  };
  // Wait until it accepts a session.
  for (let i = 0; i < 50; i++) {
    const r = await runTool(target, ['true'], { timeoutMs: 5000 });
    if (r.exitCode === 0) break;
    if (sshd.exitCode !== null) throw new Error(`sshd exited: ${err}`);
    await new Promise((res) => setTimeout(res, 100));
  }
  base = sandboxConfig(sb, join(d.dir, 'data'));
  app = await buildApp({ config: { ...base, hosts: [...base.hosts, target, { ...target, name: 'stranger', ssh: { ...target.ssh, knownHostsFile: k('empty_known_hosts') } }] } });
});


after(async () => {
  await app?.close();
  if (sshd?.pid && sshd.exitCode === null) {
    sshd.kill('SIGTERM');
    await new Promise((r) => sshd!.once('exit', r));
  }
  d.cleanup();
});

describe('ssh target (real sshd on 127.0.0.1)', () => {
  it('argv survives the remote shell element by element', async () => {
    const nasty = ['a b', "it's", '$(touch /tmp/tracemap-ssh-pwned)', '`id`', 'x;y', 'p|q', '*', '"q"', '--help', 'new\nline', ''];
    const r = await runTool(target, ['printf', '%s\\0', ...nasty]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual(r.stdout.split('\0').slice(0, -1), nasty);
    assert.equal(existsSync('/tmp/tracemap-ssh-pwned'), false);
    assert.ok(r.spawnArgv.includes('BatchMode=yes'));
  });
  it('the target environment reaches the remote tools', async () => {
    const r = await runTool(target, ['sh', '-c', 'echo "$OVS_RUNDIR|$OVN_SB_DB"']);
    assert.equal(r.stdout.trim(), `${target.ovsRundir}|${target.ovnSb}`);
  });
  it('POST /api/traces on the ssh host gives the same verdict as locally', async (t) => {
    const p = (await scenarioPackets('acl')).find((x) => x.name === 'tcp-ssh-syn')!;
    const payload = { type: 'packet', packet: p.tcpdump, inPort: p.inPort };
    const t0 = performance.now();
    const remote = await app.inject({ method: 'POST', url: '/api/traces', payload: { ...payload, host: 'remote' } });
    t.diagnostic(`packet trace over ssh: ${Math.round(performance.now() - t0)} ms`);
    assert.equal(remote.statusCode, 201, remote.body);
    const local = await app.inject({ method: 'POST', url: '/api/traces', payload });
    const [rt, lt] = [remote.json().trace, local.json().trace];
    assert.equal(rt.host, 'remote');
    assert.deepEqual(rt.verdict, lt.verdict);
    assert.equal(rt.comparison.agree, true);
    assert.equal(rt.verdict.drop.stage, 'ls_out_acl');
    const inv = await app.inject('/api/inventory?host=remote');
    assert.equal(inv.statusCode, 200);
    assert.ok(inv.json().switches.length > 5);
  });
  it('tools on a host share one ssh connection, and the server closes it when it stops', async () => {
    const other = await buildApp({ config: { ...base, dataDir: join(d.dir, 'data2'), hosts: [...base.hosts, target] } });
    const t = other.hosts.get('remote') as SshTarget;
    const socket = t.ssh.controlPath!;
    assert.ok(socket, 'the server gave the host a ControlPath');
    assert.notEqual(target.ssh.controlPath, socket, 'the configured target is left as it was');
    for (let i = 0; i < 3; i++) assert.equal((await other.hosts.run(t, ['true'])).exitCode, 0);
    assert.ok(statSync(socket).isSocket(), 'a master connection listens on the ControlPath');
    const check = spawnSync('ssh', ['-o', `ControlPath=${socket}`, '-O', 'check', '-p', String(port), '--', '127.0.0.1'], { encoding: 'utf8' });
    const pid = Number(/pid=(\d+)/.exec(check.stderr)?.[1]);
    assert.ok(pid > 0, check.stderr);
    await other.close();
    assert.equal(existsSync(socket), false, 'the ControlPath directory is gone');
    for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(alive(pid), false, `the master ssh (pid ${pid}) exited`);
  });
  it('an unknown host key is refused: 502 host-unreachable, nothing stored', async () => {
    const before = (await app.inject('/api/health')).json().traces;
    const r = await app.inject({ method: 'POST', url: '/api/traces', payload: { type: 'ovn-trace', host: 'stranger', datapath: 'ac-network', microflow: 'inport == "ac-vm1"' } });
    assert.equal(r.statusCode, 502, r.body);
    assert.equal(r.json().error.kind, 'host-unreachable');
    assert.match(r.json().error.message, /Host key verification failed|host key/i);
    assert.equal((await app.inject('/api/health')).json().traces, before);
  });
});
