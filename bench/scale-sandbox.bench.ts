// Builds a large ACL topology in a REAL sandbox (dummy mode, its own directory), then measures
// tracemap on the real output: dump-flows streamed through the parser (MB/s, peak RSS), the
// conjunction check, ovn-detrace vs tracemap's own logical join for one trace. Prints figures.
// usage: node --import tsx bench/scale-sandbox.bench.ts [--switches 20] [--acls-per-switch 100] [--addresses 50] [--keep] [--reuse] [--skip-dump] [--mapping]
//   --keep leaves the sandbox up; --reuse measures the topology a --keep run left; --skip-dump
//   measures only the annotation (the dump-flows part takes minutes at 4.5M flows).
import { spawn } from 'node:child_process';
import { Sandbox, run } from '@tracemap/sandbox';
import { createDumpFlowsParser } from '@tracemap/parsers';
import { checkConjunctions } from '@tracemap/analysis';
import { timeGet, timeNewQueries } from './inject-timing';

const arg = (k: string, d: number) => (process.argv.includes(`--${k}`) ? Number(process.argv[process.argv.indexOf(`--${k}`) + 1]) : d);
const S = arg('switches', 20), A = arg('acls-per-switch', 100), N = arg('addresses', 50);
const sb = new Sandbox('/tmp/tracemap-bench-sandbox');
const t = () => performance.now();
const mb = (b: number) => (b / 1048576).toFixed(1);

const t0 = t();
const reuse = process.argv.includes('--reuse');
await sb.up({ mode: 'dummy', scenarios: [] });
if (!reuse) {
// One ovn-nbctl transaction per switch: switch, 2 ports, port group, address set, A ACLs.
for (let s = 0; s < S; s++) {
  const cmds: string[] = ['--', 'ls-add', `sc${s}`];
  for (let p = 0; p < 2; p++) cmds.push('--', 'lsp-add', `sc${s}`, `sc${s}-p${p}`, '--', 'lsp-set-addresses', `sc${s}-p${p}`, `40:45:00:00:${s.toString(16).padStart(2, '0')}:0${p} 10.${100 + (s >> 8)}.${s & 255}.${10 + p}`);
  const addrs = Array.from({ length: N }, (_, i) => `"172.${16 + (i >> 8)}.${i & 255}.${s & 255}"`).join(',');
  cmds.push('--', 'pg-add', `sc${s}_pg`, `sc${s}-p1`, '--', 'create', 'Address_Set', `name=sc${s}_as`, `addresses=${addrs}`);
  for (let a = 0; a < A; a++) cmds.push('--', 'acl-add', `sc${s}_pg`, 'to-lport', String(1000 + a), `outport == @sc${s}_pg && ip4.src == $sc${s}_as && tcp.dst == {${1000 + a * 3}, ${1001 + a * 3}, ${1002 + a * 3}}`, 'allow-related');
  await sb.nbctl(cmds);
}
// Every OVS port in one transaction, without waiting for ovs-vswitchd: with the ports added one
// switch at a time, each ovs-vsctl waited on a vswitchd busy installing ovn-controller's flows.
const ports: string[] = [];
for (let s = 0; s < S; s++) for (const p of [`sc${s}-p0`, `sc${s}-p1`]) ports.push('--', 'add-port', 'br-int', p, '--', 'set', 'Interface', p, `external_ids:iface-id=${p}`);
await sb.vsctl(['--no-wait', ...ports]);
await sb.nbctl(['--wait=hv', '--timeout=600', 'sync']);
}
// --wait=hv can return before ovn-controller has claimed ports it had not seen yet: wait until
// the bridge's flow count stops changing (10 s steady).
{
  const flowCount = async () => Number(/flow_count=(\d+)/.exec((await sb.tool(['ovs-ofctl', 'dump-aggregate', 'br-int'], 1, true)).stdout)?.[1] ?? 0);
  let last = -1, steadySince = t();
  for (;;) {
    const n = await flowCount();
    if (n !== last) { last = n; steadySince = t(); }
    // ovn-controller computes for minutes at 40k ACLs and vswitchd applies its flow mods at the
    // end: a count still at the empty bridge's few flows is not "steady".
    else if (t() - steadySince > 10_000 && n > 100) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  console.log(`flows installed: ${last} after ${((t() - t0) / 1000).toFixed(1)} s`);
}
console.log(`topology: ${S} switches x ${A} ACLs (${S * A} ACLs, address sets of ${N}) built and installed in ${((t() - t0) / 1000).toFixed(1)} s`);

if (!process.argv.includes('--skip-dump')) {
// dump-flows streamed from the child's stdout into the parser
// keepFlows:false keeps only conjunction-related flows (what the check needs); the rest stream past.
const rss0 = process.memoryUsage().rss;
let peak = rss0, bytes = 0, count = 0, parseMs = 0;
const p = createDumpFlowsParser({ keepFlows: false, onFlow: () => count++ });
const t1 = t();
await new Promise<void>((resolve, reject) => {
  const child = spawn('ovs-ofctl', ['dump-flows', 'br-int'], { env: { ...process.env, OVS_RUNDIR: sb.env().OVS_RUNDIR } });
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (c: string) => {
    bytes += Buffer.byteLength(c);
    const tp = t();
    p.push(c);
    parseMs += t() - tp;
    peak = Math.max(peak, process.memoryUsage().rss);
  });
  child.on('error', reject);
  child.on('close', () => resolve());
});
const parsed = p.end();
const dt = (t() - t1) / 1000;
console.log(`dump-flows: ${count} flows, ${mb(bytes)} MB; wall ${dt.toFixed(2)} s with ovs-ofctl producing it; parser alone ${(parseMs / 1000).toFixed(2)} s = ${(bytes / 1048576 / (parseMs / 1000)).toFixed(1)} MB/s; RSS grew ${mb(peak - rss0)} MB (${((peak - rss0) / bytes).toFixed(2)}x input); diagnostics ${parsed.diagnostics.length}`);
// The same dump from a file, so the parser does not share the machine with ovs-ofctl.
{
  const file = '/tmp/tracemap-bench-dump-flows.txt';
  await run(['sh', '-c', 'exec ovs-ofctl dump-flows br-int > "$1"', 'sh', file], { env: { OVS_RUNDIR: sb.env().OVS_RUNDIR }, timeoutMs: 600_000 });
  const { createReadStream, statSync, rmSync } = await import('node:fs');
  const size = statSync(file).size;
  global.gc?.();
  const base = process.memoryUsage().rss;
  let top = base;
  const q = createDumpFlowsParser({ keepFlows: false });
  const tf = t();
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    q.push(chunk as string);
    top = Math.max(top, process.memoryUsage().rss);
  }
  const r = q.end();
  const secs = (t() - tf) / 1000;
  console.log(`dump-flows from a file: ${mb(size)} MB, ${r.value.flows.length} conjunction flows kept, ${secs.toFixed(2)} s = ${(size / 1048576 / secs).toFixed(1)} MB/s; RSS grew ${mb(top - base)} MB (${((top - base) / size).toFixed(2)}x input)`);
  rmSync(file);
}
const t2 = t();
const conj = checkConjunctions(parsed.value.flows);
console.log(`conjunction check: ${parsed.value.flows.length} conjunction flows, ${conj.broken.length} broken, ${(t() - t2).toFixed(0)} ms`);
}

// One trace through the real server app, ovn-detrace vs tracemap's own join:
//   cold    a new server: nothing in memory, so the join reads only the trace's cookies' rows
//           from the Southbound (two `ovsdb-client transact`);
//   cached  the same trace again (those cookies are cached for the index TTL);
//   warm    after the full index was built (one `ovsdb-client -f json dump` per table, as the
//           mapping routes load it), a new server-side lookup per step.
{
  const { buildApp } = await import('../apps/server/src/app');
  const { loadConfig } = await import('../apps/server/src/config');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dataDir = mkdtempSync(`${tmpdir()}/tracemap-bench-data-`);
  const e = sb.env();
  const config = loadConfig({ dataDir, env: {}, forceLocal: { name: 'bench', ovsRundir: e.OVS_RUNDIR, ovnRundir: e.OVN_RUNDIR, ovsDb: e.OVS_DB, ovnNb: e.OVN_NB_DB, ovnSb: e.OVN_SB_DB } });
  config.timeouts.traceMs = 600_000;
  config.indexTtlMs = 3_600_000;
  const app = await buildApp({ config });
  const body = { type: 'ofproto-trace', inPort: 'sc0-p0', flow: 'tcp,dl_src=40:45:00:00:00:00,dl_dst=40:45:00:00:00:01,nw_src=172.16.0.0,nw_dst=10.100.0.11,tp_dst=1000', annotate: 'both' };
  type Ann = { detraceMs?: number; nativeMs?: number; index?: string; check?: { agree: boolean; steps: number } };
  const ask = async (annotate = 'both') => {
    const r = await app.inject({ method: 'POST', url: '/api/traces', payload: { ...body, annotate } });
    if (r.statusCode !== 201) throw new Error(`POST /api/traces: ${r.statusCode} ${r.body.slice(0, 300)}`);
    return (r.json() as { trace: { annotation: Ann; runs: { output: string }[] } }).trace;
  };
  const cold = await ask();
  const cached = await ask('native');
  const target = app.config.hosts.find((h) => h.name === 'bench')!;
  const tb = t();
  const full = await app.flowIndex.logical(target);
  const buildMs = t() - tb;
  const warm = await ask();
  const lines = cold.runs[0]?.output.split('\n').length ?? 0;
  const d = cold.annotation.detraceMs ?? NaN, c = cold.annotation.nativeMs ?? NaN;
  console.log(`annotation of one trace (${lines} lines) through the server: ovn-detrace ${d} ms; tracemap cold ${c} ms (${cold.annotation.index}) = ${(d / c).toFixed(1)}x faster; agreement ${JSON.stringify(cold.annotation.check)}`);
  console.log(`  same trace again: ${cached.annotation.nativeMs} ms (${cached.annotation.index}, cached)`);
  console.log(`  full logical index: ${full.flows.length} logical flows loaded in ${buildMs.toFixed(0)} ms; then warm ${warm.annotation.nativeMs} ms (${warm.annotation.index}); ovn-detrace again ${warm.annotation.detraceMs} ms; agreement ${JSON.stringify(warm.annotation.check)}`);
  // --mapping: the mapping routes on this real topology (the OpenFlow index streams every flow).
  if (process.argv.includes('--mapping')) {
    const page = (label: string, url: string, runs = 1) => timeGet(app, label, url, runs, '  ');
    console.log('mapping routes on the real topology:');
    const first = await page('GET /api/openflow (cold: dump-flows -> index)', '/api/openflow?limit=100');
    console.log(`    ${first.index.size} OpenFlow flows indexed; rss ${(process.memoryUsage().rss / 1e9).toFixed(2)} GB`);
    const lf = await page('GET /api/lflows (warm)', '/api/lflows?limit=100', 9);
    await page('GET /api/lflows?stage=ls_out_acl&q=', '/api/lflows?stage=ls_out_acl&q=1042&limit=100', 9);
    const u = (lf.items as { uuid?: string }[]).find((x) => x.uuid)?.uuid;
    if (u) await page('GET /api/lflows/:uuid/openflow', `/api/lflows/${u}/openflow`, 9);
    await page('GET /api/openflow?table=44', '/api/openflow?table=44&limit=100', 9);
    await timeNewQueries(app, 'GET /api/openflow?q= (new query: full scan)', [1000, 1003, 1006, 1009, 1012].map((p) => `/api/openflow?q=tp_dst%3D${p}&limit=100`), '  ');
    await page('GET /api/openflow?q= next page', '/api/openflow?q=tp_dst%3D1000&limit=100&cursor=100', 9);
    await page('GET /api/stats/lflows', '/api/stats/lflows', 3);
    await page('GET /api/conjunctions', '/api/conjunctions', 3);
  }
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
}
if (!process.argv.includes('--keep')) await sb.down();
