import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';

/** Default state directory: $TRACEMAP_SANDBOX_DIR, else $XDG_DATA_HOME/tracemap/sandbox, else ~/.local/share/tracemap/sandbox. */
export function defaultSandboxDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TRACEMAP_SANDBOX_DIR) return resolve(env.TRACEMAP_SANDBOX_DIR);
  const data = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(data, 'tracemap', 'sandbox');
}

/**
 * Network namespace names are global, so they carry a prefix derived from the sandbox directory:
 * "tm-" for the default directory, "tmXXX-" (3 hex digits of the path's hash) for any other.
 */
export function namespacePrefix(dir: string): string {
  if (resolve(dir) === defaultSandboxDir()) return 'tm-';
  return 'tm' + createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 3) + '-';
}

export interface ChassisPaths {
  name: string; // hv1, hv2
  dir: string;
  dbSock: string;
  encapIp: string;
}

export function chassisPaths(dir: string, n: number): ChassisPaths {
  const d = join(dir, `hv${n}`);
  return { name: `hv${n}`, dir: d, dbSock: join(d, 'db.sock'), encapIp: `127.0.0.${n}` };
}

export function centralPaths(dir: string) {
  return {
    nbSock: join(dir, 'ovnnb_db.sock'),
    sbSock: join(dir, 'ovnsb_db.sock'),
    nbDb: join(dir, 'ovnnb_db.db'),
    sbDb: join(dir, 'ovnsb_db.db'),
  };
}
