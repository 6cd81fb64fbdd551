import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';

const cli = new URL('../../cli/bin/tracemap.mjs', import.meta.url).pathname;
const dir = process.env.TRACEMAP_TEST_SANDBOX ?? '/tmp/tracemap-test-sandbox';

test('sandbox packets SCENARIO --json prints replayable packets', () => {
  const out = JSON.parse(execFileSync(process.execPath, [cli, 'sandbox', 'packets', 'port-security', '--json', '--dir', dir], { encoding: 'utf8' }));
  assert.ok(Array.isArray(out) && out.length >= 4);
  for (const p of out) {
    for (const k of ['name', 'inPort', 'hex', 'tcpdump', 'datapath', 'microflow', 'expect']) assert.ok(k in p, `packet has ${k}`);
    assert.match(p.hex, /^[0-9a-f]+$/);
    assert.match(p.tcpdump, /0x0000:/);
    assert.equal(typeof p.expect.dropped, 'boolean');
  }
  assert.ok(out.some((p: { name: string; expect: { dropStage?: string } }) => p.name === 'nd-na-bad-target' && p.expect.dropStage === 'ls_in_apply_port_sec'));
});

test('sandbox status --json reports the running daemons', () => {
  const st = JSON.parse(execFileSync(process.execPath, [cli, 'sandbox', 'status', '--json', '--dir', dir], { encoding: 'utf8' }));
  assert.equal(st.healthy, true);
  assert.ok(st.daemons.every((d: { running: boolean }) => d.running));
});

test('bad arguments exit 2 with a message', () => {
  const r = spawnSync(process.execPath, [cli, 'sandbox', 'up', '--mode', 'kvm', '--dir', dir], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--mode must be dummy or netns, got "kvm"/);
  const s = spawnSync(process.execPath, [cli, 'sandbox', 'scenario', 'nope', '--dir', dir], { encoding: 'utf8' });
  assert.notEqual(s.status, 0);
  assert.match(s.stderr, /unknown scenario "nope"/);
});
