// up is idempotent, a crashed sandbox is detected and rebuilt, down leaves nothing behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { Sandbox, run, scenarioPackets, traceExample } from '@tracemap/sandbox';

/** Pids of processes whose command line mentions `dir` (our daemons carry it in --pidfile=). */
function processesUsing(dir: string): number[] {
  const pids: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(dir + '/')) pids.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return pids;
}

async function rootLinks() {
  const r = await run(['ip', '-o', 'link', 'show']);
  return r.stdout.split('\n').map((l) => l.split(':')[1]?.trim().split('@')[0]).filter(Boolean).sort();
}

async function namespaces(prefix: string) {
  const r = await run(['ip', 'netns', 'list'], { allowFail: true });
  return r.stdout.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(prefix));
}

test('dummy mode: idempotent up, crash recovery, clean down', async () => {
  const dir = `/tmp/tracemap-lifecycle-${process.pid}`;
  const sb = new Sandbox(dir);
  try {
    const s1 = await sb.up({ mode: 'dummy', scenarios: ['routing'] });
    assert.equal(s1.daemons.length, 6, 'nb, sb, northd, ovsdb-server, ovs-vswitchd, ovn-controller');
    const pids1 = s1.daemons.map((d) => d.pid);
    const s2 = await sb.up({ mode: 'dummy', scenarios: ['routing'] });
    assert.deepEqual(s2.daemons.map((d) => d.pid), pids1, 'a second up starts nothing new');

    // Crash ovs-vswitchd (our own pid, from our pidfile) and let the next up notice.
    const vs = s2.daemons.find((d) => d.name === 'hv1/ovs-vswitchd')!;
    process.kill(vs.pid!, 'SIGKILL');
    for (let i = 0; i < 50 && existsSync(`/proc/${vs.pid}`) && !readFileSync(`/proc/${vs.pid}/stat`, 'utf8').includes(') Z'); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(sb.status().healthy, false);
    const s3 = await sb.up({ mode: 'dummy', scenarios: ['routing'] });
    assert.equal(sb.status().healthy, true);
    assert.notDeepEqual(s3.daemons.map((d) => d.pid), pids1, 'rebuilt with new daemons');
    for (const pid of pids1) assert.ok(!processesUsing(dir).includes(pid!), `old daemon ${pid} is gone`);
    const [p] = await scenarioPackets('routing');
    assert.equal((await traceExample(sb, p!)).ofproto.dropped, false, 'the rebuilt sandbox traces again');
  } finally {
    await sb.down();
  }
  assert.deepEqual(processesUsing(dir), [], 'no process of the sandbox survives down');
  assert.equal(existsSync(dir), false, 'state directory removed');
});

test('netns mode with two chassis: real ping, real capture, clean down', { skip: process.getuid?.() !== 0 ? 'needs root' : false }, async () => {
  const dir = `/tmp/tracemap-netns-${process.pid}`;
  const sb = new Sandbox(dir);
  let prefix = '';
  const linksBefore = await rootLinks();
  try {
    const st = await sb.up({ mode: 'netns', chassis: 2, scenarios: ['routing', 'acl', 'ovs-vlan', 'cross-chassis'] });
    prefix = st.nsPrefix;
    assert.equal(st.daemons.length, 9);
    const chassis = await sb.sbctl(['--bare', '--columns=name', 'list', 'Chassis']);
    assert.deepEqual(chassis.trim().split(/\s+/).sort(), ['hv1', 'hv2']);
    // hv1 has a geneve tunnel port to hv2 (cross-chassis traces have somewhere to go)
    assert.match(await sb.vsctl(['list-ports', 'br-int']), /ovn-hv2-0/);

    const ping = await run(['ip', 'netns', 'exec', `${prefix}rt-vm1`, 'ping', '-c', '2', '-W', '2', '192.168.1.11'], { allowFail: true });
    assert.match(ping.stdout, / 0% packet loss/, `vm1 -> vm2 across the router:\n${ping.stdout}${ping.stderr}`);
    assert.match(ping.stdout, /ttl=63/, 'routed: ttl decremented by the logical router');

    // tcpdump -XX inside vm2's namespace captures the real frame
    const cap = run(['ip', 'netns', 'exec', `${prefix}rt-vm2`, 'tcpdump', '-l', '-nn', '-XX', '-c', '1', '-i', 'eth0', 'icmp'], { timeoutMs: 10_000, allowFail: true });
    await new Promise((r) => setTimeout(r, 700));
    await run(['ip', 'netns', 'exec', `${prefix}rt-vm1`, 'ping', '-c', '1', '-W', '2', '192.168.1.11'], { allowFail: true });
    const c = await cap;
    assert.match(c.stdout, /IP 192\.168\.0\.11 > 192\.168\.1\.11: ICMP echo request/);
    assert.match(c.stdout, /0x0000:  4044 0000 0002 4044 0000 0004/, 'dst vm2, src router port MAC');

    // gv-vm2 is bound on hv2: hv1's trace leaves through the Geneve port to hv2
    const [gv] = await scenarioPackets('cross-chassis', 'netns');
    const v = await traceExample(sb, gv!);
    assert.deepEqual([v.ofproto.dropped, v.ovnTrace?.outputs], [false, ['gv-vm2']]);
    assert.ok(v.ofproto.outputs.includes('ovn-hv2-0'), `hv1 outputs to the tunnel: ${v.ofproto.datapathActions}`);
    assert.match(await sb.sbctl(['--bare', '--columns=chassis', 'find', 'Port_Binding', 'logical_port=gv-vm2']), /\S/, 'gv-vm2 is bound');

    // The ACL really drops SSH but lets ICMP through
    const icmp = await run(['ip', 'netns', 'exec', `${prefix}ac-vm1`, 'ping', '-c', '1', '-W', '2', '10.30.0.12'], { allowFail: true });
    assert.match(icmp.stdout, / 0% packet loss/);
  } finally {
    await sb.down();
  }
  assert.deepEqual(processesUsing(dir), [], 'no process of the sandbox survives down');
  assert.deepEqual(await namespaces(prefix), [], 'no namespace of the sandbox survives down');
  assert.deepEqual(await rootLinks(), linksBefore, 'the root namespace has the same links as before up');
});
