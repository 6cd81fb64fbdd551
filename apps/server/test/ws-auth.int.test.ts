// With TRACEMAP_TOKEN set, the capture WebSocket (which a browser cannot give an Authorization
// header) takes the token as a hex-encoded subprotocol, and refuses the handshake without it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import type { FastifyInstance } from 'fastify';
import { upSandbox, sandboxApp, tempDir } from './helpers';
import { tokenFromProtocols } from '../src/plugins/auth';

const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex');

describe('capture socket with a token', () => {
  let app: FastifyInstance;
  let url = '';
  const d = tempDir();
  before(async () => {
    const sb = await upSandbox();
    app = await sandboxApp(sb, d.dir, { token: 'tök en/1' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const a = app.server.address();
    assert.ok(a && typeof a === 'object');
    url = `ws://127.0.0.1:${a.port}/api/captures/ws`;
  });
  after(async () => {
    await app.close();
    d.cleanup();
  });

  const attempt = (protocols?: string[]) =>
    new Promise<{ opened: boolean; status?: number; protocol?: string }>((resolve) => {
      const ws = new WebSocket(url, protocols);
      ws.on('open', () => {
        const protocol = ws.protocol;
        // Resolve once the closing handshake is done, so the server holds no half-closed socket.
        ws.on('close', () => resolve({ opened: true, protocol }));
        ws.close();
      });
      ws.on('unexpected-response', (req, res) => {
        // ws leaves the refused request open when this event is handled: close it, or app.close() waits.
        req.destroy();
        resolve({ opened: false, status: res.statusCode });
      });
      ws.on('error', () => resolve({ opened: false }));
    });

  it('refuses the handshake without a token and with a wrong one', async () => {
    assert.deepEqual(await attempt(), { opened: false, status: 401 });
    assert.deepEqual(await attempt([`tracemap.bearer.${hex('wrong')}`]), { opened: false, status: 401 });
  });

  it('opens with the token as a subprotocol and echoes that protocol', async () => {
    const p = `tracemap.bearer.${hex('tök en/1')}`;
    assert.deepEqual(await attempt([p]), { opened: true, protocol: p });
  });

  it('decodes only well-formed hex', () => {
    assert.equal(tokenFromProtocols(`x, tracemap.bearer.${hex('a b')}`), 'a b');
    assert.equal(tokenFromProtocols('tracemap.bearer.zz'), undefined);
    assert.equal(tokenFromProtocols(undefined), undefined);
  });
});
