import { resolve } from 'node:path';
import { buildApp } from './app';
import { loadConfig, type LoadConfigOptions } from './config';
import { StoreError } from './plugins/store';

export interface ServeOptions extends LoadConfigOptions {
  port?: number;
  host?: string;
  /** Close on SIGINT/SIGTERM and exit (default true); the CLI handles signals itself. */
  handleSignals?: boolean;
}

/** Boots the app and listens (127.0.0.1 unless told otherwise). Start-up problems come back as one clear message. */
export async function serve(o: ServeOptions) {
  let config;
  try {
    config = loadConfig(o);
  } catch (e) {
    // ConfigError goes up as is: the CLI turns it into a usage error (exit 2).
    throw e;
  }
  let app;
  try {
    app = await buildApp({ config, logger: { level: process.env.TRACEMAP_LOG ?? 'info' } });
  } catch (e) {
    // A corrupt or missing trace database: say so and stop, never start over it.
    if (e instanceof StoreError) throw new Error(e.message);
    throw e;
  }
  const address = await app.listen({ port: o.port ?? 8080, host: o.host ?? '127.0.0.1' });
  if (o.handleSignals !== false) for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      void app.close().then(() => process.exit(0));
    });
  }
  return { app, address, config };
}

// `node --import tsx apps/server/src/server.ts [dataDir]`: OVS/OVN from the environment.
if (import.meta.url === `file://${process.argv[1]}`) {
  serve({ dataDir: resolve(process.argv[2] ?? 'tracemap-data'), port: Number(process.env.PORT ?? 8080), host: process.env.HOST ?? '127.0.0.1' }).then(
    ({ address, config }) => console.error(`tracemap listening on ${address} (hosts: ${config.hosts.map((h) => h.name).join(', ')}; data: ${config.dataDir})`),
    (e) => {
      console.error(`tracemap: ${(e as Error).message}`);
      process.exit(1);
    },
  );
}
