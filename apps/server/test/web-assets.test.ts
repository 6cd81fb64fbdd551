import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { tempDir } from './helpers';

// The built web app's files: hashed assets are cached for good, pages always revalidated.
describe('web app files', () => {
  const d = tempDir('tracemap-web-test-');
  let app: FastifyInstance;
  before(async () => {
    const web = join(d.dir, 'web');
    mkdirSync(join(web, 'assets'), { recursive: true });
    writeFileSync(join(web, 'index.html'), '<!doctype html><script type="module" src="/assets/index-abc123.js"></script>');
    writeFileSync(join(web, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(web, 'favicon.txt'), 'x');
    app = await buildApp({ config: { ...loadConfig({ dataDir: join(d.dir, 'data'), env: {} }), webDir: web } });
  });
  after(async () => {
    await app.close();
    d.cleanup();
  });

  it('hashed assets are immutable; HTML pages and other files are revalidated', async () => {
    const js = await app.inject('/assets/index-abc123.js');
    assert.equal(js.statusCode, 200);
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    for (const url of ['/', '/t/abcdefghijkl', '/flows', '/favicon.txt']) {
      const r = await app.inject(url);
      assert.equal(r.statusCode, 200, url);
      assert.equal(r.headers['cache-control'], 'no-cache', url);
    }
    assert.match((await app.inject('/t/abcdefghijkl')).body, /index-abc123\.js/);
  });

  it('an unknown page is the app (its own "not found" view) with a 404; files outside the build are not served', async () => {
    for (const url of ['/no/such/page', '/assets/index-zzz.js', '/..%2f..%2fetc%2fpasswd', '/%2e%2e/%2e%2e/etc/passwd']) {
      const r = await app.inject(url);
      assert.equal(r.statusCode, 404, url);
      assert.match(String(r.headers['content-type']), /^text\/html/, url);
      assert.doesNotMatch(r.body, /root:/, url);
    }
    assert.equal((await app.inject('/api/nope')).json().error.kind, 'not-found');
    assert.equal((await app.inject('/%E0%A4%A')).statusCode, 400, 'a malformed escape is refused by the router');
  });
});
