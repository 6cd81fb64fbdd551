import fp from 'fastify-plugin';
import type { ServerConfig } from '../config';

declare module 'fastify' {
  interface FastifyInstance {
    config: ServerConfig;
  }
}

/** Decorates the app with its resolved configuration (loaded by the caller: server.ts, the CLI or a test). */
export const configPlugin = fp<{ config: ServerConfig }>(
  async (app, opts) => {
    app.decorate('config', opts.config);
  },
  { name: 'config' },
);
