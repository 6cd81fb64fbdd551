import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COEXISTING, Sandbox } from '@tracemap/sandbox';
import { buildApp } from '../src/app';
import { loadConfig, type ServerConfig } from '../src/config';

/** Shared by the integration test files; the CI script tears it down at the end (never down() here). */
export const SANDBOX_DIR = process.env.TRACEMAP_TEST_SANDBOX ?? '/tmp/tracemap-test-sandbox';

export async function upSandbox(): Promise<Sandbox> {
  const sb = new Sandbox(SANDBOX_DIR);
  await sb.up({ mode: 'dummy', chassis: 2, scenarios: COEXISTING });
  return sb;
}

export function sandboxConfig(sb: Sandbox, dataDir: string, patch: Partial<ServerConfig> = {}): ServerConfig {
  const env = sb.env();
  const cfg = loadConfig({
    dataDir,
    env: {},
    forceLocal: { ovsRundir: env.OVS_RUNDIR, ovnRundir: env.OVN_RUNDIR, ovsDb: env.OVS_DB, ovnNb: env.OVN_NB_DB, ovnSb: env.OVN_SB_DB },
  });
  return { ...cfg, ...patch };
}

export function tempDir(prefix = 'tracemap-server-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function sandboxApp(sb: Sandbox, dataDir: string, patch: Partial<ServerConfig> = {}) {
  return buildApp({ config: sandboxConfig(sb, dataDir, patch) });
}

/**
 * OVS 3.1.0's dummy-mode ovs-vswitchd can die on a conntrack assertion (upstream bug); the app
 * then answers 502 host-unreachable. Bring the sandbox back (up() rebuilds it), reload the
 * indexes the app holds, and ask once more. Any other answer is returned as is.
 */
export async function injectSurvivingVswitchd(app: import('fastify').FastifyInstance, sb: Sandbox, req: import('fastify').InjectOptions) {
  const r = await app.inject(req);
  if (r.statusCode !== 502) return r;
  await sb.up({ mode: 'dummy', chassis: 2, scenarios: COEXISTING });
  for (const url of ['/api/inventory?refresh=1', '/api/lflows?refresh=1&limit=1', '/api/openflow?refresh=1&limit=1']) await app.inject(url);
  return app.inject(req);
}

/** Is a process with this pid still there? */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
