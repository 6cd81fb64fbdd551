// dump-flows benchmark: builds a large `ovs-ofctl dump-flows br-int` text from real sandbox lines
// (packages/parsers/test/fixtures/dump-flows/sandbox-br-int.txt, OVS 3.1.0 / OVN 23.03.1), varied
// per flow, with ~13% conjunction flows (conj_id= flows plus their conjunction(id,k/n) clauses) and
// the "NXST_FLOW reply (xid=0x4): flags=[more]" header repeated as large dumps do. Then streams it
// through createDumpFlowsParser() from a file and runs checkConjunctions() over the result.
// Prints figures; asserts nothing about time.
//
//   node --import tsx bench/dump-flows.bench.ts                 # 200,000 flows (~50 MB), < 1 minute
//   node --import tsx bench/dump-flows.bench.ts --flows 1800000 # the 40k-ACL size (~430 MB)
import { closeSync, createReadStream, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDumpFlowsParser } from '@tracemap/parsers';
import { checkConjunctions } from '@tracemap/analysis';

const argFlows = process.argv.indexOf('--flows');
const N = argFlows > 0 ? Number(process.argv[argFlows + 1]) : 200_000;
const CONJ_SHARE = 0.135; // 244k of 1.8M in the 40k-ACL topology

const fixture = join(import.meta.dirname, '..', 'packages', 'parsers', 'test', 'fixtures', 'dump-flows', 'sandbox-br-int.txt');
const real = readFileSync(fixture, 'utf8')
  .split('\n')
  .filter((l) => l.startsWith(' cookie='));
const plain = real.filter((l) => !/conj_id=|conjunction\(/.test(l));
const conjIdTemplate = real.find((l) => /conj_id=/.test(l))!;
const clauseTemplate = real.find((l) => /conjunction\(/.test(l))!;

/** Varies a real line: cookie, metadata (datapath), duration, counters; keeps the rest as printed. */
function vary(line: string, i: number): string {
  const cookie = ((i * 2654435761) >>> 0).toString(16);
  return line
    .replace(/cookie=0x[0-9a-f]+/, `cookie=0x${cookie}`)
    .replace(/duration=[\d.]+s/, `duration=${(i % 90000) / 7 + 0.001}s`.replace(/(\.\d{3})\d*s$/, '$1s'))
    .replace(/n_packets=\d+/, `n_packets=${i % 1000}`)
    .replace(/n_bytes=\d+/, `n_bytes=${(i % 1000) * 98}`)
    .replace(/metadata=0x[0-9a-f]+/, `metadata=0x${((i % 4000) + 1).toString(16)}`);
}

function generate(path: string): { bytes: number; flows: number; conjFlows: number } {
  const fd = openSync(path, 'w');
  let buf: string[] = [];
  let size = 0;
  let bytes = 0;
  let flows = 0;
  let conjFlows = 0;
  let conjId = 100_000;
  const emit = (s: string) => {
    buf.push(s);
    size += s.length + 1;
    if (size > 1 << 20) {
      const chunk = `${buf.join('\n')}\n`;
      bytes += writeSync(fd, chunk);
      buf = [];
      size = 0;
    }
  };
  emit('NXST_FLOW reply (xid=0x4): flags=[more]');
  while (flows < N) {
    if (flows % 5000 === 0 && flows > 0) emit('NXST_FLOW reply (xid=0x4): flags=[more]');
    // An ACL event adds 5 flows, a plain one 1: p = share / (5 - 4 * share) gives the share.
    if (Math.random() < CONJ_SHARE / (5 - 4 * CONJ_SHARE)) {
      // One ACL with address sets: a conj_id flow and clauses 1/3..3/3 (a few per clause).
      const id = conjId++;
      const meta = `metadata=0x${((id % 4000) + 1).toString(16)}`;
      emit(vary(conjIdTemplate, flows).replace(/conj_id=\d+/, `conj_id=${id}`).replace(/metadata=0x[0-9a-f]+/, meta));
      let k = 1;
      for (const per of [2, 1, 1]) {
        for (let j = 0; j < per; j++) {
          emit(
            clauseTemplate
              .replace(/conjunction\(\d+,\d\/\d\)/, `conjunction(${id},${k}/3)`)
              .replace(/tp_dst=\d+/, `tp_dst=${1000 + ((id * 7 + j) % 60000)}`)
              .replace(/metadata=0x[0-9a-f]+/, meta),
          );
        }
        k++;
      }
      flows += 5;
      conjFlows += 5;
    } else {
      emit(vary(plain[flows % plain.length]!, flows));
      flows++;
    }
  }
  emit('NXST_FLOW reply (xid=0x4):');
  bytes += writeSync(fd, `${buf.join('\n')}\n`);
  closeSync(fd);
  return { bytes, flows, conjFlows };
}

async function main(): Promise<void> {
  const path = join(tmpdir(), `tracemap-dump-flows-bench-${process.pid}.txt`);
  const t0 = performance.now();
  const gen = generate(path);
  const genMs = performance.now() - t0;
  const mb = statSync(path).size / 1e6;
  console.log(`generated ${gen.flows.toLocaleString()} flows (${gen.conjFlows.toLocaleString()} conjunction flows, ${((gen.conjFlows / gen.flows) * 100).toFixed(1)}%), ${mb.toFixed(1)} MB in ${(genMs / 1000).toFixed(1)} s`);

  globalThis.gc?.();
  const baseRss = process.memoryUsage().rss;
  let peakRss = baseRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
  const parser = createDumpFlowsParser();
  const t1 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const s = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
    s.on('data', (chunk) => {
      parser.push(chunk as string);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    });
    s.on('end', () => resolve());
    s.on('error', reject);
  });
  const result = parser.end();
  const parseMs = performance.now() - t1;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  clearInterval(sampler);
  unlinkSync(path);

  const v = result.value;
  console.log(`streamed parse: ${v.flows.length.toLocaleString()} flows, ${v.lineCount.toLocaleString()} lines in ${(parseMs / 1000).toFixed(2)} s = ${(mb / (parseMs / 1000)).toFixed(1)} MB/s (target >= 30)`);
  console.log(
    `peak RSS ${(peakRss / 1e6).toFixed(0)} MB (baseline ${(baseRss / 1e6).toFixed(0)} MB); growth ${((peakRss - baseRss) / 1e6).toFixed(0)} MB = ${((peakRss - baseRss) / 1e6 / mb).toFixed(2)}x input, total ${(peakRss / 1e6 / mb).toFixed(2)}x input (target < 3x)`,
  );
  console.log(`parser's own conjunction check: ${v.conjunctions.broken.length} broken; diagnostics: ${v.diagnostics.length}`);

  const t2 = performance.now();
  const report = checkConjunctions(v.flows);
  const conjMs = performance.now() - t2;
  console.log(
    `checkConjunctions over ${report.flows.toLocaleString()} flows (${report.conjIdFlows.toLocaleString()} conj_id, ${report.clauseFlows.toLocaleString()} clause flows): ${conjMs.toFixed(0)} ms (target < 5000), ${report.broken.length} broken`,
  );
}

void main();
