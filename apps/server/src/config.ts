import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SshTarget, Target, TargetConnections } from '@tracemap/host';

/** How trace steps get their logical flow: ovn-detrace when it answers in time, else tracemap's own join. */
export type AnnotateMode = 'auto' | 'detrace' | 'native';

export interface ServerConfig {
  dataDir: string;
  hosts: Target[];
  defaultHost: string;
  /** When set, every /api route but /api/health needs `Authorization: Bearer <token>`. */
  token?: string;
  timeouts: { traceMs: number; detraceMs: number; indexMs: number; lookupMs: number };
  maxOutputBytes: number;
  /** Logical/OpenFlow index older than this is rebuilt on the next request. */
  indexTtlMs: number;
  annotate: AnnotateMode;
  /** Tools at once per target. */
  concurrency: number;
  /** Built web app (apps/web/dist) to serve, if any. */
  webDir?: string;
}

export class ConfigError extends Error {}

export const DEFAULTS = {
  timeouts: { traceMs: 60_000, detraceMs: 15_000, indexMs: 300_000, lookupMs: 10_000 },
  maxOutputBytes: 64 * 1024 * 1024,
  indexTtlMs: 60_000,
  annotate: 'auto' as AnnotateMode,
  concurrency: 4,
};

/** What a system with OVS/OVN installed from packages uses. */
export const SYSTEM_CONNECTIONS: TargetConnections = {
  ovsRundir: '/var/run/openvswitch',
  ovsDb: 'unix:/var/run/openvswitch/db.sock',
  ovnNb: 'unix:/var/run/ovn/ovnnb_db.sock',
  ovnSb: 'unix:/var/run/ovn/ovnsb_db.sock',
  bridge: 'br-int',
};

const TARGET_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$/;
const CONN = /^(unix:|tcp:|ssl:)\S+$/;

export interface LoadConfigOptions {
  dataDir: string;
  /** JSON config file: { hosts: [...], defaultHost?, token?, timeouts?, indexTtlMs?, annotate?, concurrency? } */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** A local target to use when neither the file nor the environment configures one (the sandbox). */
  fallbackLocal?: Omit<TargetConnections, 'bridge'> & { bridge?: string; name?: string };
  /** Forces the local target (tracemap serve --sandbox DIR). */
  forceLocal?: Omit<TargetConnections, 'bridge'> & { bridge?: string; name?: string };
  webDir?: string;
}

/** Reads the config file and the environment. Throws ConfigError with a message naming the key. */
export function loadConfig(o: LoadConfigOptions): ServerConfig {
  const env = o.env ?? process.env;
  let file: Record<string, unknown> = {};
  if (o.file) {
    let text: string;
    try {
      text = readFileSync(o.file, 'utf8');
    } catch (e) {
      throw new ConfigError(`cannot read config file ${o.file}: ${(e as Error).message}`);
    }
    try {
      file = JSON.parse(text) as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError(`config file ${o.file} is not valid JSON: ${(e as Error).message}`);
    }
    if (!file || typeof file !== 'object' || Array.isArray(file)) throw new ConfigError(`config file ${o.file}: expected a JSON object`);
  }
  const hosts: Target[] = [];
  if (file.hosts !== undefined) {
    if (!Array.isArray(file.hosts)) throw new ConfigError('config: "hosts" must be an array');
    file.hosts.forEach((h, i) => hosts.push(readTarget(h, `hosts[${i}]`)));
  }
  const envLocal = envConnections(env);
  if (o.forceLocal) {
    const i = hosts.findIndex((h) => h.kind === 'local');
    const t: Target = { kind: 'local', name: o.forceLocal.name ?? 'local', ...o.forceLocal, bridge: o.forceLocal.bridge ?? 'br-int' };
    if (i >= 0) hosts[i] = t;
    else hosts.unshift(t);
  } else if (!hosts.some((h) => h.kind === 'local')) {
    if (envLocal) hosts.unshift({ kind: 'local', name: 'local', ...envLocal });
    else if (o.fallbackLocal) hosts.unshift({ kind: 'local', name: o.fallbackLocal.name ?? 'local', ...o.fallbackLocal, bridge: o.fallbackLocal.bridge ?? 'br-int' });
    else if (hosts.length === 0) hosts.push({ kind: 'local', name: 'local', ...SYSTEM_CONNECTIONS });
  }
  const names = new Set<string>();
  for (const h of hosts) {
    if (names.has(h.name)) throw new ConfigError(`config: two hosts are named "${h.name}"`);
    names.add(h.name);
  }
  const defaultHost = typeof file.defaultHost === 'string' ? file.defaultHost : hosts[0]!.name;
  if (!names.has(defaultHost)) throw new ConfigError(`config: defaultHost "${defaultHost}" is not one of the hosts (${[...names].join(', ')})`);
  const timeouts = { ...DEFAULTS.timeouts, ...numberMap(file.timeouts, 'timeouts') };
  const annotate = (file.annotate ?? env.TRACEMAP_ANNOTATE ?? DEFAULTS.annotate) as AnnotateMode;
  if (!['auto', 'detrace', 'native'].includes(annotate)) throw new ConfigError(`config: "annotate" must be auto, detrace or native, got "${annotate}"`);
  const cfg: ServerConfig = {
    dataDir: resolve(o.dataDir),
    hosts,
    defaultHost,
    timeouts,
    maxOutputBytes: num(file.maxOutputBytes, 'maxOutputBytes') ?? DEFAULTS.maxOutputBytes,
    indexTtlMs: num(file.indexTtlMs, 'indexTtlMs') ?? DEFAULTS.indexTtlMs,
    annotate,
    concurrency: num(file.concurrency, 'concurrency') ?? DEFAULTS.concurrency,
  };
  const token = env.TRACEMAP_TOKEN ?? (typeof file.token === 'string' ? file.token : undefined);
  if (token) cfg.token = token;
  if (o.webDir) cfg.webDir = o.webDir;
  return cfg;
}

function envConnections(env: NodeJS.ProcessEnv): TargetConnections | null {
  const c: TargetConnections = { bridge: env.TRACEMAP_BRIDGE || 'br-int' };
  if (env.OVS_RUNDIR) c.ovsRundir = env.OVS_RUNDIR;
  if (env.OVN_RUNDIR) c.ovnRundir = env.OVN_RUNDIR;
  if (env.OVS_DB) c.ovsDb = env.OVS_DB;
  else if (env.OVS_RUNDIR) c.ovsDb = `unix:${env.OVS_RUNDIR}/db.sock`;
  if (env.OVN_NB_DB) c.ovnNb = env.OVN_NB_DB;
  if (env.OVN_SB_DB) c.ovnSb = env.OVN_SB_DB;
  if (!c.ovsRundir && !c.ovnNb && !c.ovnSb && !c.ovsDb) return null;
  return { ...SYSTEM_CONNECTIONS, ...c };
}

function num(v: unknown, key: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ConfigError(`config: "${key}" must be a positive number`);
  return v;
}

function numberMap(v: unknown, key: string): Record<string, number> {
  if (v === undefined) return {};
  if (!v || typeof v !== 'object') throw new ConfigError(`config: "${key}" must be an object`);
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(v)) out[k] = num(x, `${key}.${k}`)!;
  return out;
}

function str(v: unknown, where: string, re?: RegExp): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || (re && !re.test(v))) throw new ConfigError(`config: ${where} is not valid (${JSON.stringify(v)})`);
  return v;
}

function readTarget(h: unknown, where: string): Target {
  if (!h || typeof h !== 'object') throw new ConfigError(`config: ${where} must be an object`);
  const o = h as Record<string, unknown>;
  const name = str(o.name, `${where}.name`, TARGET_NAME);
  if (!name) throw new ConfigError(`config: ${where}.name is required (letters, digits, _ . -)`);
  const kind = o.kind ?? 'local';
  const conn: TargetConnections = { bridge: str(o.bridge, `${where}.bridge`, /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/) ?? 'br-int' };
  const set = <K extends keyof TargetConnections>(k: K, re?: RegExp) => {
    const v = str(o[k], `${where}.${k}`, re);
    if (v !== undefined) (conn as unknown as Record<string, unknown>)[k] = v;
  };
  set('ovsRundir', /^\//);
  set('ovnRundir', /^\//);
  set('ovsDb', CONN);
  set('ovnNb', CONN);
  set('ovnSb', CONN);
  if (o.ssl !== undefined) {
    const s = o.ssl as Record<string, unknown>;
    const privateKey = str(s?.privateKey, `${where}.ssl.privateKey`);
    const certificate = str(s?.certificate, `${where}.ssl.certificate`);
    const caCert = str(s?.caCert, `${where}.ssl.caCert`);
    if (!privateKey || !certificate || !caCert) throw new ConfigError(`config: ${where}.ssl needs privateKey, certificate and caCert`);
    conn.ssl = { privateKey, certificate, caCert };
  }
  const merged = { ...SYSTEM_CONNECTIONS, ...conn };
  if (kind === 'local') return { kind: 'local', name, ...merged };
  if (kind === 'ssh') {
    const s = o.ssh as Record<string, unknown> | undefined;
    if (!s || typeof s !== 'object') throw new ConfigError(`config: ${where}.ssh is required for kind "ssh"`);
    const host = str(s.host, `${where}.ssh.host`, /^[A-Za-z0-9_.:[\]-]+$/);
    if (!host || host.startsWith('-')) throw new ConfigError(`config: ${where}.ssh.host is required`);
    const ssh: SshTarget['ssh'] = { host };
    if (s.port !== undefined) ssh.port = num(s.port, `${where}.ssh.port`)!;
    const user = str(s.user, `${where}.ssh.user`, /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/);
    if (user) ssh.user = user;
    const id = str(s.identityFile, `${where}.ssh.identityFile`);
    if (id) ssh.identityFile = id;
    const kh = str(s.knownHostsFile, `${where}.ssh.knownHostsFile`);
    if (kh) ssh.knownHostsFile = kh;
    if (s.options !== undefined) {
      if (!Array.isArray(s.options) || !s.options.every((x) => typeof x === 'string' && /^[A-Za-z]+=\S+$/.test(x))) {
        throw new ConfigError(`config: ${where}.ssh.options must be strings like "ConnectTimeout=5"`);
      }
      ssh.options = s.options as string[];
    }
    const binary = str(s.binary, `${where}.ssh.binary`);
    if (binary) {
      if (!binary.startsWith('/')) throw new ConfigError(`config: ${where}.ssh.binary must be an absolute path (an ssh client or a wrapper around one)`);
      ssh.binary = binary;
    }
    if (s.shareConnection !== undefined && typeof s.shareConnection !== 'boolean') throw new ConfigError(`config: ${where}.ssh.shareConnection must be true or false`);
    // The server picks the ControlPath itself (hosts plugin); false runs every tool on a connection of its own.
    if (s.shareConnection === false) ssh.shareConnection = false;
    return { kind: 'ssh', name, ...merged, ssh };
  }
  throw new ConfigError(`config: ${where}.kind must be "local" or "ssh" (docker and kubectl are not supported yet)`);
}
