// Graph-build benchmark: joins real sandbox traces (ovn-detrace captures, OVS 3.1.0 / OVN 23.03.1)
// into one trace of ~2,000 steps, then times buildTraceGraph() full and compact. The web app must
// render such a trace in under 300 ms (issue 5), so the builder should take a small slice of that.
// Prints figures; asserts nothing about time.
//
//   node --import tsx bench/graph.bench.ts [--steps 2000]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OfprotoTrace, TracePass } from '@tracemap/model';
import { parseDumpFlows, parseOvnDetrace } from '@tracemap/parsers';
import { buildTraceGraph } from '@tracemap/analysis';

const arg = process.argv.indexOf('--steps');
const WANT = arg > 0 ? Number(process.argv[arg + 1]) : 2000;
const sb = join(import.meta.dirname, '..', 'packages', 'parsers', 'test', 'fixtures', 'sandbox');
const sources = ['routing/icmp-vm1-to-vm2', 'acl/icmp-allowed', 'load-balancer/tcp-to-vip', 'unknown/icmp-to-unknown-mac', 'broken-conjunction/tcp-80-falls-through'];
const traces = sources.map((s) => parseOvnDetrace(readFileSync(join(sb, `${s}.ovn-detrace.txt`), 'utf8')).value);
const broken = parseDumpFlows(readFileSync(join(sb, 'broken-conjunction/br-int.dump-flows.txt'), 'utf8')).value.conjunctions.broken;

// Concatenate passes (renumbered) until there are enough steps; the last pass keeps its drop.
const passes: TracePass[] = [];
let steps = 0;
for (let i = 0; steps < WANT; i++) {
  for (const p of traces[i % traces.length]!.passes) {
    passes.push({ ...p, index: passes.length });
    steps += p.steps.length;
  }
}
const big: OfprotoTrace = { kind: 'ovn-detrace', passes, verdict: { dropped: false, drop: null, outputs: [] }, diagnostics: [], lineCount: 0 };

function time(label: string, f: () => { nodes: unknown[]; edges: unknown[]; lanes: unknown[] }) {
  for (let i = 0; i < 5; i++) f(); // warm up
  const runs: number[] = [];
  let g = f();
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    g = f();
    runs.push(performance.now() - t0);
  }
  runs.sort((a, b) => a - b);
  console.log(`${label.padEnd(8)} ${steps} steps / ${passes.length} passes -> ${g.nodes.length} nodes, ${g.edges.length} edges, ${g.lanes.length} lanes: median ${runs[10]!.toFixed(2)} ms, max ${runs[runs.length - 1]!.toFixed(2)} ms`);
}
time('full', () => buildTraceGraph(big, { brokenConjunctions: broken }));
time('compact', () => buildTraceGraph(big, { compact: true, brokenConjunctions: broken }));
