import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SshTarget } from '@tracemap/host';
import { ConfigError, loadConfig } from '../src/config';
import { tempDir } from './helpers';

describe('config file: ssh hosts', () => {
  const d = tempDir('tracemap-config-test-');
  after(() => d.cleanup());
  const load = (hosts: unknown[]) => {
    const file = join(d.dir, 'hosts.json');
    writeFileSync(file, JSON.stringify({ hosts }));
    return loadConfig({ dataDir: join(d.dir, 'data'), file, env: {} });
  };
  const host = (ssh: Record<string, unknown>) => ({ name: 'compute-1', kind: 'ssh', ssh: { host: '10.0.0.5', user: 'root', ...ssh }, ovnNb: 'tcp:10.0.0.2:6641', ovnSb: 'tcp:10.0.0.2:6642' });

  it('reads the connection fields; connections are shared unless shareConnection is false', () => {
    const shared = load([host({ port: 2222, identityFile: '/k', knownHostsFile: '/kh' })]).hosts[0] as SshTarget;
    assert.deepEqual(shared.ssh, { host: '10.0.0.5', port: 2222, user: 'root', identityFile: '/k', knownHostsFile: '/kh' });
    const own = load([host({ shareConnection: false, binary: '/usr/local/bin/ssh-wrapper' })]).hosts[0] as SshTarget;
    assert.equal(own.ssh.shareConnection, false);
    assert.equal(own.ssh.binary, '/usr/local/bin/ssh-wrapper');
  });

  it('names the field that is wrong', () => {
    assert.throws(() => load([host({ shareConnection: 'no' })]), (e: unknown) => e instanceof ConfigError && /hosts\[0\]\.ssh\.shareConnection must be true or false/.test(e.message));
    assert.throws(() => load([host({ host: '-oProxyCommand=x' })]), (e: unknown) => e instanceof ConfigError && /ssh\.host/.test(e.message));
    assert.throws(() => load([host({ options: ['ProxyCommand sh'] })]), (e: unknown) => e instanceof ConfigError && /ssh\.options/.test(e.message));
    assert.throws(() => load([host({ binary: 'ssh' })]), (e: unknown) => e instanceof ConfigError && /ssh\.binary must be an absolute path/.test(e.message));
  });
});
