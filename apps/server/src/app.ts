import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import type { ServerConfig } from './config';
import { configPlugin } from './plugins/config';
import { errorsPlugin } from './plugins/errors';
import { authPlugin } from './plugins/auth';
import { hostsPlugin } from './plugins/hosts';
import { storePlugin } from './plugins/store';
import { inventoryPlugin } from './plugins/inventory';
import { flowIndexPlugin } from './plugins/flow-index';
import { acceptsGzip } from './services/gzip-cache';
import { capturePlugin } from './plugins/capture';
import health from './routes/api/health/index';
import hosts from './routes/api/hosts/index';
import inventory from './routes/api/inventory/index';
import traces from './routes/api/traces/index';
import lflows from './routes/api/lflows/index';
import openflow from './routes/api/openflow/index';
import conjunctions from './routes/api/conjunctions/index';
import stats from './routes/api/stats/index';
import captures from './routes/api/captures/index';

export { acceptsGzip };
import { SERVER_VERSION } from './version';

export interface AppOptions {
  config: ServerConfig;
}

/** The whole app as a plugin: services (decorated, fastify-plugin) then encapsulated routes, folder name = URL prefix. */
export const app: FastifyPluginAsync<AppOptions> = async (fastify, opts) => {
  await fastify.register(compressJson);
  await fastify.register(configPlugin, { config: opts.config });
  await fastify.register(errorsPlugin);
  await fastify.register(authPlugin);
  await fastify.register(hostsPlugin);
  await fastify.register(storePlugin);
  await fastify.register(inventoryPlugin);
  await fastify.register(flowIndexPlugin);
  await fastify.register(capturePlugin);
  await fastify.register(swagger, {
    openapi: {
      info: { title: 'tracemap API', version: SERVER_VERSION, description: 'Where is my packet? ovn-trace, ofproto/trace and ovn-detrace on a host, stored under permalinks. Contract: docs/api.md' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await fastify.register(swaggerUi, { routePrefix: '/docs' });
  await fastify.register(
    async (api) => {
      await api.register(health, { prefix: '/health' });
      await api.register(hosts, { prefix: '/hosts' });
      await api.register(inventory, { prefix: '/inventory' });
      await api.register(traces, { prefix: '/traces' });
      await api.register(lflows, { prefix: '/lflows' });
      await api.register(openflow, { prefix: '/openflow' });
      await api.register(conjunctions, { prefix: '/conjunctions' });
      await api.register(stats, { prefix: '/stats' });
      await api.register(captures, { prefix: '/captures' });
    },
    { prefix: '/api' },
  );
  await fastify.register(webPlugin, { webDir: opts.config.webDir });
};

const gzipAsync = promisify(gzip);
/** Bodies smaller than this go as they are: gzip's header and the CPU are not worth it. */
const GZIP_MIN_BYTES = 1024;


/*
 * gzip for JSON answers (GET /api/traces/:id of a 2,000-step trace is 5.4 MB: raw outputs and
 * both parsed models; gzipped ~0.4 MB). Level 4 compresses it in ~20 ms off the event loop (the
 * zlib thread pool). Streams (static files, which are small or cached) and other types pass as
 * they are. No @fastify/compress: one hook does what the app needs without a dependency.
 */
const compressJson = fp(
  async (fastify: FastifyInstance) => {
    fastify.addHook('onSend', async (req, reply, payload) => {
      if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
      const type = String(reply.getHeader('content-type') ?? '');
      if (!type.startsWith('application/json') || reply.hasHeader('content-encoding') || reply.statusCode === 204 || reply.statusCode === 304) return payload;
      reply.header('vary', 'accept-encoding');
      if (Buffer.byteLength(payload) < GZIP_MIN_BYTES || !acceptsGzip(req.headers['accept-encoding'])) return payload;
      const body = await gzipAsync(payload, { level: 4 });
      reply.header('content-encoding', 'gzip');
      reply.removeHeader('content-length');
      return body;
    });
  },
  { name: 'compress-json' },
);

/** The built web app (apps/web/dist) with its client-side routes, or a small placeholder page. */
const webPlugin: FastifyPluginAsync<{ webDir: string | undefined }> = async (fastify, { webDir }) => {
  const index = webDir ? join(webDir, 'index.html') : undefined;
  if (webDir && index && existsSync(index)) {
    // Vite names every file under assets/ by its content hash: cached for good, never asked again
    // (a permalink opened twice loads no script over the network and Chromium reuses compiled
    // code). The HTML pages name the current assets, so they are always revalidated.
    await fastify.register(fastifyStatic, {
      root: webDir,
      wildcard: false,
      cacheControl: false,
      setHeaders: (res, path) => {
        if (path.startsWith(join(webDir, 'assets', '/'))) res.setHeader('cache-control', 'public, max-age=31536000, immutable');
        else res.setHeader('cache-control', 'no-cache');
      },
    });
    const html = () => readFileSync(index, 'utf8');
    const sendHtml = (reply: FastifyReply) => reply.type('text/html').header('cache-control', 'no-cache').send(html());
    for (const path of ['/t/:id', '/flows', '/flows/*']) fastify.get(path, { schema: { hide: true } }, async (_req, reply) => sendHtml(reply));
    fastify.get('/*', { schema: { hide: true } }, async (req, reply) => {
      const p = req.url.split('?')[0]!;
      if (p.startsWith('/api/')) return reply.callNotFound();
      // A file of the build, else the app's own "not found" page (with a 404), not a JSON error.
      let file = '';
      try {
        file = resolve(webDir, `.${decodeURIComponent(p)}`);
      } catch {
        /* malformed %-escape: no such file */
      }
      if (file.startsWith(webDir + sep) && existsSync(file) && statSync(file).isFile()) return reply.sendFile(p.slice(1));
      return sendHtml(reply.code(404));
    });
    return;
  }
  const page = `<!doctype html><meta charset="utf-8"><title>tracemap</title>
<h1>tracemap server</h1><p>The web app is not built (apps/web/dist). The API is at <a href="/api/health">/api/health</a>; its OpenAPI document at <a href="/docs">/docs</a>.</p>`;
  for (const path of ['/', '/t/:id', '/flows']) fastify.get(path, { schema: { hide: true } }, async (_req, reply) => reply.type('text/html').send(page));
};

export interface BuildOptions extends AppOptions {
  logger?: FastifyServerOptions['logger'];
  /** Largest request body (default 8 MiB: pasted traces can be big, 10 MB bodies are refused). */
  bodyLimit?: number;
}

/** A Fastify instance with the app registered (tests call this and use app.inject). */
export async function buildApp(o: BuildOptions): Promise<FastifyInstance> {
  const fastify = Fastify({
    logger: o.logger ?? false,
    bodyLimit: o.bodyLimit ?? 8 * 1024 * 1024,
    ajv: {
      // removeAdditional off: an unknown field is a 400, not silently dropped; discriminator: POST /api/traces' "type".
      customOptions: { removeAdditional: false, discriminator: true, verbose: true, allErrors: false, coerceTypes: 'array', useDefaults: true },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  // fp: the services the app decorates are visible on the instance tests and server.ts hold.
  await fastify.register(fp(app, { name: 'tracemap' }), { config: o.config });
  await fastify.ready();
  return fastify;
}

export { loadConfig, ConfigError, type ServerConfig, type LoadConfigOptions } from './config';
export { StoreError } from './plugins/store';
export { serve, type ServeOptions } from './server';
