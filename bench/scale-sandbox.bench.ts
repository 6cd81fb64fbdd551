// Builds a large ACL topology in a REAL sandbox (dummy mode, its own directory), then measures
// tracemap on the real output: dump-flows streamed through the parser (MB/s, peak RSS), the
// conjunction check, ovn-detrace vs tracemap's own logical join for one trace. Prints figures.
// usage: node --import tsx bench/scale-sandbox.bench.ts [--switches 20] [--acls-per-switch 100] [--addresses 50] [--keep]
import { spawn } from 'node:child_process';
import { Sandbox, run } from '@tracemap/sandbox';
import { createDumpFlowsParser, parseOfprotoTrace, parseLogicalFlowJson } from '@tracemap/parsers';
import { checkConjunctions, indexLogicalFlows, joinTraceToLogical } from '@tracemap/analysis';

const arg = (k: string, d: number) => (process.argv.includes(`--${k}`) ? Number(process.argv[process.argv.indexOf(`--${k}`) + 1]) : d);
const S = arg('switches', 20), A = arg('acls-per-switch', 100), N = arg('addresses', 50);
const sb = new Sandbox('/tmp/tracemap-bench-sandbox');
const t = () => performance.now();
const mb = (b: number) => (b / 1048576).toFixed(1);

const t0 = t();
await sb.up({ mode: 'dummy', scenarios: [] });
// One ovn-nbctl transaction per switch: switch, 2 ports, port group, address set, A ACLs.
for (let s = 0; s < S; s++) {
  const cmds: string[] = ['--', 'ls-add', `sc${s}`];
  for (let p = 0; p < 2; p++) cmds.push('--', 'lsp-add', `sc${s}`, `sc${s}-p${p}`, '--', 'lsp-set-addresses', `sc${s}-p${p}`, `40:45:00:00:${s.toString(16).padStart(2, '0')}:0${p} 10.${100 + (s >> 8)}.${s & 255}.${10 + p}`);
  const addrs = Array.from({ length: N }, (_, i) => `"172.${16 + (i >> 8)}.${i & 255}.${s & 255}"`).join(',');
  cmds.push('--', 'pg-add', `sc${s}_pg`, `sc${s}-p1`, '--', 'create', 'Address_Set', `name=sc${s}_as`, `addresses=${addrs}`);
  for (let a = 0; a < A; a++) cmds.push('--', 'acl-add', `sc${s}_pg`, 'to-lport', String(1000 + a), `outport == @sc${s}_pg && ip4.src == $sc${s}_as && tcp.dst == {${1000 + a * 3}, ${1001 + a * 3}, ${1002 + a * 3}}`, 'allow-related');
  await sb.nbctl(cmds);
  await sb.vsctl(['--', 'add-port', 'br-int', `sc${s}-p0`, '--', 'set', 'Interface', `sc${s}-p0`, `external_ids:iface-id=sc${s}-p0`, '--', 'add-port', 'br-int', `sc${s}-p1`, '--', 'set', 'Interface', `sc${s}-p1`, `external_ids:iface-id=sc${s}-p1`]);
}
await sb.nbctl(['--wait=hv', '--timeout=600', 'sync']);
console.log(`topology: ${S} switches x ${A} ACLs (${S * A} ACLs, address sets of ${N}) built and installed in ${((t() - t0) / 1000).toFixed(1)} s`);

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

// One trace: ovn-detrace vs tracemap's own join
const trace = (await sb.tool(['ovs-appctl', 'ofproto/trace', 'br-int', 'tcp,in_port=sc0-p0,dl_src=40:45:00:00:00:00,dl_dst=40:45:00:00:00:01,nw_src=172.16.0.0,nw_dst=10.100.0.11,tp_dst=1000'])).stdout;
const e = sb.env();
const t3 = t();
await run(['ovn-detrace', `--ovnnb=${e.OVN_NB_DB}`, `--ovnsb=${e.OVN_SB_DB}`, '--ovs', `--ovsdb=${e.OVS_DB}`], { input: trace, timeoutMs: 600_000 });
const detraceMs = t() - t3;
const t4 = t();
const dump = (await run(['ovsdb-client', '-f', 'json', 'dump', e.OVN_SB_DB, 'OVN_Southbound'], { timeoutMs: 600_000 })).stdout;
const lflows = parseLogicalFlowJson(dump).value;
const index = indexLogicalFlows(lflows.flows);
const coldMs = t() - t4;
const t5 = t();
const joined = joinTraceToLogical(parseOfprotoTrace(trace).value, index);
const warmMs = t() - t5;
const annotated = joined.passes.flatMap((x) => x.steps).filter((s) => s.logical).length;
console.log(`annotation of one trace (${trace.split('\n').length} lines, ${lflows.flows.length} logical flows): ovn-detrace ${detraceMs.toFixed(0)} ms; tracemap cold (SB dump + index) ${coldMs.toFixed(0)} ms = ${(detraceMs / coldMs).toFixed(1)}x faster, warm ${warmMs.toFixed(1)} ms; ${annotated} steps annotated`);
if (!process.argv.includes('--keep')) await sb.down();
