// Shared by the server benches: time GETs through app.inject and print one line each.
import type { FastifyInstance } from 'fastify';

/** GET `url` `runs` times; prints the label with the time (median and max for several runs) and the body size; returns the last body parsed. */
export async function timeGet(app: FastifyInstance, label: string, url: string, runs = 1, indent = ''): Promise<any> {
  const ms: number[] = [];
  let body = '';
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    const r = await app.inject(url);
    ms.push(performance.now() - s);
    if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body.slice(0, 300)}`);
    body = r.body;
  }
  ms.sort((a, b) => a - b);
  console.log(`${indent}${label.padEnd(46)} ${runs > 1 ? `median ${ms[Math.floor(runs / 2)]!.toFixed(1)} ms, max ${ms.at(-1)!.toFixed(1)} ms` : `${ms[0]!.toFixed(0)} ms`}  (${(body.length / 1024).toFixed(0)} KiB)`);
  return JSON.parse(body);
}

/** A new text query per run (each one a full scan; later pages are memoised): median and max. */
export async function timeNewQueries(app: FastifyInstance, label: string, urls: string[], indent = ''): Promise<void> {
  const ms: number[] = [];
  for (const url of urls) {
    const s = performance.now();
    const r = await app.inject(url);
    ms.push(performance.now() - s);
    if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode}`);
  }
  ms.sort((a, b) => a - b);
  console.log(`${indent}${label.padEnd(46)} median ${ms[Math.floor(ms.length / 2)]!.toFixed(1)} ms, max ${ms.at(-1)!.toFixed(1)} ms (${urls.length} queries)`);
}
