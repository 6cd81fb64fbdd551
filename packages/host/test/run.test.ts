import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { checkArgv, concurrencyStats, runTool, setConcurrencyLimit, shellJoin, shellQuote, sshArgv, ToolSpawnError, type LocalTarget, type SshTarget } from '../src/index';

const local = (name = 'test-local'): LocalTarget => ({ kind: 'local', name, bridge: 'br-int' });

describe('shellQuote: what ssh hands the remote shell comes back as the same argv', () => {
  const nasty = ['plain', '', ' ', "it's", '$(id)', '`id`', 'a;b', 'a|b', 'a&&b', '$HOME', '"q"', "'", "''", '\\', 'new\nline', 'tab\tx', '*', '?', '~', '--help', '-t', 'inport == "vm1" && ip4', 'ünï'];
  it('round-trips through a real POSIX shell', () => {
    // sh -c 'printf "%s\0" <quoted...>' prints each argument NUL-terminated
    const script = `printf '%s\\0' ${shellJoin(nasty)}`;
    const r = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.split('\0').slice(0, -1), nasty);
  });
  it('leaves safe words bare and refuses NUL', () => {
    assert.equal(shellQuote('ovs-appctl'), 'ovs-appctl');
    assert.equal(shellQuote('--db=unix:/run/ovn/ovnsb_db.sock'), '--db=unix:/run/ovn/ovnsb_db.sock');
    assert.throws(() => shellQuote('a\0b'), /NUL/);
    assert.throws(() => checkArgv(['ls', 'a\0b']), /argv\[1\] contains a NUL byte/);
    assert.throws(() => checkArgv([]), /empty argv/);
  });
});

describe('sshArgv', () => {
  const t: SshTarget = {
    kind: 'ssh',
    name: 'edge',
    bridge: 'br-int',
    ovsRundir: '/var/run/openvswitch',
    ovnSb: 'unix:/var/run/ovn/ovnsb_db.sock',
    ssh: { host: 'hv1.example', port: 2222, user: 'ops', identityFile: '/k/id', knownHostsFile: '/k/known_hosts' },
  };
  it('batch mode, strict host keys, key auth, the remote command as one quoted string', () => {
    const a = sshArgv(t, ['ovn-trace', '--', 'ls1', 'inport == "vm1"; rm -rf /']);
    assert.equal(a[0], 'ssh');
    for (const o of ['BatchMode=yes', 'StrictHostKeyChecking=yes', 'UserKnownHostsFile=/k/known_hosts', 'PasswordAuthentication=no']) assert.ok(a.includes(o), o);
    assert.deepEqual(a.slice(a.indexOf('-i'), a.indexOf('-i') + 2), ['-i', '/k/id']);
    assert.deepEqual(a.slice(-3, -1), ['--', 'hv1.example']);
    assert.equal(a.at(-1), `env OVS_RUNDIR=/var/run/openvswitch OVN_RUNDIR=/var/run/openvswitch OVN_SB_DB=unix:/var/run/ovn/ovnsb_db.sock ovn-trace -- ls1 'inport == "vm1"; rm -rf /'`);
  });
  it('refuses a host that would read as an option', () => {
    assert.throws(() => sshArgv({ ...t, ssh: { host: '-oProxyCommand=x' } }, ['true']), /bad ssh host/);
  });
});

describe('runTool on a local target', () => {
  it('runs an argv (no shell) and reports exit code and output', async () => {
    const r = await runTool(local(), ['printf', '%s|', 'a b', '$(id)', ';']);
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdout, 'a b|$(id)|;|');
    assert.equal(r.timedOut, false);
  });
  it('passes stdin', async () => {
    const r = await runTool(local(), ['cat'], { input: 'hello\n' });
    assert.equal(r.stdout, 'hello\n');
  });
  it('kills a hung tool at its timeout and keeps what it printed', async () => {
    const t0 = Date.now();
    const r = await runTool(local(), ['sh', '-c', 'echo partial; exec sleep 30'], { timeoutMs: 300 });
    assert.ok(Date.now() - t0 < 3000);
    assert.equal(r.timedOut, true);
    assert.equal(r.stdout, 'partial\n');
    assert.equal(r.signal, 'SIGTERM');
  });
  it('stops a tool past the output cap', async () => {
    const r = await runTool(local(), ['yes'], { maxBytes: 100_000 });
    assert.equal(r.truncated, true);
    assert.equal(r.stdout.length, 100_000);
  });
  it('streams stdout to a consumer without keeping it', async () => {
    let n = 0;
    const r = await runTool(local(), ['seq', '1', '100000'], { onStdout: (c) => (n += c.length) });
    assert.equal(r.stdout, '');
    assert.equal(n, 588_895);
  });
  it('a missing program is a ToolSpawnError', async () => {
    await assert.rejects(runTool(local(), ['no-such-tool-tracemap']), (e: unknown) => e instanceof ToolSpawnError && /not installed/.test(e.message));
  });
  it('sets the target environment', async () => {
    const r = await runTool({ ...local(), ovsRundir: '/x/run', ovnSb: 'unix:/x/sb.sock' }, ['sh', '-c', 'echo $OVS_RUNDIR $OVN_SB_DB']);
    assert.equal(r.stdout, '/x/run unix:/x/sb.sock\n');
  });
  it('runs at most `limit` tools at once per target', async () => {
    setConcurrencyLimit('limited', 2);
    let peak = 0;
    const jobs = Array.from({ length: 6 }, () => runTool(local('limited'), ['sleep', '0.1']));
    const poll = setInterval(() => (peak = Math.max(peak, concurrencyStats('limited').running)), 5);
    const t0 = Date.now();
    await Promise.all(jobs);
    clearInterval(poll);
    assert.equal(peak, 2);
    assert.ok(Date.now() - t0 >= 280, `${Date.now() - t0} ms: 3 waves of 100 ms`);
    // another target is not held up by this one
    assert.equal(concurrencyStats('other').running, 0);
  });
});
