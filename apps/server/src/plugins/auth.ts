import { timingSafeEqual, createHash } from 'node:crypto';
import fp from 'fastify-plugin';
import { ApiError } from '../errors';

const WS_PATH = '/api/captures/ws';
export const WS_TOKEN_PROTOCOL = 'tracemap.bearer.';

export function tokenFromProtocols(header: string | string[] | undefined): string | undefined {
  const list = (Array.isArray(header) ? header.join(',') : header ?? '').split(',').map((p) => p.trim());
  const hex = list.find((p) => p.startsWith(WS_TOKEN_PROTOCOL))?.slice(WS_TOKEN_PROTOCOL.length);
  if (!hex || !/^([0-9a-f]{2})+$/.test(hex)) return undefined;
  return Buffer.from(hex, 'hex').toString('utf8');
}

/** With a token configured, every /api route but /api/health needs `Authorization: Bearer <token>`. */
export const authPlugin = fp(
  async (app) => {
    // A refused WebSocket upgrade: the socket was handed over paused, so it never sees the client
    // go away, and server.close() would wait for it forever. Close it once the answer is sent.
    app.addHook('onResponse', async (req, reply) => {
      if (reply.statusCode >= 400 && /websocket/i.test(String(req.headers.upgrade ?? ''))) req.raw.socket.destroy();
    });
    const token = app.config.token;
    if (!token) return;
    const want = createHash('sha256').update(token).digest();
    app.addHook('onRequest', async (req) => {
      const path = req.url.split('?')[0]!;
      if (!path.startsWith('/api/') || path === '/api/health') return;
      const h = req.headers.authorization ?? '';
      const m = /^Bearer (.+)$/.exec(h);
      let supplied = m?.[1];
      // A browser cannot set headers on a WebSocket: the capture socket takes the token as a
      // subprotocol instead, hex-encoded so any token is a valid protocol name ("tracemap.bearer.74657374").
      if (supplied === undefined && path === WS_PATH) supplied = tokenFromProtocols(req.headers['sec-websocket-protocol']);
      const got = createHash('sha256').update(supplied ?? '').digest();
      if (supplied === undefined || !timingSafeEqual(got, want)) throw new ApiError('unauthorized', supplied !== undefined ? 'wrong bearer token' : 'this server needs "Authorization: Bearer <token>" (TRACEMAP_TOKEN)');
    });
  },
  { name: 'auth', dependencies: ['config'] },
);
