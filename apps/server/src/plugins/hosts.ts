import fp from 'fastify-plugin';
import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTool, setConcurrencyLimit, sshCloseMasterArgv, ToolSpawnError, type RunOptions, type SshTarget, type Target, type ToolResult } from '@tracemap/host';
import { ApiError } from '../errors';

export interface Versions {
  ovs: string | null;
  ovn: string | null;
}

export interface HostService {
  list(): Target[];
  /** The target by name (the default when absent); 404 naming `where` when unknown. */
  get(name: string | undefined, where?: string): Target;
  /** runTool with the configured timeout and cap; spawn failures become ApiErrors. */
  run(target: Target, argv: string[], opts?: RunOptions): Promise<ToolResult>;
  /** run + throw the right ApiError unless it exited 0. */
  runOk(target: Target, argv: string[], opts?: RunOptions): Promise<ToolResult>;
  versions(target: Target): Promise<Versions>;
}

declare module 'fastify' {
  interface FastifyInstance {
    hosts: HostService;
  }
}

/**
 * The abort signal of the request a tool runs for: a route that runs tools wraps its work in
 * `requestSignal.run(signal, ...)` and every tool started inside (however deep) is killed when
 * the client goes away, without passing the signal through each call.
 */
export const requestSignal = new AsyncLocalStorage<AbortSignal>();

/** A database or daemon we could not reach, as the OVS/OVN tools say it. */
const UNREACHABLE = /database connection failed|transaction error \(End of file\)|error communicating with unix:|Connection refused|failed to connect|cannot connect|No such file or directory|Connection timed out|Could not resolve hostname|Host key verification failed|Permission denied \(publickey/i;

/** The ApiError for a tool run that did not succeed (timeout, unreachable, non-zero exit). */
export function toolFailure(r: ToolResult, what = r.argv[0] ?? 'tool'): ApiError {
  const partial = (r.stdout + (r.stderr ? `\n${r.stderr}` : '')).slice(0, 1_000_000);
  if (r.timedOut) {
    return new ApiError('timeout', `${what} on ${r.host} did not finish in time and was killed after ${Math.round(r.durationMs)} ms`, { partialOutput: partial, argv: r.argv });
  }
  const err = r.stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 500);
  const sshDown = r.spawnArgv[0]?.endsWith('ssh') && r.exitCode === 255;
  if (sshDown || UNREACHABLE.test(r.stderr)) {
    return new ApiError('host-unreachable', `${what} on ${r.host} could not reach its target: ${err || `exit ${r.exitCode}`}`, { partialOutput: partial, argv: r.argv });
  }
  if (r.truncated) return new ApiError('tool-failed', `${what} on ${r.host} printed more than the output cap and was stopped`, { partialOutput: partial.slice(0, 100_000), argv: r.argv });
  return new ApiError('tool-failed', `${what} on ${r.host} failed (${r.signal ? `signal ${r.signal}` : `exit ${r.exitCode}`}): ${err || r.stdout.trim().slice(0, 300)}`, {
    partialOutput: partial,
    argv: r.argv,
  });
}

export const hostsPlugin = fp(
  async (app) => {
    const cfg = app.config;
    setConcurrencyLimit(null, cfg.concurrency);
    // ssh hosts share one master connection each (ControlPath in a private directory of this
    // server's); the masters are asked to exit when the server closes.
    const shared = cfg.hosts.filter((h): h is SshTarget => h.kind === 'ssh' && h.ssh.shareConnection !== false && !h.ssh.controlPath);
    let hosts: Target[] = cfg.hosts;
    if (shared.length) {
      const dir = mkdtempSync(join(tmpdir(), 'tm-ssh-'));
      const withPath = new Map(shared.map((h, i) => [h, { ...h, ssh: { ...h.ssh, controlPath: join(dir, `c${i}`) } } satisfies SshTarget]));
      hosts = cfg.hosts.map((h) => withPath.get(h as SshTarget) ?? h);
      const local = cfg.hosts.find((h) => h.kind === 'local') ?? { kind: 'local' as const, name: 'local', bridge: 'br-int' };
      app.addHook('onClose', async () => {
        await Promise.all(
          [...withPath.values()].map(async (h) => {
            const argv = sshCloseMasterArgv(h);
            if (argv && existsSync(h.ssh.controlPath)) await runTool(local, argv, { timeoutMs: 5000 }).catch(() => null);
          }),
        );
        rmSync(dir, { recursive: true, force: true });
      });
    }
    const byName = new Map(hosts.map((h) => [h.name, h]));
    const versionCache = new Map<string, Promise<Versions>>();

    const run = async (target: Target, argv: string[], opts: RunOptions = {}): Promise<ToolResult> => {
      try {
        const signal = opts.signal ?? requestSignal.getStore();
        if (signal?.aborted) throw new ApiError('cancelled', `the request was cancelled before ${argv[0]} started`, { argv });
        const r = await runTool(target, argv, { timeoutMs: cfg.timeouts.traceMs, maxBytes: cfg.maxOutputBytes, ...opts, ...(signal ? { signal } : {}) });
        if (r.aborted) throw new ApiError('cancelled', `the request was cancelled: ${argv[0]} on ${target.name} was stopped after ${Math.round(r.durationMs)} ms`, { argv });
        return r;
      } catch (e) {
        if (e instanceof ToolSpawnError) {
          throw new ApiError(target.kind === 'ssh' ? 'host-unreachable' : 'tool-failed', `${e.message} (host ${target.name})`, { argv, status: target.kind === 'ssh' ? 502 : 500 });
        }
        throw e;
      }
    };

    const firstVersion = (text: string): string | null => /(\d+\.\d+\.\d+)/.exec(text.split('\n')[0] ?? '')?.[1] ?? null;

    const service: HostService = {
      list: () => hosts,
      get(name, where = 'query.host') {
        const t = byName.get(name ?? cfg.defaultHost);
        if (!t) throw new ApiError('not-found', `no host named "${String(name).slice(0, 80)}" (configured: ${[...byName.keys()].join(', ')})`, { where });
        return t;
      },
      run,
      async runOk(target, argv, opts) {
        const r = await run(target, argv, opts);
        if (r.exitCode !== 0 || r.timedOut) throw toolFailure(r);
        return r;
      },
      versions(target) {
        let p = versionCache.get(target.name);
        if (!p) {
          p = (async () => {
            const t = { timeoutMs: cfg.timeouts.lookupMs };
            const [ovs, ovn] = await Promise.all([run(target, ['ovs-vsctl', '--version'], t).catch(() => null), run(target, ['ovn-nbctl', '--version'], t).catch(() => null)]);
            return {
              ovs: ovs && ovs.exitCode === 0 ? firstVersion(ovs.stdout) : null,
              ovn: ovn && ovn.exitCode === 0 ? firstVersion(ovn.stdout) : null,
            };
          })();
          versionCache.set(target.name, p);
          // A host that was down at the first ask should be asked again later.
          void p.then((v) => {
            if (!v.ovs && !v.ovn) versionCache.delete(target.name);
          });
        }
        return p;
      },
    };
    app.decorate('hosts', service);
  },
  { name: 'hosts', dependencies: ['config'] },
);
