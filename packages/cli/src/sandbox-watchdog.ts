import { Sandbox, COEXISTING } from '@tracemap/sandbox';

export interface WatchdogOptions {
  intervalMs?: number;
  log?: (msg: string) => void;
  /** Called after a rebuild (e.g. to refresh the server's indexes). */
  onRebuilt?: () => Promise<void>;
}

/**
 * Keeps a sandbox that tracemap serves from alive. OVS 3.1.0's ovs-vswitchd can die on a
 * conntrack assertion ("conntrack.c:1063: assertion conn->conn_type == CT_CONN_TYPE_DEFAULT
 * failed in conn_update_state()"); without this the app would answer 502 until someone ran
 * `tracemap sandbox up`. A sandbox that was never up, or was taken down, is left alone.
 */
export function watchSandbox(sb: Sandbox, opts: WatchdogOptions = {}): { stop: () => void; rebuilds: () => number } {
  const log = opts.log ?? (() => {});
  let busy = false;
  let count = 0;
  let ticks = 0;
  const interval = opts.intervalMs ?? 5000;
  const timer = setInterval(() => {
    if (busy) return;
    const st = sb.status();
    if (!st.state || st.state.phase !== 'up') return;
    if (st.healthy) {
      // Keep the netns underlay's tunnel neighbors from ageing out (about once a minute).
      if (++ticks % Math.max(1, Math.round(60_000 / interval)) === 0) void sb.refreshTunnelNeighbors().catch(() => {});
      return;
    }
    busy = true;
    const dead = st.daemons.filter((d) => !d.running && d.expected);
    log(`sandbox ${sb.dir}: ${dead.map((d) => `${d.name} died${d.lastError ? ` (${d.lastError.split('|').at(-1)})` : ''}`).join('; ')}; rebuilding`);
    const { mode, chassis } = st.state;
    const scenarios = st.state.scenarios.filter((s) => COEXISTING.includes(s));
    sb.up({ mode, chassis, scenarios })
      .then(async () => {
        count++;
        log(`sandbox ${sb.dir}: rebuilt (${scenarios.join(', ')})`);
        await opts.onRebuilt?.();
      })
      .catch((e: Error) => log(`sandbox ${sb.dir}: rebuild failed: ${e.message}`))
      .finally(() => {
        busy = false;
      });
  }, interval);
  timer.unref();
  return { stop: () => clearInterval(timer), rebuilds: () => count };
}
