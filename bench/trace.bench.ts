// Parse + analyse a long real ofproto/trace (a real OVS 3.1 recirculating trace repeated to
// >= 5,000 lines). Target: < 50 ms. Prints figures; asserts nothing.
// usage: node --import tsx bench/trace.bench.ts [--lines 5000]
import { readFileSync } from 'node:fs';
import { parseOfprotoTrace } from '@tracemap/parsers';
import { traceVerdict } from '@tracemap/analysis';

const want = Number(process.argv[process.argv.indexOf('--lines') + 1]) || 5000;
const one = readFileSync(new URL('../packages/parsers/test/fixtures/ofproto-trace/ovs31-routed-http.txt', import.meta.url), 'utf8');
let big = '';
while (big.split('\n').length < want) big += one;
const lines = big.split('\n').length;
traceVerdict(parseOfprotoTrace(big).value); // warm the JIT
const times: number[] = [];
for (let i = 0; i < 20; i++) {
  const t0 = performance.now();
  const r = parseOfprotoTrace(big);
  traceVerdict(r.value);
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
console.log(`ofproto/trace: ${lines} lines, ${(big.length / 1024).toFixed(0)} KiB: parse+verdict median ${times[10]!.toFixed(1)} ms, best ${times[0]!.toFixed(1)} ms, worst ${times.at(-1)!.toFixed(1)} ms (target < 50 ms)`);
