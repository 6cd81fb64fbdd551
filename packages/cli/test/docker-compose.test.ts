// No Docker engine runs here, so the compose file is checked statically: every service, volume,
// build file and command it names must exist in the repository.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = new URL('../../../', import.meta.url).pathname;
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'));

test('docker-compose has an app and a sandbox sharing the socket volume', () => {
  assert.deepEqual(Object.keys(compose.services).sort(), ['app', 'sandbox']);
  const mounts = (s: string) => (compose.services[s].volumes as string[]).map((v) => v.split(':'));
  const sandboxDir = mounts('sandbox').find(([v]) => v === 'sandbox-run')?.[1];
  assert.ok(sandboxDir, 'sandbox mounts sandbox-run');
  assert.ok(mounts('app').some(([v, p]) => v === 'sandbox-run' && p === sandboxDir), 'app mounts the same socket dir');
  for (const s of Object.values(compose.services) as { volumes: string[] }[]) {
    for (const v of s.volumes) assert.ok(v.split(':')[0]! in compose.volumes, `volume ${v} is declared`);
  }
  assert.equal(compose.services.app.command[compose.services.app.command.indexOf('--sandbox') + 1], sandboxDir);
});

test('every file and command the compose file names exists', () => {
  for (const s of Object.values(compose.services) as { build: { dockerfile: string }; command: string[] }[]) {
    assert.ok(existsSync(join(root, s.build.dockerfile)), s.build.dockerfile);
    for (const arg of s.command) if (/\.(sh|mjs|ts)$/.test(arg)) assert.ok(existsSync(join(root, arg)), arg);
  }
  const docker = readFileSync(join(root, 'docker/Dockerfile'), 'utf8');
  for (const m of docker.matchAll(/\b(scripts\/[\w.-]+)/g)) assert.ok(existsSync(join(root, m[1]!)), m[1]);
  const cli = readFileSync(join(root, 'packages/cli/src/main.ts'), 'utf8');
  for (const cmd of ['sandbox', 'serve']) assert.match(cli, new RegExp(`\\b${cmd}: async`), `tracemap ${cmd} exists`);
});
