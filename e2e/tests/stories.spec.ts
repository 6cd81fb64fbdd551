/*
 * The seed stories, end to end: real sandbox, real `tracemap serve`, real chromium.
 * One server for the file (tests run in order); the permalink story restarts it in place.
 * Run: node --import tsx --test e2e/tests/*.spec.ts
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { scenarioPackets, type ExamplePacket } from '@tracemap/sandbox';
import { ensureSandbox, launch, openPage, shot, startServer, surviveSandboxRebuild, type PageHandle, type RunningServer, stopBrowserAndServer } from '../fixtures/harness';
import { traceFromComposer, visibleInGraph } from '../fixtures/steps';

let server: RunningServer;
let browser: Browser;
let sandbox: Awaited<ReturnType<typeof ensureSandbox>>;
const packets = new Map<string, ExamplePacket>();

async function packet(scenario: string, name: string): Promise<ExamplePacket> {
  const key = `${scenario}/${name}`;
  if (!packets.has(key)) for (const p of await scenarioPackets(scenario)) packets.set(`${scenario}/${p.name}`, p);
  const p = packets.get(key);
  assert.ok(p, `no packet ${key}`);
  return p;
}

async function withPage(name: string, fn: (h: PageHandle) => Promise<void>, opts: { colorScheme?: 'light' | 'dark' } = {}) {
  const h = await openPage(browser, server.url, opts);
  try {
    await fn(h);
    assert.deepEqual(h.errors, [], 'no errors in the page');
  } finally {
    await shot(h.page, name).catch(() => {});
    await h.context.close();
  }
}

/** A test whose story is run again once if the sandbox was rebuilt under it (see harness). */
const story = (name: string, fn: () => Promise<void>) => test(name, () => surviveSandboxRebuild(sandbox, fn));

describe('where is my packet', { timeout: 15 * 60_000 }, () => {
  before(async () => {
    sandbox = await ensureSandbox();
    server = await startServer();
    browser = await launch();
  });

  after(async () => {
    await stopBrowserAndServer(browser, server);
  });

  story('port security drops the Neighbor Advertisement: drop node in the port-security stage', async () => {
    const p = await packet('port-security', 'nd-na-bad-target');
    await withPage('01-port-security-nd-drop', async ({ page }) => {
      await traceFromComposer(page, p);
      const verdict = page.getByTestId('verdict');
      assert.equal(await verdict.getAttribute('data-dropped'), 'true');
      assert.match(await verdict.innerText(), /Dropped at table \d+ — logical stage ls_in_\w*port_sec\w* \(datapath ps-network\)/);
      const drop = page.locator('[data-testid="flow-graph"] [data-drop="true"]');
      assert.equal(await drop.count(), 1);
      assert.match((await drop.getAttribute('data-stage')) ?? '', /port_sec/);
      assert.ok(await visibleInGraph(page, '[data-testid="flow-graph"] [data-drop="true"]'), 'the graph opens on the drop');
      // Select it: details and the raw output follow.
      await drop.click();
      await page.getByTestId('node-details').getByText('Logical flow', { exact: true }).waitFor();
      assert.match(await page.getByTestId('node-details').innerText(), /drop/);
      assert.ok((await page.locator('[data-testid="raw-output"] [data-hit="true"]').count()) > 0, 'raw output highlights the node lines');
    });
  });

  story('the SSH SYN is dropped by ls_out_acl after recirculation', async () => {
    const p = await packet('acl', 'tcp-ssh-syn');
    await withPage('02-acl-drop-after-recirc', async ({ page }) => {
      await traceFromComposer(page, p);
      assert.match(await page.getByTestId('verdict').innerText(), /ls_out_acl.*ac-network/s);
      assert.match(await page.getByTestId('verdict').innerText(), /ACL/);
      assert.ok((await page.locator('[data-edge-kind="recirc"]').count()) > 0, 'a recirculation edge');
      assert.ok((await page.locator('.pass-label').count()) > 0, 'a pass boundary');
      const drop = page.locator('[data-testid="flow-graph"] [data-drop="true"]');
      assert.equal(await drop.getAttribute('data-stage'), 'ls_out_acl');
      assert.ok(await visibleInGraph(page, '[data-testid="flow-graph"] [data-drop="true"]'));
      // Keyboard: walk back from the drop with the arrows.
      await drop.click();
      const before = await page.getByTestId('flow-graph').getAttribute('data-selected');
      await page.keyboard.press('ArrowLeft');
      const after = await page.getByTestId('flow-graph').getAttribute('data-selected');
      assert.notEqual(before, after, 'ArrowLeft moves along the path');
      // Compact mode folds pass-through tables.
      const full = Number(await page.getByTestId('flow-graph').getAttribute('data-nodes'));
      await page.getByTestId('compact-toggle').check();
      await page.waitForFunction((n) => Number(document.querySelector('[data-testid="flow-graph"]')?.getAttribute('data-nodes')) < n, full);
      assert.equal(await page.locator('[data-testid="flow-graph"] [data-drop="true"]').count(), 1, 'the drop survives folding');
    });
  });

  story('a broken conjunction is badged with its explanation', async () => {
    await sandbox.applyScenario('broken-conjunction');
    try {
      const p = await packet('broken-conjunction', 'tcp-80-falls-through');
      await withPage('03-broken-conjunction', async ({ page }) => {
        await traceFromComposer(page, p);
        const badge = page.locator('[data-testid="flow-graph"] [data-conj-broken="true"]');
        await badge.first().waitFor({ timeout: 30_000 });
        assert.match((await badge.first().getAttribute('aria-label')) ?? '', /conj/);
        // The node with the badge explains itself.
        await page.locator('[data-testid="flow-graph"] [data-node-id]:has([data-conj-broken="true"])').first().click();
        assert.match(await page.getByTestId('conj-explanation').innerText(), /conj_id=\d+/);
        // ovn-trace says delivered, OpenFlow drops: the disagreement is the finding.
        assert.ok((await page.getByTestId('disagreement').count()) === 1, 'the verdict banner says the traces disagree');
        assert.equal(await page.locator('[data-first-diff="true"]').count() >= 1, true, 'first difference marked side by side');
      });
    } finally {
      await sandbox.applyScenario('broken-conjunction', () => {}, { repair: true });
    }
  });

  story('routed ping crosses three datapaths and is delivered to rt-vm2', async () => {
    const p = await packet('routing', 'icmp-vm1-to-vm2');
    await withPage('04-routing-delivered', async ({ page }) => {
      await traceFromComposer(page, p);
      const verdict = page.getByTestId('verdict');
      assert.equal(await verdict.getAttribute('data-dropped'), 'false');
      assert.match(await verdict.innerText(), /Delivered to rt-vm2/);
      const tags = await page.locator('.lane-tag').allTextContents();
      for (const dp of ['rt-network1', 'rt-router1', 'rt-network2']) assert.ok(tags.some((t) => t.includes(dp)), `a lane for ${dp}`);
      assert.ok((await page.locator('[data-edge-kind="patch"]').count()) >= 2, 'patch-port hops');
      assert.equal(await page.locator('[data-testid="flow-graph"] [data-drop="true"]').count(), 0);
      assert.ok((await page.getByTestId('logical-vs-physical').count()) === 1);
    });
  });

  story('a pasted tcpdump capture decodes layer by layer, errors carry line numbers', async () => {
    const p = await packet('acl', 'icmp-allowed');
    await withPage('05-pasted-tcpdump', async ({ page }) => {
      await page.goto('/?tab=packet');
      // Bad input first: a cut hex line.
      await page.getByTestId('packet-input').fill(`${p.tcpdump.split('\n').slice(0, 2).join('\n')}\n\t0x0010:  zz`);
      await page.getByTestId('packet-decode').waitFor();
      const diag = page.getByTestId('packet-diagnostics');
      await diag.waitFor();
      assert.match(await diag.innerText(), /line \d+/);
      // The real capture.
      await page.getByTestId('packet-input').fill(p.tcpdump);
      const layers = await page.locator('[data-testid="decoded-packet"] .layer-name').allInnerTexts();
      assert.deepEqual(layers.slice(0, 3), ['eth', 'ipv4', 'icmp']);
      await shot(page, '05a-packet-decoded');
      await page.getByTestId('in-port').fill(p.inPort);
      await page.getByTestId('trace-submit').click();
      await page.waitForURL(/\/t\//, { timeout: 120_000 });
      assert.match(await page.getByTestId('verdict').innerText(), /Delivered to ac-vm2/);
    });
  });

  story('a permalink reopens after a server restart', async () => {
    const p = await packet('port-security', 'spoofed-eth-src');
    let path = '';
    let verdictBefore = '';
    await withPage('06a-permalink-before-restart', async ({ page }) => {
      path = await traceFromComposer(page, p);
      verdictBefore = await page.getByTestId('verdict').innerText();
    });
    const { port, dataDir } = server;
    await server.stop();
    server = await startServer({ port, dataDir });
    await withPage('06-permalink-after-restart', async ({ page }) => {
      await page.goto(path);
      await page.getByTestId('verdict').waitFor();
      assert.equal(await page.getByTestId('verdict').innerText(), verdictBefore);
      assert.equal(await page.locator('[data-testid="flow-graph"] [data-drop="true"]').count(), 1);
      // The page drew the first view; the whole record follows: raw output, node details, report.
      await page.getByTestId('raw-output').waitFor();
      await page.locator('[data-testid="flow-graph"] [data-drop="true"]').click();
      await page.waitForFunction(() => /ls_in_apply_port_sec/.test(document.querySelector('.details-cell')?.textContent ?? ''));
      assert.equal(await page.getByTestId('copy-bug-report').isEnabled(), true);
      await shot(page, '06b-permalink-reopened');
      // and it is in the recent list
      await page.goto('/');
      await page.locator(`[data-testid="recent-traces"] a[href="${path}"]`).first().waitFor();
    });
  });

  story('"Copy for bug report" produces Markdown with versions, commands, verdict, path and raw output', async () => {
    const p = await packet('acl', 'tcp-ssh-syn');
    await withPage('07-markdown-export', async ({ page }) => {
      await traceFromComposer(page, p);
      await page.getByTestId('copy-bug-report').click();
      const md = await page.getByTestId('share-text').inputValue();
      assert.match(md, /^### tracemap: Dropped at table \d+/);
      assert.match(md, /Versions: Open vSwitch \d+\.\d+/);
      assert.match(md, /```sh\n.*ovs-appctl/s);
      assert.match(md, /\| # \| table \| stage \|/);
      assert.match(md, /\*\*DROP\*\* ls_out_acl/);
      assert.match(md, /<details><summary>.*output \(\d+ lines\)<\/summary>/);
      assert.match(md, /Permalink: http:\/\/127\.0\.0\.1:\d+\/t\//);
      const clip = await page.evaluate(() => navigator.clipboard.readText()).catch(() => null);
      if (clip !== null) assert.equal(clip, md, 'the clipboard holds the same Markdown');
      await page.getByTestId('copy-permalink').click();
      assert.equal(await page.getByTestId('share-text').inputValue(), page.url().replace(/\?.*$/, ''));
      await page.getByTestId('copy-bug-report').click();
      await page.getByTestId('share-text').scrollIntoViewIfNeeded();
    });
  });

  story('the Logical, OpenFlow and Import tabs: the same SSH SYN, three ways', async () => {
    const p = await packet('acl', 'tcp-ssh-syn');
    await withPage('10-logical-openflow-import', async ({ page }) => {
      // Logical: ovn-trace of the datapath and microflow, on the host.
      await page.goto('/?tab=logical');
      await page.getByTestId('datapath').fill(p.datapath!);
      await page.getByTestId('microflow').fill(p.microflow!);
      await page.getByTestId('trace-submit').click();
      await page.waitForURL(/\/t\/[^/]+$/, { timeout: 120_000 });
      await page.getByTestId('flow-graph').waitFor();
      assert.match(await page.getByTestId('verdict').innerText(), /ls_out_acl/);
      assert.equal(await page.locator('[data-testid="flow-graph"] [data-drop="true"]').getAttribute('data-stage'), 'ls_out_acl');
      // OpenFlow: ofproto/trace of the packet's hex on br-int, annotated.
      await page.goto('/?tab=openflow');
      await page.getByTestId('of-in-port').fill(p.inPort);
      await page.getByTestId('of-packet').fill(p.hex);
      await page.getByTestId('trace-submit').click();
      await page.waitForURL(/\/t\/[^/]+$/, { timeout: 120_000 });
      await page.getByTestId('flow-graph').waitFor();
      assert.equal(await page.locator('[data-testid="flow-graph"] [data-drop="true"]').getAttribute('data-stage'), 'ls_out_acl');
      assert.ok((await page.locator('[data-edge-kind="recirc"]').count()) > 0, 'a recirculation edge');
      // Import: the raw ovn-detrace text of that trace, pasted; nothing runs on a host.
      const api = await page.evaluate(async (id) => (await (await fetch(`/api/traces/${id}`)).json()) as { runs: { tool: string; output: string }[] }, new URL(page.url()).pathname.split('/').pop());
      const detraced = api.runs.find((r) => r.tool === 'ovn-detrace')!.output;
      await page.goto('/?tab=import');
      await page.getByTestId('import-input').fill(detraced);
      assert.match(await page.getByTestId('import-kind').innerText(), /ovn-detrace/);
      await page.getByTestId('trace-submit').click();
      await page.waitForURL(/\/t\/[^/]+$/, { timeout: 60_000 });
      await page.getByTestId('flow-graph').waitFor();
      assert.equal(await page.locator('[data-testid="flow-graph"] [data-drop="true"]').getAttribute('data-stage'), 'ls_out_acl');
      assert.match(await page.getByTestId('trace-view').innerText(), /import trace/);
      await page.getByTestId('raw-output').waitFor();
      assert.match(await page.getByTestId('trace-view').innerText(), /pasted ovn-detrace output · \d+ lines/);
    });
  });

  story('mappings: filter logical flows, stage chart, OpenFlow flows with counters', async () => {
    await withPage('08-mappings', async ({ page }) => {
      await page.goto('/flows');
      await page.getByTestId('stage-chart').waitFor();
      await page.getByTestId('filter-datapath').selectOption('ac-network');
      await page.locator('[data-testid="lflow-list"] .lf-row').first().waitFor();
      await page.getByTestId('filter-q').fill('tcp.dst == 22');
      await page.waitForFunction(() => {
        const rows = [...document.querySelectorAll('[data-testid="lflow-list"] .lf-row')];
        return rows.length > 0 && rows.every((r) => r.textContent?.includes('tcp.dst == 22'));
      });
      await page.locator('[data-testid="lflow-list"] .lf-row').first().click();
      await page.getByTestId('openflow-flows').waitFor();
    });
  });

  story('mappings: the virtual list stays light at 500,000 rows', async () => {
    await withPage('09-mappings-500k', async ({ page }) => {
      await page.goto('/flows?synthetic=500000');
      const list = page.getByTestId('lflow-list');
      await list.locator('.lf-row').first().waitFor();
      assert.equal(await list.getAttribute('data-count'), '500000');
      const ms = await page.evaluate(async () => {
        const el = document.querySelector('[data-testid="lflow-list"]') as HTMLElement;
        const t0 = performance.now();
        for (let i = 1; i <= 60; i++) {
          el.scrollTop = (i / 60) * (el.scrollHeight - el.clientHeight);
          await new Promise((r) => requestAnimationFrame(() => r(null)));
        }
        return performance.now() - t0;
      });
      const rows = await list.locator('.lf-row').count();
      assert.ok(rows < 200, `only visible rows are in the DOM (${rows})`);
      assert.ok(ms / 60 < 50, `scrolling frame time ${(ms / 60).toFixed(1)} ms`);
    }, { colorScheme: 'dark' });
  });
});
