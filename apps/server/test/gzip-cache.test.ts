import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { GzipCache } from '../src/services/gzip-cache';

describe('GzipCache', () => {
  it('compresses a key once and answers later asks from memory', async () => {
    const c = new GzipCache(1 << 20);
    let loads = 0;
    const load = () => {
      loads++;
      return '{"a":' + '1'.repeat(10_000) + '}';
    };
    const [a, b] = await Promise.all([c.get('x', load), c.get('x', load)]);
    assert.equal(loads, 1);
    assert.equal(a, b);
    assert.equal(gunzipSync(a!).toString(), load());
    assert.equal(c.size.entries, 1);
  });

  it('keeps nothing for a key whose loader has nothing', async () => {
    const c = new GzipCache(1 << 20);
    assert.equal(await c.get('gone', () => null), null);
    assert.equal(c.size.entries, 0);
    assert.equal((await c.get('gone', () => 'now')) !== null, true);
  });

  it('evicts the least recently used entries past its byte budget', async () => {
    // Random hex does not compress below ~half: each entry is ~5 KB gzipped, the budget 12 KB.
    const c = new GzipCache(12_000);
    const text = () => randomBytes(5000).toString('hex');
    await c.get('a', text);
    await c.get('b', text);
    await c.get('a', text); // a is now the most recently used
    await c.get('c', text);
    assert.ok(c.size.bytes <= 12_000, `${c.size.bytes} bytes kept`);
    let reloaded = '';
    await c.get('b', () => ((reloaded += 'b'), text()));
    await c.get('c', () => ((reloaded += 'c'), text()));
    assert.equal(reloaded, 'b', 'b was evicted, c kept');
  });
});
