// Web render benchmark (issue 5 item 6): a trace of >= 2,000 steps, opened at /t/:id in headless
// chromium, against a real `tracemap serve`. Prints figures; asserts nothing.
//
// The trace is real output joined: every packages/parsers/test/fixtures/sandbox/*/*.ovn-detrace.txt
// (OVS 3.1.0 / OVN 23.03.1) concatenated, repeated until it has enough steps, and imported with
// POST /api/traces {type:'import'} (an import runs nothing on a host, so no sandbox is needed).
//
// Figures:
//   render  navigation start -> the FlowGraph's first commit with its nodes in the DOM (the page's
//           performance mark 'tracemap:graph-rendered'), with the trace fetch's end for context,
//           and -> the end of the frame that paints it ('tracemap:graph-painted');
//   nodes   <g data-node-id> elements in the DOM (the graph culls to the viewport: data-nodes is
//           the whole graph's count), and all elements under the svg;
//   pan     frame times (requestAnimationFrame deltas inside the page) while the bench drags the
//           graph with the mouse for 2 s (back and forth, within one drawn region), then drags it
//           far for 2 s (a screen at a time, so the drawn region is replaced as it goes), then
//           while it zooms with the wheel for 1 s.
// Targets (issue 5): render < 300 ms, pan at 60 fps.
//
//   npm run build -w @tracemap/web   # the server serves apps/web/dist
//   node --import tsx bench/web-render.bench.ts [--steps 2000] [--runs 5]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { parseOvnDetrace } from '@tracemap/parsers';

const ROOT = join(import.meta.dirname, '..');
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const WANT = arg('--steps', 2000);
const RUNS = arg('--runs', 5);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// --profile FILE: a CPU profile (Chrome DevTools .cpuprofile) of the first full render, and its
// top functions by self time printed.
const PROFILE = process.argv.includes('--profile') ? process.argv[process.argv.indexOf('--profile') + 1] : undefined;
// --trace FILE: a Chrome trace (chrome://tracing / DevTools) of the first full render, and the
// main thread's time per event type until the graph is rendered.
const TRACE = process.argv.includes('--trace') ? process.argv[process.argv.indexOf('--trace') + 1] : undefined;

// ---- the trace ----------------------------------------------------------------------------
const sb = join(ROOT, 'packages', 'parsers', 'test', 'fixtures', 'sandbox');
const files = readdirSync(sb)
  .filter((d) => !d.startsWith('_'))
  .flatMap((d) => readdirSync(join(sb, d)).filter((f) => f.endsWith('.ovn-detrace.txt')).map((f) => join(sb, d, f)))
  .sort();
const one = files.map((f) => readFileSync(f, 'utf8').trimEnd()).join('\n');
let text = one;
let steps = 0;
for (;;) {
  const t = parseOvnDetrace(text).value;
  steps = t.passes.reduce((a, p) => a + p.steps.length, 0);
  if (steps >= WANT) break;
  text += `\n${one}`;
}

// ---- the server ---------------------------------------------------------------------------
async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

if (!existsSync(join(ROOT, 'apps/web/dist/index.html'))) console.warn('apps/web/dist is not built: run `npm run build -w @tracemap/web` first');
const port = await freePort();
const dataDir = mkdtempSync(join(tmpdir(), 'tracemap-bench-web-'));
const t0 = performance.now();
const child = spawn(process.execPath, [join(ROOT, 'packages/cli/bin/tracemap.mjs'), 'serve', '--port', String(port), '--host', '127.0.0.1', '--data', dataDir], {
  cwd: ROOT,
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, TRACEMAP_LOG: 'warn' },
});
let log = '';
child.stdout?.on('data', (d) => (log += String(d)));
child.stderr?.on('data', (d) => (log += String(d)));
const exited = new Promise<void>((res) => child.once('exit', () => res()));
const base = `http://127.0.0.1:${port}`;

async function stopServer() {
  if (child.exitCode !== null || child.signalCode !== null) return;
  process.kill(child.pid!, 'SIGTERM');
  const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid!, 'SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))] ?? NaN;
};
const ms = (x: number) => `${x.toFixed(1)} ms`;

// In the page: record requestAnimationFrame deltas (and long tasks) for `seconds`.
const RECORD_FRAMES = (seconds: number) => `new Promise((resolve) => {
  const deltas = [];
  let longTasks = 0;
  let po;
  try { po = new PerformanceObserver((l) => { longTasks += l.getEntries().length; }); po.observe({ type: 'longtask' }); } catch {}
  const start = performance.now();
  let last = start;
  const tick = (now) => {
    deltas.push(now - last);
    last = now;
    if (now - start < ${seconds * 1000}) requestAnimationFrame(tick);
    else { po && po.disconnect(); resolve({ deltas: deltas.slice(1), elapsed: now - start, longTasks }); }
  };
  requestAnimationFrame((now) => { last = now; requestAnimationFrame(tick); });
})`;

interface Frames {
  deltas: number[];
  elapsed: number;
  longTasks: number;
}

function printFrames(label: string, f: Frames, moved: string) {
  const fps = (f.deltas.length / f.elapsed) * 1000;
  const over = f.deltas.filter((d) => d > 1000 / 60 + 4).length;
  console.log(
    `${label.padEnd(11)} ${f.deltas.length} frames in ${ms(f.elapsed)}: median ${ms(q(f.deltas, 0.5))}, p95 ${ms(q(f.deltas, 0.95))}, max ${ms(Math.max(...f.deltas))}; ${fps.toFixed(1)} fps; ${over} frames > 20.7 ms; ${f.longTasks} long tasks; ${moved}`,
  );
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples?: number[];
  timeDeltas?: number[];
}
/** Top functions by self time, and the sampled span. */
function printProfile(p: CpuProfile) {
  const self = new Map<number, number>();
  const deltas = p.timeDeltas ?? [];
  (p.samples ?? []).forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0)));
  const byName = new Map<string, number>();
  for (const n of p.nodes) {
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
    byName.set(key, (byName.get(key) ?? 0) + (self.get(n.id) ?? 0));
  }
  const total = deltas.reduce((a, b) => a + b, 0);
  console.log(`profile: ${(total / 1000).toFixed(0)} ms sampled; top self time:`);
  for (const [k, us] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${(us / 1000).toFixed(1).padStart(7)} ms  ${k}`);
}

/** Main-thread time per top-level trace event name, up to the 'tracemap:graph-rendered' mark. */
function printTrace(t: { traceEvents: { name: string; ph: string; ts: number; dur?: number; tid: number; pid: number; args?: { name?: string } }[] }) {
  const ev = t.traceEvents;
  const nav = ev.find((e) => e.name === 'navigationStart' || e.name === 'NavigationBodyLoader::StartLoadingBody');
  const end = ev.find((e) => e.name === 'tracemap:graph-rendered');
  const main = ev.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  if (!main || !end) return console.log('trace: no renderer main thread or no graph-rendered mark');
  const t0 = nav?.ts ?? Math.min(...ev.filter((e) => e.tid === main.tid && e.ph === 'X').map((e) => e.ts));
  const top = ev.filter((e) => e.tid === main.tid && e.pid === main.pid && e.ph === 'X' && e.dur && e.ts >= t0 && e.ts <= end.ts).sort((a, b) => a.ts - b.ts);
  // Only outermost events: children are inside their parents' durations.
  const by = new Map<string, number>();
  let until = 0;
  const rows: string[] = [];
  for (const e of top) {
    if (e.ts < until) continue;
    until = e.ts + e.dur!;
    by.set(e.name, (by.get(e.name) ?? 0) + e.dur!);
    if (e.dur! > 8000) rows.push(`    ${((e.ts - t0) / 1000).toFixed(0).padStart(5)} ms +${(e.dur! / 1000).toFixed(1)} ${e.name}`);
  }
  const nested = new Map<string, number>();
  for (const e of top) if (/Layout|Style|Paint|Parse|Compile|GC/i.test(e.name)) nested.set(e.name, (nested.get(e.name) ?? 0) + e.dur!);
  console.log(`trace: ${((end.ts - t0) / 1000).toFixed(0)} ms to graph-rendered; main thread busy (outermost events):`);
  for (const [k, us] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`  ${(us / 1000).toFixed(1).padStart(7)} ms  ${k}`);
  console.log('  of which (any depth): ' + [...nested].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, us]) => `${k} ${(us / 1000).toFixed(1)}`).join(', '));
  console.log('  long events:\n' + rows.join('\n'));
}

const zoomAttr = (page: Page) => page.evaluate(`document.querySelector('[data-testid="flow-graph"]').dataset.zoom`) as Promise<string>;

try {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tracemap serve exited:\n${log}`);
    try {
      if ((await fetch(`${base}/api/health`)).ok) break;
    } catch {
      /* not yet */
    }
    if (performance.now() - t0 > 60_000) throw new Error(`tracemap serve did not answer within 60 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log(`tracemap serve pid ${child.pid} on ${base}, up in ${ms(performance.now() - t0)}`);

  const ti = performance.now();
  const res = await fetch(`${base}/api/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'import', text }) });
  if (res.status !== 201) throw new Error(`import: HTTP ${res.status}: ${await res.text()}`);
  const { id } = (await res.json()) as { id: string };
  console.log(`import: ${files.length} real ovn-detrace captures joined, ${steps} steps, ${text.split('\n').length} lines, ${(text.length / 1e6).toFixed(2)} MB -> /t/${id} in ${ms(performance.now() - ti)}`);

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: base });
    for (const variant of ['', '?compact=1']) {
      const renders: number[] = [];
      const painted: number[] = [];
      const fetchEnds: number[] = [];
      let elements = 0;
      let nodes = 0;
      let dataNodes = '';
      let view = '';
      for (let i = 0; i < RUNS; i++) {
        const page = await context.newPage();
        const profiling = PROFILE && i === 0 && !variant ? await context.newCDPSession(page) : undefined;
        if (profiling) {
          await profiling.send('Profiler.enable');
          await profiling.send('Profiler.setSamplingInterval', { interval: 100 });
          await profiling.send('Profiler.start');
        }
        const tracing = TRACE && i === 0 && !variant;
        if (tracing) await browser.startTracing(page, { path: TRACE, categories: ['devtools.timeline', 'v8.execute', 'blink.user_timing', 'loading'] });
        await page.goto(`/t/${id}${variant}`);
        await page.waitForFunction(`performance.getEntriesByName('tracemap:graph-rendered').length > 0`, undefined, { timeout: 60_000 });
        if (tracing) printTrace(JSON.parse((await browser.stopTracing()).toString('utf8')));
        if (profiling && PROFILE) {
          const { profile } = await profiling.send('Profiler.stop');
          writeFileSync(PROFILE, JSON.stringify(profile));
          printProfile(profile);
          await profiling.detach();
        }
        await page.waitForFunction(`performance.getEntriesByName('tracemap:graph-painted').length > 0`, undefined, { timeout: 5_000 }).catch(() => {});
        const m = (await page.evaluate(`(() => {
          const mark = performance.getEntriesByName('tracemap:graph-rendered')[0];
          const paint = performance.getEntriesByName('tracemap:graph-painted')[0];
          // The first view the page draws from (GET /api/traces/:id/view), else the whole record.
          const resources = performance.getEntriesByType('resource');
          const api = resources.find((r) => /\\/api\\/traces\\/[^/?]+\\/view(\\?|$)/.test(r.name)) ?? resources.find((r) => /\\/api\\/traces\\/[^/?]+$/.test(r.name));
          const svg = document.querySelector('[data-testid="flow-graph"]');
          const js = performance.getEntriesByType('resource').find((r) => /\\/assets\\/.*\\.js$/.test(r.name));
          const nav = performance.getEntriesByType('navigation')[0];
          const f = (x) => x ? x.toFixed(0) : '?';
          const marks = performance.getEntriesByType('mark').map((m) => m.name.replace('tracemap:', '') + ' ' + f(m.startTime)).join(', ');
          const timeline = 'html ' + f(nav && nav.responseEnd) + ', js ' + f(js && js.responseEnd) + ', DOMContentLoaded ' + f(nav && nav.domContentLoadedEventEnd) + ', trace request ' + f(api && api.requestStart) + ' first byte ' + f(api && api.responseStart) + ' end ' + f(api && api.responseEnd) + ' (' + f(api && api.encodedBodySize / 1024) + ' KiB on the wire, ' + f(api && api.decodedBodySize / 1024) + ' KiB), marks: ' + marks;
          return { timeline, render: mark.startTime, painted: paint ? paint.startTime : NaN, fetchEnd: api ? api.responseEnd : NaN, nodes: document.querySelectorAll('[data-testid="flow-graph"] [data-node-id]').length, elements: svg.querySelectorAll('*').length, dataNodes: svg.getAttribute('data-nodes'), view: svg.dataset.view + ' @ ' + svg.dataset.zoom + ', lod ' + svg.dataset.lod };
        })()`)) as { timeline: string; render: number; painted: number; fetchEnd: number; nodes: number; elements: number; dataNodes: string; view: string };
        if (process.argv.includes('--timeline')) console.log(`  run ${i + 1}: ${m.timeline}`);
        renders.push(m.render);
        painted.push(m.painted);
        elements = m.elements;
        fetchEnds.push(m.fetchEnd);
        nodes = m.nodes;
        dataNodes = m.dataNodes;
        view = m.view;
        if (i < RUNS - 1) await page.close();
        else {
          const label = variant ? 'compact' : 'full';
          console.log(
            `render ${label.padEnd(7)} ${nodes} nodes in the DOM (data-nodes ${dataNodes}; ${elements} svg elements); navigation -> graph rendered: first ${ms(renders[0]!)}, median of ${RUNS} ${ms(q(renders, 0.5))}, p90 ${ms(q(renders, 0.9))}, min ${ms(Math.min(...renders))}, max ${ms(Math.max(...renders))}; -> painted median ${ms(q(painted, 0.5))}; trace fetch done at median ${ms(q(fetchEnds, 0.5))}, so fetch end -> rendered median ${ms(q(renders.map((r, j) => r - fetchEnds[j]!), 0.5))}; opened on ${view}`,
          );
          // Pan: drag the graph back and forth for 2 s while the page records frames.
          const box = (await page.getByTestId('flow-graph').boundingBox())!;
          const cx = box.x + box.width / 2;
          const cy = box.y + box.height / 2;
          const before = await zoomAttr(page);
          const framesP = page.evaluate(RECORD_FRAMES(2)) as Promise<Frames>;
          await page.mouse.move(cx, cy);
          await page.mouse.down();
          const tp = performance.now();
          let moves = 0;
          while (performance.now() - tp < 2000) {
            const ph = (performance.now() - tp) / 1000;
            await page.mouse.move(cx + Math.sin(ph * Math.PI * 2) * 300, cy + Math.sin(ph * Math.PI * 4) * 80);
            moves++;
          }
          await page.mouse.up();
          const pan = await framesP;
          printFrames(`pan ${label}`, pan, `${moves} mousemoves, transform ${before} -> ${await zoomAttr(page)}`);
          // Pan far: drag the graph down (the view goes back up the walk from its end) a screen-height at a time.
          const beforeF = await zoomAttr(page);
          const farP = page.evaluate(RECORD_FRAMES(2)) as Promise<Frames>;
          const tf = performance.now();
          let farMoves = 0;
          while (performance.now() - tf < 2000) {
            await page.mouse.move(cx, box.y + 20);
            await page.mouse.down();
            for (let j = 1; j <= 12 && performance.now() - tf < 2000; j++, farMoves++) await page.mouse.move(cx - j * 10, box.y + 20 + (j * (box.height - 40)) / 12);
            await page.mouse.up();
          }
          const far = await farP;
          printFrames(`far ${label}`, far, `${farMoves} mousemoves, transform ${beforeF} -> ${await zoomAttr(page)}; ${await page.evaluate(`document.querySelectorAll('[data-testid="flow-graph"] [data-node-id]').length`)} nodes in the DOM after`);
          // Wheel: zoom in and out around the centre for 1 s.
          const beforeW = await zoomAttr(page);
          await page.mouse.move(cx, cy);
          const wheelP = page.evaluate(RECORD_FRAMES(1)) as Promise<Frames>;
          const tw = performance.now();
          let wheels = 0;
          while (performance.now() - tw < 1000) {
            await page.mouse.wheel(0, wheels % 20 < 10 ? -40 : 40);
            wheels++;
          }
          const wheel = await wheelP;
          printFrames(`wheel ${label}`, wheel, `${wheels} wheel events, transform ${beforeW} -> ${await zoomAttr(page)}`);
          await page.close();
        }
      }
    }
    await context.close();
  } finally {
    await browser.close();
  }
  console.log('targets: render < 300 ms, pan at 60 fps (16.7 ms frames)');
} finally {
  await stopServer();
  rmSync(dataDir, { recursive: true, force: true });
}
