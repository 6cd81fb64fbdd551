import { timingSafeEqual, createHash } from 'node:crypto';
import fp from 'fastify-plugin';
import { ApiError } from '../errors';

/** With a token configured, every /api route but /api/health needs `Authorization: Bearer <token>`. */
export const authPlugin = fp(
  async (app) => {
    const token = app.config.token;
    if (!token) return;
    const want = createHash('sha256').update(token).digest();
    app.addHook('onRequest', async (req) => {
      const path = req.url.split('?')[0]!;
      if (!path.startsWith('/api/') || path === '/api/health') return;
      const h = req.headers.authorization ?? '';
      const m = /^Bearer (.+)$/.exec(h);
      const got = createHash('sha256').update(m?.[1] ?? '').digest();
      if (!m || !timingSafeEqual(got, want)) throw new ApiError('unauthorized', m ? 'wrong bearer token' : 'this server needs "Authorization: Bearer <token>" (TRACEMAP_TOKEN)');
    });
  },
  { name: 'auth', dependencies: ['config'] },
);
