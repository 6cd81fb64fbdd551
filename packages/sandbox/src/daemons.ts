import { readFileSync, existsSync } from 'node:fs';
import { sleep } from './exec';

/** A daemon the sandbox started: how to recognise it again and how to stop it. */
export interface DaemonRecord {
  name: string; // e.g. "hv1/ovs-vswitchd"
  binary: string; // e.g. "ovs-vswitchd"
  pidfile: string;
  pid?: number;
}

export function readPid(pidfile: string): number | undefined {
  if (!existsSync(pidfile)) return undefined;
  const n = Number.parseInt(readFileSync(pidfile, 'utf8').trim(), 10);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * True when `pid` is alive AND is the daemon we started: its command line names the binary and
 * our pidfile. A recycled pid that now belongs to something else is never taken for ours.
 */
export function isOurs(d: DaemonRecord, pid = d.pid ?? readPid(d.pidfile)): boolean {
  if (!pid) return false;
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmd.some((a) => a.endsWith(d.binary)) && cmd.some((a) => a.includes(d.pidfile));
  } catch {
    return false;
  }
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL. Only ever signals a pid that `isOurs`. */
export async function stopDaemon(d: DaemonRecord, graceMs = 5000): Promise<'stopped' | 'not-running'> {
  const pid = d.pid ?? readPid(d.pidfile);
  if (!pid || !isOurs(d, pid)) return 'not-running';
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return 'not-running';
  }
  const until = Date.now() + graceMs;
  while (Date.now() < until) {
    if (!isOurs(d, pid)) return 'stopped';
    await sleep(50);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
  for (let i = 0; i < 40 && isOurs(d, pid); i++) await sleep(50);
  return 'stopped';
}
