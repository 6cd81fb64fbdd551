import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { checkArgv, shellJoin } from './quote';
import { toolEnv, type SshTarget, type Target } from './target';

export interface RunOptions {
  /** Killed (SIGTERM, then SIGKILL after 1 s) when it runs longer. Default 30 s. */
  timeoutMs?: number;
  /** Cap on the stdout (and, separately, stderr) kept in memory; the tool is killed past it. Default 64 MiB. */
  maxBytes?: number;
  /** Written to the tool's stdin, then closed. */
  input?: string;
  /** Streaming consumer: called with each decoded stdout chunk as it arrives. */
  onStdout?: (chunk: string) => void;
  /** With onStdout: keep stdout in the result too (default false when onStdout is given). */
  keepStdout?: boolean;
  /** Aborts the run (the tool is killed; the result says so). */
  signal?: AbortSignal;
}

export interface ToolResult {
  /** The tool's argv as asked for (what a user would type), not the ssh wrapper around it. */
  argv: string[];
  /** What was actually spawned on this machine (ssh ... for ssh targets). */
  spawnArgv: string[];
  host: string;
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  startedAt: string;
  durationMs: number;
  timedOut: boolean;
  /** stdout or stderr went past maxBytes; the tool was stopped and the rest dropped. */
  truncated: boolean;
  aborted: boolean;
}

/** The tool could not be started at all (not installed, ssh missing). */
export class ToolSpawnError extends Error {
  constructor(
    readonly argv: string[],
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

// ------------------------------------------------------------------ concurrency, per target

class Semaphore {
  private active = 0;
  private queue: (() => void)[] = [];
  constructor(public limit: number) {}
  async acquire(): Promise<() => void> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.queue.push(r));
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.queue.shift()?.();
    };
  }
  get pending(): number {
    return this.queue.length;
  }
  get running(): number {
    return this.active;
  }
}

const semaphores = new Map<string, Semaphore>();
let defaultLimit = 4;

/** At most `limit` tools at once on one target (ovn-trace can take GiBs on a big SB). */
export function setConcurrencyLimit(targetName: string | null, limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new Error('concurrency limit must be a positive integer');
  if (targetName === null) defaultLimit = limit;
  else semaphoreFor(targetName).limit = limit;
}

function semaphoreFor(name: string): Semaphore {
  let s = semaphores.get(name);
  if (!s) semaphores.set(name, (s = new Semaphore(defaultLimit)));
  return s;
}

export function concurrencyStats(targetName: string): { running: number; pending: number; limit: number } {
  const s = semaphoreFor(targetName);
  return { running: s.running, pending: s.pending, limit: s.limit };
}

// ------------------------------------------------------------------ spawn plans

interface SpawnPlan {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/** ssh argv for a target: key auth only, strict host keys, the remote command shell-quoted. */
export function sshArgv(t: SshTarget, argv: readonly string[]): string[] {
  const s = t.ssh;
  if (!s.host || s.host.startsWith('-')) throw new Error(`bad ssh host "${s.host}"`);
  const out = [s.binary ?? 'ssh', '-T', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', 'PasswordAuthentication=no', '-o', 'KbdInteractiveAuthentication=no'];
  if (s.knownHostsFile) out.push('-o', `UserKnownHostsFile=${s.knownHostsFile}`, '-o', 'GlobalKnownHostsFile=/dev/null');
  if (s.identityFile) out.push('-i', s.identityFile, '-o', 'IdentitiesOnly=yes');
  if (s.port) out.push('-p', String(s.port));
  if (s.user) out.push('-l', s.user);
  if (s.controlPath) out.push('-o', 'ControlMaster=auto', '-o', `ControlPath=${s.controlPath}`, '-o', 'ControlPersist=60');
  for (const o of s.options ?? []) out.push('-o', o);
  const env = Object.entries(toolEnv(t)).map(([k, v]) => `${k}=${v}`);
  // `env K=V prog args`: the assignments ride along inside the one quoted remote command line.
  const remote = shellJoin(env.length ? ['env', ...env, ...argv] : [...argv]);
  out.push('--', s.host, remote);
  return out;
}

/** argv that asks a target's shared master connection to exit (`ssh -O exit`); null without one. */
export function sshCloseMasterArgv(t: SshTarget): string[] | null {
  const s = t.ssh;
  if (!s.controlPath) return null;
  const out = [s.binary ?? 'ssh', '-o', `ControlPath=${s.controlPath}`, '-O', 'exit'];
  if (s.port) out.push('-p', String(s.port));
  if (s.user) out.push('-l', s.user);
  out.push('--', s.host);
  return out;
}

function plan(target: Target, argv: string[]): SpawnPlan {
  switch (target.kind) {
    case 'local':
      return { file: argv[0]!, args: argv.slice(1), env: { ...process.env, ...toolEnv(target) } };
    case 'ssh': {
      const a = sshArgv(target, argv);
      return { file: a[0]!, args: a.slice(1), env: process.env };
    }
  }
}

// ------------------------------------------------------------------ runTool

/**
 * Runs one tool on a target as an argv array (never through a local shell). Resolves with the
 * outcome in every case the tool started (non-zero exit, timeout, cap): callers decide what a
 * failure means. Rejects with ToolSpawnError only when the program could not be started.
 */
export async function runTool(target: Target, argv: string[], opts: RunOptions = {}): Promise<ToolResult> {
  checkArgv(argv);
  const release = await semaphoreFor(target.name).acquire();
  try {
    return await runNow(target, argv, opts);
  } finally {
    release();
  }
}

function runNow(target: Target, argv: string[], opts: RunOptions): Promise<ToolResult> {
  const p = plan(target, argv);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  const keepStdout = opts.onStdout ? opts.keepStdout === true : true;
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(p.file, p.args, { env: p.env, stdio: ['pipe', 'pipe', 'pipe'], detached: false });
    } catch (e) {
      reject(new ToolSpawnError(argv, 'spawn', `could not start ${argv[0]}: ${(e as Error).message}`));
      return;
    }
    let stdout = '';
    let stderr = '';
    let outBytes = 0;
    let errBytes = 0;
    let timedOut = false;
    let truncated = false;
    let aborted = false;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const kill = () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      killTimer ??= setTimeout(() => child.kill('SIGKILL'), 1000);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    const onAbort = () => {
      aborted = true;
      kill();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) onAbort(); // aborted before it started: 'abort' will not fire again
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (truncated) return;
      if (opts.onStdout) {
        try {
          opts.onStdout(chunk);
        } catch {
          /* a consumer error must not leave the child running */
          kill();
        }
      }
      if (!keepStdout) return;
      outBytes += Buffer.byteLength(chunk);
      if (outBytes > maxBytes) {
        truncated = true;
        stdout += chunk.slice(0, Math.max(0, chunk.length - (outBytes - maxBytes)));
        kill();
      } else stdout += chunk;
    });
    child.stderr.on('data', (chunk: string) => {
      errBytes += Buffer.byteLength(chunk);
      if (errBytes <= maxBytes) stderr += chunk;
      else if (!truncated) {
        truncated = true;
        kill();
      }
    });
    child.stdin.on('error', () => {
      /* EPIPE when the tool exits without reading its input */
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      const what = target.kind === 'ssh' ? 'ssh' : argv[0];
      reject(new ToolSpawnError(argv, e.code ?? 'spawn', e.code === 'ENOENT' ? `${what} is not installed on this machine` : `could not start ${what}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({
        argv: [...argv],
        spawnArgv: [p.file, ...p.args],
        host: target.name,
        exitCode: code,
        signal,
        stdout,
        stderr,
        startedAt,
        durationMs: Math.round((performance.now() - t0) * 10) / 10,
        timedOut,
        truncated,
        aborted,
      });
    });
  });
}
