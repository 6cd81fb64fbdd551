import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Sandbox, defaultSandboxDir } from '@tracemap/sandbox';
import { watchSandbox } from './sandbox-watchdog';
import { ConfigError, serve, type LoadConfigOptions } from '@tracemap/server';
import { int, parseArgs, str, UsageError } from './args';

export const SERVE_USAGE = `usage: tracemap serve [--port 8080] [--host 127.0.0.1] [--data DIR] [--config FILE] [--sandbox DIR]
  --data DIR      where traces are kept (default $XDG_DATA_HOME/tracemap/data)
  --config FILE   JSON: {"hosts": [{"name", "kind": "local"|"ssh", "ovnNb", "ovnSb", "ovsDb", "ovsRundir", "bridge",
                  "ssl": {"privateKey", "certificate", "caCert"}, "ssh": {"host", "port", "user", "identityFile",
                  "knownHostsFile", "options", "binary", "shareConnection"}}], "defaultHost", "timeouts", ...}
  --sandbox DIR   use the sandbox in DIR as the local host (default: the default sandbox, when it
                  is running and neither --config nor OVS_RUNDIR/OVN_*_DB name another target)
  TRACEMAP_TOKEN  when set, /api routes but /api/health need "Authorization: Bearer <token>"`;

function defaultDataDir(env = process.env): string {
  const data = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(data, 'tracemap', 'data');
}

function sandboxTarget(dir: string): NonNullable<LoadConfigOptions['forceLocal']> {
  const e = new Sandbox(dir).env();
  return { name: 'sandbox', ovsRundir: e.OVS_RUNDIR, ovnRundir: e.OVN_RUNDIR, ovsDb: e.OVS_DB, ovnNb: e.OVN_NB_DB, ovnSb: e.OVN_SB_DB };
}

export async function serveCommand(argv: string[]): Promise<number> {
  const a = parseArgs(argv, ['port', 'host', 'data', 'config', 'sandbox']);
  if (a.flags.help) {
    process.stdout.write(SERVE_USAGE + '\n');
    return 0;
  }
  if (a._.length) throw new UsageError(`unexpected argument "${a._[0]}"\n${SERVE_USAGE}`);
  const port = int(a, 'port', 0, 65535) ?? 8080;
  const host = str(a, 'host') ?? '127.0.0.1';
  const dataDir = resolve(str(a, 'data') ?? defaultDataDir());
  const configFile = str(a, 'config');
  const sandboxDir = str(a, 'sandbox');
  const webDir = fileURLToPath(new URL('../../../apps/web/dist', import.meta.url));

  const opts: LoadConfigOptions = { dataDir, webDir };
  if (configFile) opts.file = resolve(configFile);
  let watched: Sandbox | undefined;
  if (sandboxDir) {
    const sb = new Sandbox(resolve(sandboxDir));
    watched = sb;
    if (!sb.status().healthy) throw new Error(`no running sandbox in ${sb.dir}: start it with \`tracemap sandbox up --dir ${sandboxDir}\``);
    opts.forceLocal = sandboxTarget(sb.dir);
  } else {
    const sb = new Sandbox(defaultSandboxDir());
    if (sb.status().healthy) {
      opts.fallbackLocal = sandboxTarget(sb.dir);
      watched = sb;
    }
  }
  let started;
  try {
    started = await serve({ ...opts, port, host, handleSignals: false });
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
  const { app, address, config } = started;
  const target = config.hosts.find((h) => h.name === config.defaultHost)!;
  process.stderr.write(
    `tracemap listening on ${address}\n` +
      `  host "${target.name}" (${target.kind}${target.ovsRundir ? `, OVS_RUNDIR=${target.ovsRundir}` : ''}${target.ovnSb ? `, SB ${target.ovnSb}` : ''})\n` +
      `  data ${dataDir}\n` +
      `  web  ${existsSync(join(webDir, 'index.html')) ? webDir : 'not built (placeholder page)'}; API docs at ${address}/docs\n`,
  );
  const server = app;
  const watchdog =
    watched && config.defaultHost === 'sandbox'
      ? watchSandbox(watched, {
          intervalMs: Number(process.env.TRACEMAP_WATCHDOG_MS) || 5000,
          log: (m) => server.log.warn(m),
          // The rebuilt sandbox has new logical flow UUIDs (cookies) and may have new ofports.
          onRebuilt: async () => {
            const headers = config.token ? { authorization: `Bearer ${config.token}` } : {};
            for (const url of ['/api/inventory?refresh=1', '/api/lflows?refresh=1&limit=1', '/api/openflow?refresh=1&limit=1']) await server.inject({ url, headers });
          },
        })
      : undefined;
  await new Promise<void>((resolveStop) => {
    const stop = () => {
      watchdog?.stop();
      void app.close().then(() => resolveStop());
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
