import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { buildTraceGraph } from '@tracemap/analysis';
import { acceptsGzip, buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { tempDir } from './helpers';

/*
 * JSON answers are gzipped for clients that ask (a 2,000-step trace is megabytes), and plain for
 * the rest. An import runs nothing on a host, so no sandbox is needed.
 */
const FIXTURES = join(import.meta.dirname, '../../../packages/parsers/test/fixtures/sandbox/acl');
const text = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.ovn-detrace.txt'))
  .map((f) => readFileSync(join(FIXTURES, f), 'utf8'))[0]!;

describe('response compression', () => {
  const data = tempDir();
  let app: FastifyInstance;
  let id = '';

  before(async () => {
    app = await buildApp({ config: loadConfig({ dataDir: data.dir, env: {} }) });
    const r = await app.inject({ method: 'POST', url: '/api/traces', payload: { type: 'import', text } });
    assert.equal(r.statusCode, 201, r.body);
    id = r.json<{ id: string }>().id;
  });

  after(async () => {
    await app?.close();
    data.cleanup();
  });

  it('gzips a trace for a client that accepts gzip', async () => {
    const plain = await app.inject({ url: `/api/traces/${id}` });
    const r = await app.inject({ url: `/api/traces/${id}`, headers: { 'accept-encoding': 'gzip, deflate, br' } });
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.match(String(r.headers['content-type']), /^application\/json/);
    assert.match(String(r.headers.vary), /accept-encoding/i);
    const body = gunzipSync(r.rawPayload);
    assert.ok(r.rawPayload.length < body.length / 3, `compressed ${body.length} -> ${r.rawPayload.length} bytes`);
    assert.deepEqual(JSON.parse(body.toString('utf8')), plain.json());
    assert.equal(JSON.parse(body.toString('utf8')).id, id);
  });

  it('sends plain JSON to a client that does not ask for gzip, or refuses it', async () => {
    for (const headers of [{}, { 'accept-encoding': 'identity' }, { 'accept-encoding': 'gzip;q=0, deflate' }]) {
      const r = await app.inject({ url: `/api/traces/${id}`, headers });
      assert.equal(r.statusCode, 200);
      assert.equal(r.headers['content-encoding'], undefined, JSON.stringify(headers));
      assert.equal(r.json<{ id: string }>().id, id);
      assert.equal(Number(r.headers['content-length']), r.rawPayload.length);
    }
  });

  it('leaves small answers and errors readable', async () => {
    const health = await app.inject({ url: '/api/health', headers: { 'accept-encoding': 'gzip' } });
    assert.equal(health.headers['content-encoding'], undefined);
    assert.equal(health.json<{ ok: boolean }>().ok, true);
    const missing = await app.inject({ url: '/api/traces/zzzzzzzzzzzz', headers: { 'accept-encoding': 'gzip' } });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.headers['content-encoding'], undefined);
    assert.equal(missing.json<{ error: { kind: string } }>().error.kind, 'not-found');
  });

  it('GET /api/traces/:id/view: the light record, the default graph, the sources; gzipped or not', async () => {
    const full = (await app.inject({ url: `/api/traces/${id}` })).json();
    for (const headers of [{}, { 'accept-encoding': 'gzip' }]) {
      const r = await app.inject({ url: `/api/traces/${id}/view`, headers });
      assert.equal(r.statusCode, 200, r.body);
      const v = JSON.parse((headers['accept-encoding'] ? gunzipSync(r.rawPayload) : r.rawPayload).toString('utf8'));
      assert.equal(v.record.light, true);
      assert.equal(v.record.id, id);
      assert.deepEqual(v.record.verdict, full.verdict);
      assert.equal(v.record.runs[0].output, '');
      assert.equal(v.record.runs[0].outputBytes, full.runs[0].output.length);
      assert.deepEqual(v.record.ofproto.passes, []);
      assert.deepEqual(v.sources, ['physical']);
      assert.deepEqual(v.graph, buildTraceGraph(full.ofproto, { compact: false, brokenConjunctions: [] }), 'the graph the page would build');
      assert.equal(v.comparison, null, 'an import has one tool only');
      assert.equal(v.compact, false);
    }
    const c = (await app.inject({ url: `/api/traces/${id}/view?compact=1` })).json();
    assert.equal(c.compact, true);
    assert.deepEqual(c.graph, buildTraceGraph(full.ofproto, { compact: true, brokenConjunctions: [] }));
    assert.ok(c.graph.nodes.length < full.ofproto.passes.reduce((n: number, p: { steps: unknown[] }) => n + p.steps.length, 0), 'folded');
    assert.equal((await app.inject({ url: `/api/traces/${id}/view?compact=yes` })).statusCode, 400);
    const missing = await app.inject({ url: '/api/traces/zzzzzzzzzzzz/view', headers: { 'accept-encoding': 'gzip' } });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json<{ error: { kind: string } }>().error.kind, 'not-found');
  });

  it('reads Accept-Encoding', () => {
    assert.equal(acceptsGzip('gzip'), true);
    assert.equal(acceptsGzip('deflate, gzip;q=0.5'), true);
    assert.equal(acceptsGzip('*'), true);
    assert.equal(acceptsGzip('gzip;q=0'), false);
    assert.equal(acceptsGzip('br, deflate'), false);
    assert.equal(acceptsGzip(undefined), false);
    assert.equal(acceptsGzip('*;q=0, gzip'), true);
    assert.equal(acceptsGzip('gzip;q=0, *'), false);
    assert.equal(acceptsGzip(['deflate', 'gzip']), true);
  });
});
