/*
 * "Long runs show progress and can be cancelled", end to end: a host whose ovn-trace takes its
 * time, the composer's progress line, Cancel, and the server stopping the tool it started.
 * The slow host is an ssh host whose client is a stand-in (like the hung-tool safety test): it
 * records its pid and sleeps when asked for ovn-trace, and refuses everything else at once.
 * Run: node --import tsx --test e2e/tests/cancel.spec.ts
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { cleanupDir, ensureSandbox, launch, openPage, shot, startServer, type RunningServer, stopBrowserAndServer } from '../fixtures/harness';

const dir = mkdtempSync(join(tmpdir(), 'tracemap-e2e-cancel-'));
const pidFile = join(dir, 'ovn-trace.pid');
let server: RunningServer;
let browser: Browser;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('a long run can be cancelled', { timeout: 5 * 60_000 }, () => {
  before(async () => {
    await ensureSandbox();
    const fake = join(dir, 'slow-ssh');
    writeFileSync(
      fake,
      `#!/bin/sh\ncase "$*" in\n  *ovn-trace*) echo $$ > ${pidFile}; exec sleep 60 ;;\n  *) echo "ssh: connect to host slow.example port 22: Connection refused" >&2; exit 255 ;;\nesac\n`,
    );
    chmodSync(fake, 0o755);
    const config = join(dir, 'hosts.json');
    writeFileSync(config, JSON.stringify({ hosts: [{ name: 'slow', kind: 'ssh', ssh: { host: 'slow.example', binary: fake }, ovnNb: 'unix:/x/nb.sock', ovnSb: 'unix:/x/sb.sock' }] }));
    server = await startServer({ configFile: config });
    browser = await launch();
  });

  after(async () => {
    await stopBrowserAndServer(browser, server);
    cleanupDir(dir);
  });

  test('the composer shows the run going, Cancel stops the tool on the host, nothing is stored', async () => {
    const h = await openPage(browser, server.url);
    const { page } = h;
    try {
      await page.goto('/?tab=logical');
      await page.getByTestId('host-picker').selectOption('slow');
      await page.getByTestId('datapath').fill('ac-network');
      await page.getByTestId('microflow').fill('inport == "ac-vm1" && eth.src == 40:44:00:00:30:01 && ip4.dst == 10.30.0.12 && tcp.dst == 22');
      await page.getByTestId('trace-submit').click();
      // Progress: the elapsed time counts up while the tool runs.
      await page.waitForFunction(() => /running on the host · [1-9]\d*\.\d s/.test(document.querySelector('[data-testid="trace-pending"]')?.textContent ?? ''), undefined, { timeout: 10_000 });
      for (let i = 0; i < 50 && !existsSync(pidFile); i++) await page.waitForTimeout(100);
      const pid = Number(readFileSync(pidFile, 'utf8'));
      assert.ok(alive(pid), 'ovn-trace is running on the slow host');
      await shot(page, '13a-cancel-running');
      await page.getByTestId('trace-cancel').click();
      await page.getByTestId('trace-cancelled').waitFor();
      assert.equal(new URL(page.url()).pathname, '/', 'no permalink to go to');
      for (let i = 0; i < 50 && alive(pid); i++) await page.waitForTimeout(100);
      assert.equal(alive(pid), false, `the server stopped ovn-trace (pid ${pid}) when the browser gave up`);
      const list = (await (await fetch(`${server.url}/api/traces?limit=50`)).json()) as { items: { host: string | null }[] };
      assert.equal(list.items.filter((t) => t.host === 'slow').length, 0, 'nothing stored for the cancelled run');
      assert.deepEqual(h.errors, [], 'no errors in the page');
    } finally {
      await shot(page, '13-cancelled').catch(() => {});
      await h.context.close();
    }
  });
});
