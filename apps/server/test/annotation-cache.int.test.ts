// Native annotation: cold, it reads only the trace's cookies from the Southbound (and caches
// them); warm, it uses the full index, and table-0/output flows' Port_Binding cookies are not
// taken for a stale index (a warm annotation must not rebuild the index per trace).
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

  const trace = async () => {
    const [p] = await scenarioPackets('routing');
    const r = await app.inject({ method: 'POST', url: '/api/traces', payload: { type: 'ofproto-trace', inPort: p!.inPort, packet: p!.hex, annotate: 'native' } });
    assert.equal(r.statusCode, 201, r.body);
    return r.json().trace;
  };
  const target = () => app.config.hosts.find((h) => h.name === app.config.defaultHost)!;

  it('cold: reads the cookies of the trace, caches them, and leaves the full index unbuilt', async () => {
    const first = await trace();
    assert.equal(first.annotation.index, 'cookies');
    const annotated = first.ofproto.passes[0].steps.filter((s: { logical?: unknown }) => s.logical);
    assert.ok(annotated.length >= 5, `${annotated.length} steps annotated`);
    assert.ok(annotated.some((s: { logical: { stage?: string } }) => s.logical.stage === 'ls_in_l2_lkup'));
    assert.equal(app.flowIndex.peekLogical(target()), undefined);
    const cookies = first.ofproto.passes[0].steps.map((s: { cookie?: string }) => s.cookie).filter(Boolean);
    const again = await app.flowIndex.forCookies(target(), cookies);
    assert.equal(again.argv.length, 0, 'answered from the cache without running ovsdb-client');
    assert.ok(again.cached > 0);
    const distinct = new Set(annotated.map((s: { logical: { uuid?: string } }) => s.logical.uuid));
    assert.equal(again.flows.length, distinct.size, 'one logical flow per annotated cookie');
  });

  it('warm: the full index is reused by later traces whose steps have port-binding cookies', async () => {
    const built = (await app.flowIndex.logical(target())).builtAt;
    await new Promise((r) => setTimeout(r, 2200));
    const t = await trace();
    assert.equal(t.annotation.index, 'warm');
    assert.equal((await app.flowIndex.logical(target())).builtAt, built, 'the index was not rebuilt for a known trace');
  });
});
