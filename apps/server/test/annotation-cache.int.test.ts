// Table-0 and output flows carry Port_Binding cookies, not logical-flow ones. They must not be
// taken for a stale index: a warm annotation reuses the index instead of rebuilding it per trace.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { scenarioPackets } from '@tracemap/sandbox';
import { upSandbox, sandboxApp, tempDir } from './helpers';

describe('native annotation index', () => {
  let app: FastifyInstance;
  const d = tempDir();
  before(async () => {
    app = await sandboxApp(await upSandbox(), d.dir);
  });
  after(async () => {
    await app.close();
    d.cleanup();
  });

  it('is built once and reused by later traces whose steps have port-binding cookies', async () => {
    const [p] = await scenarioPackets('routing');
    const trace = async () => {
      const r = await app.inject({ method: 'POST', url: '/api/traces', payload: { type: 'ofproto-trace', inPort: p!.inPort, packet: p!.hex, annotate: 'native' } });
      assert.equal(r.statusCode, 201, r.body);
      return r.json().trace;
    };
    const first = await trace();
    assert.ok(first.ofproto.passes[0].steps.some((s: { logical?: unknown }) => s.logical), 'steps are annotated');
    const target = app.config.hosts.find((h) => h.name === app.config.defaultHost)!;
    const built = (await app.flowIndex.logical(target)).builtAt;
    await new Promise((r) => setTimeout(r, 2200)); // past the "just loaded" grace period
    await trace();
    assert.equal((await app.flowIndex.logical(target)).builtAt, built, 'the index was not rebuilt for a known trace');
  });
});
