/*
 * A host whose OVN databases are reached over ssl: with certificates, as in most real
 * deployments. The sandbox's NB and SB ovsdb-servers take their remotes and SSL settings from the
 * database (as ovn-ctl starts them), so `ovn-sbctl set-ssl` + `set-connection pssl:` make them
 * serve SSL; the PKI is made here by ovs-pki. Every tool the server runs for the host
 * (ovn-trace, ovn-detrace, ovsdb-client, ovn-nbctl) then goes over ssl.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { LocalTarget } from '@tracemap/host';
import { scenarioPackets, type Sandbox } from '@tracemap/sandbox';
import { buildApp } from '../src/app';
import { sandboxConfig, tempDir, upSandbox } from './helpers';

const d = tempDir('tracemap-ssl-test-');
let sb: Sandbox;
let app: FastifyInstance;
const freePort = () =>
  new Promise<number>((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => res(typeof a === 'object' && a ? a.port : 0));
    });
  });

before(async () => {
  sb = await upSandbox();
  const pki = join(d.dir, 'pki');
  for (const args of [['init'], ['req+sign', 'server', 'switch'], ['req+sign', 'client', 'switch']]) {
    const r = spawnSync('ovs-pki', [`--dir=${pki}`, ...args], { cwd: d.dir, encoding: 'utf8' });
    assert.equal(r.status, 0, `ovs-pki ${args.join(' ')}: ${r.stderr}`);
  }
  const f = (name: string) => join(d.dir, name);
  const [nbPort, sbPort] = [await freePort(), await freePort()];
  await sb.nbctl(['set-ssl', f('server-privkey.pem'), f('server-cert.pem'), join(pki, 'switchca/cacert.pem')]);
  await sb.nbctl(['set-connection', `pssl:${nbPort}:127.0.0.1`]);
  await sb.sbctl(['set-ssl', f('server-privkey.pem'), f('server-cert.pem'), join(pki, 'switchca/cacert.pem')]);
  await sb.sbctl(['set-connection', `pssl:${sbPort}:127.0.0.1`]);
  const e = sb.env();
  const secure: LocalTarget = {
    kind: 'local',
    name: 'secure',
    bridge: 'br-int',
    ovsRundir: e.OVS_RUNDIR,
    ovsDb: e.OVS_DB,
    ovnNb: `ssl:127.0.0.1:${nbPort}`,
    ovnSb: `ssl:127.0.0.1:${sbPort}`,
    ssl: { privateKey: f('client-privkey.pem'), certificate: f('client-cert.pem'), caCert: join(pki, 'switchca/cacert.pem') },
  };
  // Trusts the other CA: the servers' certificates do not verify.
  const wrongCa: LocalTarget = { ...secure, name: 'wrong-ca', ssl: { ...secure.ssl!, caCert: join(pki, 'controllerca/cacert.pem') } };
  // Wait until both listen for SSL.
  for (let i = 0; i < 50; i++) {
    const ok = [secure.ovnNb!, secure.ovnSb!].every(
      (db) => spawnSync('ovsdb-client', [`--private-key=${secure.ssl!.privateKey}`, `--certificate=${secure.ssl!.certificate}`, `--ca-cert=${secure.ssl!.caCert}`, '--timeout=2', 'list-dbs', db]).status === 0,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const base = sandboxConfig(sb, join(d.dir, 'data'));
  app = await buildApp({ config: { ...base, hosts: [...base.hosts, secure, wrongCa] } });
});

after(async () => {
  await app?.close();
  // Back to unix-only, as the other tests found it.
  for (const ctl of [(a: string[]) => sb.nbctl(a), (a: string[]) => sb.sbctl(a)]) {
    await ctl(['del-connection']).catch(() => {});
    await ctl(['del-ssl']).catch(() => {});
  }
  d.cleanup();
});

describe('a host reached over ssl: with certificates', () => {
  it('a packet trace: ovn-trace, ovn-detrace and the native join over ssl give the same verdict as over unix', async () => {
    const p = (await scenarioPackets('acl')).find((x) => x.name === 'tcp-ssh-syn')!;
    const payload = { type: 'packet', packet: p.tcpdump, inPort: p.inPort, annotate: 'both' };
    const r = await app.inject({ method: 'POST', url: '/api/traces', payload: { ...payload, host: 'secure' } });
    assert.equal(r.statusCode, 201, r.body);
    const t = r.json().trace;
    const local = (await app.inject({ method: 'POST', url: '/api/traces', payload })).json().trace;
    assert.deepEqual(t.verdict, local.verdict);
    assert.equal(t.verdict.drop.stage, 'ls_out_acl');
    assert.equal(t.comparison.agree, true);
    assert.equal(t.annotation.check.agree, true, t.annotation.check.differences.join('\n'));
    assert.equal(t.annotation.index, 'cookies', 'the native join read the SB over ssl');
    for (const tool of ['ovn-trace', 'ovn-detrace']) {
      const run = t.runs.find((x: { tool: string }) => x.tool === tool);
      assert.ok(run.argv.some((a: string) => a.includes('ssl:127.0.0.1:')), `${tool} went over ssl: ${run.argv.join(' ')}`);
      assert.ok(run.argv.some((a: string) => a.startsWith('--private-key=')), `${tool} got the key`);
    }
  });

  it('inventory and logical flows of the host come over ssl', async () => {
    const inv = await app.inject('/api/inventory?host=secure&refresh=1');
    assert.equal(inv.statusCode, 200, inv.body);
    assert.ok(inv.json().switches.some((s: { name: string }) => s.name === 'ac-network'));
    const lf = await app.inject('/api/lflows?host=secure&datapath=ac-network&stage=ls_out_acl&limit=5');
    assert.equal(lf.statusCode, 200, lf.body);
    assert.ok(lf.json().total > 0);
  });

  it('a server certificate that does not verify is a 502 host-unreachable, nothing stored', async () => {
    const before = (await app.inject('/api/health')).json().traces;
    const r = await app.inject({ method: 'POST', url: '/api/traces', payload: { type: 'ovn-trace', host: 'wrong-ca', datapath: 'ac-network', microflow: 'inport == "ac-vm1"' } });
    assert.equal(r.statusCode, 502, r.body);
    assert.equal(r.json().error.kind, 'host-unreachable');
    assert.equal((await app.inject('/api/health')).json().traces, before);
  });
});
