/*
 * Live capture, end to end (issue 6, item 3): a netns sandbox of this file's own (VMs in network
 * namespaces, veths into OVS), the real `tracemap serve` on it, real chromium. The browser starts
 * tcpdump through the Capture panel, the test makes traffic from inside a VM, the packets show up in
 * the panel and "Trace this packet" opens the trace. Needs root (namespaces); skipped otherwise.
 * Run: node --import tsx --test e2e/tests/capture.spec.ts
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { Browser, Locator, Page } from 'playwright-core';
import { Sandbox, scenarioPackets } from '@tracemap/sandbox';
import { launch, openPage, shot, startServer, type PageHandle, type RunningServer, stopBrowserAndServer } from '../fixtures/harness';

const run = promisify(execFile);
const DIR = '/tmp/tracemap-e2e-capture-sandbox';
const isRoot = process.getuid?.() === 0;
const skip = isRoot ? false : 'live capture needs the netns sandbox (network namespaces), which needs root';
// What a misbehaving guest puts on the wire: a raw frame from inside the VM's namespace.
const SEND_FRAME = 'import socket,sys; s=socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(("eth0", 0)); s.send(bytes.fromhex(sys.argv[1]))';

let sb: Sandbox | undefined;
let server: RunningServer | undefined;
let browser: Browser | undefined;
let nsPrefix = '';
const vmNs = (port: string) => nsPrefix + port;

async function withPage(name: string, fn: (h: PageHandle) => Promise<void>) {
  const h = await openPage(browser!, server!.url);
  try {
    await fn(h);
    assert.deepEqual(h.errors, [], 'no errors in the page');
  } finally {
    await shot(h.page, name).catch(() => {});
    await h.context.close();
  }
}

/** Composer → "Capture (live)" tab, the way a user gets there. */
async function openCapturePanel(page: Page) {
  await page.goto('/');
  await page.getByRole('tab', { name: 'Capture (live)' }).click();
  await page.getByTestId('capture-panel').waitFor();
  // The interface list has loaded once the picker has real options.
  await page.waitForFunction(() => {
    const sel = document.querySelector<HTMLSelectElement>('[data-testid="capture-iface"]');
    return !!sel && !sel.disabled && [...sel.options].some((o) => o.value.includes('|'));
  });
}

/** Picks the VM-side eth0 in the VM's namespace: what a user captures on to see what the guest sends. */
async function pickVmInterface(page: Page, port: string) {
  const select = page.getByTestId('capture-iface');
  const value = `${vmNs(port)}|eth0`;
  const options = await select.locator('option').evaluateAll((os) => os.map((o) => ({ value: (o as HTMLOptionElement).value, label: o.textContent ?? '' })));
  const opt = options.find((o) => o.value === value);
  assert.ok(opt, `the picker offers eth0 inside ${vmNs(port)}; it has: ${options.map((o) => o.label).join(' | ')}`);
  assert.match(opt.label, new RegExp(`VM side of ${port}\\b`), 'the option says which OVS port it belongs to');
  await select.selectOption(value);
}

/** Fills the form, presses Capture, waits until tcpdump is listening (the "capturing on" status). */
async function startCapture(page: Page, filter: string, count: number) {
  await page.getByTestId('capture-filter').fill(filter);
  await page.getByTestId('capture-count').fill(String(count));
  await page.getByTestId('capture-start').click();
  const status = page.getByTestId('capture-status');
  await page.waitForFunction(
    () => {
      const s = document.querySelector('[data-testid="capture-status"]')?.textContent ?? '';
      return /capturing on/.test(s) || !!document.querySelector('[data-testid="capture-error"]');
    },
    undefined,
    { timeout: 20_000 },
  );
  if ((await page.getByTestId('capture-error').count()) > 0) assert.fail(`the capture did not start: ${await page.getByTestId('capture-error').innerText()}`);
  return status;
}

/** The packet rows once `n` are in and the capture ended on its count. */
async function waitForPackets(page: Page, n: number) {
  await page.waitForFunction((k) => document.querySelectorAll('[data-testid="capture-packet"]').length >= k, n, { timeout: 20_000 });
  await page.waitForFunction(() => /Ended/.test(document.querySelector('[data-testid="capture-status"]')?.textContent ?? ''), undefined, { timeout: 10_000 });
  return page.getByTestId('capture-packet');
}

/** The one-line summary is read in full, not cut off (the protocol is at its end). */
async function summaryFits(row: Locator): Promise<boolean> {
  return row.locator('.capture-summary').evaluate((el) => el.scrollWidth <= el.clientWidth + 1);
}

/** Process ids below `root` (recursively) whose command is `comm`, from /proc. */
function descendants(root: number, comm: string): number[] {
  const procs = new Map<number, { ppid: number; comm: string }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const c = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      procs.set(Number(d), { ppid, comm: c });
    } catch {
      /* gone */
    }
  }
  const below = (pid: number): boolean => {
    for (let p = procs.get(pid)?.ppid, n = 0; p && n < 64; p = procs.get(p)?.ppid, n++) if (p === root) return true;
    return false;
  };
  return [...procs].filter(([pid, p]) => p.comm === comm && below(pid)).map(([pid]) => pid);
}

async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (check()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Each test carries the skip (not only the suite), so a run without root counts them as skipped.
describe('live capture: catch the packet in the browser, trace it in one click', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    if (skip) return;
    sb = new Sandbox(DIR);
    await sb.up({ mode: 'netns', scenarios: ['routing', 'port-security'] });
    const st = sb.readState();
    assert.ok(st?.nsPrefix, `no nsPrefix in ${sb.statePath}`);
    nsPrefix = st.nsPrefix;
    server = await startServer({ sandboxDir: DIR });
    browser = await launch();
  });

  after(async () => {
    await stopBrowserAndServer(browser, server);
    await sb?.down();
  });

  test('routing: the echo request captured in rt-vm1 is traced and delivered to rt-vm2', { skip }, async () => {
    await withPage('10-capture-routing-delivered', async ({ page }) => {
      await openCapturePanel(page);
      await pickVmInterface(page, 'rt-vm1');
      const status = await startCapture(page, 'icmp', 2);
      assert.match(await status.innerText(), new RegExp(`capturing on eth0 in ${vmNs('rt-vm1')} · 0/2 packets`));
      // The command line the server runs is shown as is.
      await page.getByText(`ip netns exec ${vmNs('rt-vm1')} tcpdump -l -nn -XX -c 2 -i eth0 -- icmp`).waitFor();
      await shot(page, '10a-capture-routing-listening');

      // ping exits non-zero if a reply is lost; the capture is what is checked, not ping.
      await run('ip', ['netns', 'exec', vmNs('rt-vm1'), 'ping', '-c', '2', '-i', '0.3', '-W', '2', '192.168.1.11']).catch(() => {});
      const rows = await waitForPackets(page, 2);
      assert.equal(await rows.count(), 2, 'count 2: two packets, then the capture ends');
      assert.match(await page.getByTestId('capture-status').innerText(), /Ended: captured 2 packets/);
      const texts = await rows.allInnerTexts();
      for (const t of texts) assert.match(t, /192\.168\.[01]\.11/, `a one-line summary with the addresses: ${t}`);
      const request = rows.filter({ hasText: /echo request/i }).first();
      assert.match(await request.innerText(), /192\.168\.0\.11.*192\.168\.1\.11/);
      assert.ok(await summaryFits(request), 'the summary shows "echo request", not an ellipsis');
      // The full tcpdump text opens under its summary.
      await request.locator('.capture-summary').click();
      assert.match(await request.locator('pre').innerText(), /0x0000:\s+4044 0000 0003 4044 0000 0001 0800/);
      await shot(page, '10b-capture-routing-packets');

      await request.getByTestId('capture-trace').click();
      await page.waitForURL(/\/t\/[^/]+$/, { timeout: 120_000 });
      await page.getByTestId('flow-graph').waitFor();
      const verdict = page.getByTestId('verdict');
      assert.equal(await verdict.getAttribute('data-dropped'), 'false');
      assert.match(await verdict.innerText(), /Delivered to rt-vm2/);
      assert.equal(await page.locator('[data-testid="flow-graph"] [data-drop="true"]').count(), 0);
    });
  });

  test('port-security: the spoofed Neighbor Advertisement captured in ps-vm1 is dropped in ls_in_apply_port_sec', { skip }, async () => {
    const na = (await scenarioPackets('port-security', 'netns')).find((p) => p.name === 'nd-na-bad-target');
    assert.ok(na, 'the port-security scenario has nd-na-bad-target');
    await withPage('11-capture-port-security-drop', async ({ page }) => {
      await openCapturePanel(page);
      await pickVmInterface(page, 'ps-vm1');
      await startCapture(page, 'icmp6 && ip6[40] = 136', 1);
      await run('ip', ['netns', 'exec', vmNs('ps-vm1'), 'python3', '-c', SEND_FRAME, na.hex]);
      const rows = await waitForPackets(page, 1);
      const row = rows.first();
      assert.match(await row.innerText(), /neighbor advertisement/i);
      assert.ok(await summaryFits(row), 'the summary is shown in full');
      await row.locator('.capture-summary').click();
      assert.match(await row.locator('pre').innerText(), /tgt is 2001:db8::99/);
      await shot(page, '11a-capture-port-security-packet');

      await row.getByTestId('capture-trace').click();
      await page.waitForURL(/\/t\/[^/]+$/, { timeout: 120_000 });
      await page.getByTestId('flow-graph').waitFor();
      const verdict = page.getByTestId('verdict');
      assert.equal(await verdict.getAttribute('data-dropped'), 'true');
      // OVN 23.03 checks ND targets in ls_in_apply_port_sec (older OVN: ls_in_port_sec_nd).
      assert.match(await verdict.innerText(), /Dropped at table \d+ — logical stage ls_in_apply_port_sec \(datapath ps-network\)/);
      const drop = page.locator('[data-testid="flow-graph"] [data-drop="true"]');
      assert.equal(await drop.count(), 1);
      assert.equal(await drop.getAttribute('data-stage'), 'ls_in_apply_port_sec');
    });
  });

  test("a bad filter shows tcpdump's own words; a closed tab leaves no tcpdump behind", { skip }, async () => {
    await withPage('12-capture-bad-filter', async ({ page }) => {
      await openCapturePanel(page);
      await pickVmInterface(page, 'rt-vm2');
      await page.getByTestId('capture-filter').fill('icmp and and');
      await page.getByTestId('capture-start').click();
      const problem = page.getByTestId('capture-error');
      await problem.waitFor({ timeout: 20_000 });
      assert.equal(await problem.getAttribute('data-kind'), 'bad-filter');
      const text = await problem.innerText();
      assert.match(text, /Bad capture filter/);
      assert.match(text, /tcpdump: can't parse filter expression: syntax error/);
      assert.equal(await page.getByTestId('capture-filter').getAttribute('aria-invalid'), 'true', 'the filter field is marked as the culprit');
      await page.getByTestId('capture-filter').fill('icmp and');
      assert.equal(await page.getByTestId('capture-filter').getAttribute('aria-invalid'), null, 'an edited filter is no longer marked');
      await page.getByTestId('capture-filter').fill('icmp and and');
      assert.deepEqual(descendants(server!.pid, 'tcpdump'), [], 'nothing runs after a refused filter');
    });

    // A capture that would run for a long time, then the tab goes away under it.
    const h = await openPage(browser!, server!.url);
    try {
      await openCapturePanel(h.page);
      await pickVmInterface(h.page, 'rt-vm2');
      await startCapture(h.page, 'udp port 9', 1000);
      const running = descendants(server!.pid, 'tcpdump');
      assert.equal(running.length, 1, `one tcpdump below the server (pid ${server!.pid}) while capturing`);
      await h.page.close();
      const gone = await eventually(() => descendants(server!.pid, 'tcpdump').length === 0, 3000);
      assert.ok(gone, `tcpdump ${descendants(server!.pid, 'tcpdump').join(', ')} still runs 3 s after the page closed`);
      assert.deepEqual(h.errors, [], 'no errors in the page');
    } finally {
      await h.context.close();
    }
  });
});
