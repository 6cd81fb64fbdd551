import fp from 'fastify-plugin';
import type { LogicalFlow, OpenFlowFlow } from '@tracemap/model';
import type { Target } from '@tracemap/host';
import { sslArgs } from '@tracemap/host';
import { createDumpFlowsParser, lflowCookie, parseLogicalFlowJson } from '@tracemap/parsers';
import { checkConjunctions, indexLogicalFlows, indexOpenFlowByCookie, type ConjunctionReport, type LogicalFlowIndex } from '@tracemap/analysis';
import { ApiError } from '../errors';
import { toolFailure } from './hosts';
import { HostCache } from '../services/cache';
import { uuidOf, type Json } from '../services/ovsdb';

/*
 * Logical flows and OpenFlow flows of one host, loaded once and indexed by cookie (an OVN
 * logical flow's cookie is the first 32 bits of its UUID). The logical side comes from one
 * `ovsdb-client -f json dump` per table; `ovs-ofctl dump-flows` is streamed from the child's
 * stdout into the incremental parser (428 MB at 1.8M flows: never buffered whole).
 */

export interface LogicalIndex {
  flows: LogicalFlow[];
  byUuid: Map<string, LogicalFlow>;
  index: LogicalFlowIndex;
  builtAt: string;
  buildMs: number;
  argv: string[][];
  /**
   * Cookies (8 hex digits, like lflowCookie) of the other SB rows ovn-controller names flows
   * after: port bindings (table 0, physical output), multicast groups, MAC bindings, load
   * balancers. A trace step with one of these is not a sign of a stale index.
   */
  otherCookies: Set<string>;
}

export interface OpenFlowIndex {
  bridge: string;
  flows: OpenFlowFlow[];
  byCookie: Map<string, OpenFlowFlow[]>;
  byTable: Map<number, OpenFlowFlow[]>;
  conjunctions: ConjunctionReport;
  builtAt: string;
  buildMs: number;
  argv: string[];
  diagnostics: number;
}

/** What a targeted lookup found for some cookies (the shape annotation needs). */
export interface CookieLookup {
  flows: LogicalFlow[];
  index: LogicalFlowIndex;
  otherCookies: Set<string>;
  /** How many of the cookies asked for came from the per-host cache. */
  cached: number;
  argv: string[][];
}

export interface FlowIndexService {
  logical(target: Target, refresh?: boolean): Promise<LogicalIndex>;
  openflow(target: Target, refresh?: boolean): Promise<OpenFlowIndex>;
  /** The logical index if it was already built (annotation must not wait minutes for a cold build). */
  peekLogical(target: Target): LogicalIndex | undefined;
  peekOpenflow(target: Target): OpenFlowIndex | undefined;
  /**
   * The logical flows behind these cookies, straight from the Southbound, without the whole
   * index: one `ovsdb-client transact` selects only the `_uuid` column of Logical_Flow (and of
   * the other cookie tables), a second selects the rows whose UUID prefix is a cookie. This is
   * what annotation uses while the full index is cold (at 236k logical flows the full dump takes
   * seconds; this takes a fraction of one). Answers are cached per host for the index TTL.
   */
  forCookies(target: Target, cookies: readonly string[]): Promise<CookieLookup>;
}

declare module 'fastify' {
  interface FastifyInstance {
    flowIndex: FlowIndexService;
  }
}

export const LFLOW_TABLES: [string, string[]][] = [
  ['Logical_Flow', ['_uuid', 'logical_datapath', 'logical_dp_group', 'pipeline', 'table_id', 'priority', 'match', 'actions', 'external_ids']],
  ['Datapath_Binding', ['_uuid', 'external_ids']],
  ['Logical_DP_Group', ['_uuid', 'datapaths']],
];

/** SB tables whose row UUIDs ovn-controller uses as OpenFlow cookies besides Logical_Flow. */
const COOKIE_TABLES = ['Port_Binding', 'Multicast_Group', 'MAC_Binding', 'Load_Balancer'];

/** `ovsdb-client -f json dump DB TABLE _uuid` -> the rows' UUIDs. */
function uuidsOf(json: string): string[] {
  try {
    const t = JSON.parse(json) as { data?: unknown[][] };
    return (t.data ?? []).map((row) => (Array.isArray(row[0]) ? String(row[0][1]) : '')).filter(Boolean);
  } catch {
    return [];
  }
}

export const flowIndexPlugin = fp(
  async (app) => {
    const cfg = app.config;

    const buildLogical = async (target: Target): Promise<LogicalIndex> => {
      const t0 = performance.now();
      if (!target.ovnSb) throw new ApiError('bad-request', `host ${target.name} has no OVN Southbound connection configured`, { where: 'query.host' });
      const argvs = LFLOW_TABLES.map(([t, cols]) => ['ovsdb-client', ...sslArgs(target), '-f', 'json', 'dump', target.ovnSb!, 'OVN_Southbound', t, ...cols]);
      const results = await Promise.all(argvs.map((a) => app.hosts.run(target, a, { timeoutMs: cfg.timeouts.indexMs })));
      for (const r of results) if (r.exitCode !== 0 || r.timedOut) throw toolFailure(r);
      const parsed = parseLogicalFlowJson(results.map((r) => r.stdout).join('\n')).value;
      const other = await Promise.all(
        COOKIE_TABLES.map((t) => app.hosts.run(target, ['ovsdb-client', ...sslArgs(target), '-f', 'json', 'dump', target.ovnSb!, 'OVN_Southbound', t, '_uuid'], { timeoutMs: cfg.timeouts.indexMs })),
      );
      const otherCookies = new Set(other.flatMap((r) => (r.exitCode === 0 ? uuidsOf(r.stdout) : [])).map((u) => lflowCookie(u)));
      const byUuid = new Map<string, LogicalFlow>();
      for (const f of parsed.flows) if (f.uuid) byUuid.set(f.uuid.toLowerCase(), f);
      return { flows: parsed.flows, byUuid, index: indexLogicalFlows(parsed.flows), builtAt: new Date().toISOString(), buildMs: Math.round(performance.now() - t0), argv: argvs, otherCookies };
    };

    const buildOpenFlow = async (target: Target): Promise<OpenFlowIndex> => {
      const t0 = performance.now();
      const argv = ['ovs-ofctl', 'dump-flows', target.bridge];
      const parser = createDumpFlowsParser();
      const r = await app.hosts.run(target, argv, { timeoutMs: cfg.timeouts.indexMs, onStdout: (chunk) => parser.push(chunk) });
      if (r.exitCode !== 0 || r.timedOut) throw toolFailure(r);
      const dump = parser.end().value;
      const logical = logicalCache.peek(target.name);
      const conjunctions = checkConjunctions(dump.flows, logical ? { logical: logical.index } : {});
      return {
        bridge: target.bridge,
        flows: dump.flows,
        byCookie: indexOpenFlowByCookie(dump.flows),
        byTable: groupByTable(dump.flows),
        conjunctions,
        builtAt: new Date().toISOString(),
        buildMs: Math.round(performance.now() - t0),
        argv,
        diagnostics: dump.diagnostics.length,
      };
    };

    // host -> cookie -> the logical flows with that UUID prefix (empty: none), and when read.
    const cookieCache = new Map<string, Map<string, { at: number; flows: LogicalFlow[] }>>();
    const otherCookiesCache = new Map<string, { at: number; cookies: Set<string> }>();
    const COOKIE_CACHE_MAX = 100_000;

    const forCookies = async (target: Target, asked: readonly string[]): Promise<CookieLookup> => {
      if (!target.ovnSb) throw new ApiError('bad-request', `host ${target.name} has no OVN Southbound connection configured`, { where: 'query.host' });
      const now = Date.now();
      const keys = [...new Set(asked.map((c) => lflowCookie(c)).filter((c) => c !== '0x00000000'))];
      const cache = cookieCache.get(target.name) ?? new Map<string, { at: number; flows: LogicalFlow[] }>();
      cookieCache.set(target.name, cache);
      const fresh = (k: string) => {
        const e = cache.get(k);
        return e && now - e.at < cfg.indexTtlMs ? e : undefined;
      };
      const missing = keys.filter((k) => !fresh(k));
      const other = otherCookiesCache.get(target.name);
      const argv: string[][] = [];
      let otherCookies = other && now - other.at < cfg.indexTtlMs ? other.cookies : undefined;
      if (missing.length || !otherCookies) {
        const transact = async (ops: unknown[]) => {
          const a = ['ovsdb-client', ...sslArgs(target), 'transact', target.ovnSb!, JSON.stringify(['OVN_Southbound', ...ops])];
          argv.push(a);
          const r = await app.hosts.run(target, a, { timeoutMs: cfg.timeouts.indexMs });
          if (r.exitCode !== 0 || r.timedOut) throw toolFailure(r);
          return transactRows(r.stdout);
        };
        // 1: every UUID (Logical_Flow first; a table this OVN lacks fails only its own op).
        const uuidTables = ['Logical_Flow', ...COOKIE_TABLES];
        const ids = await transact(uuidTables.map((table) => ({ op: 'select', table, where: [], columns: ['_uuid'] })));
        const want = new Set(missing);
        const hits = (ids[0] ?? []).map((row) => uuidOf(row._uuid)).filter((u): u is string => Boolean(u && want.has(lflowCookie(u))));
        otherCookies = new Set(ids.slice(1).flatMap((rows) => rows.map((row) => uuidOf(row._uuid) ?? '')).filter(Boolean).map((u) => lflowCookie(u)));
        otherCookiesCache.set(target.name, { at: now, cookies: otherCookies });
        // 2: those rows, with the datapaths and datapath groups that name them.
        const found = new Map<string, LogicalFlow[]>(missing.map((k) => [k, []]));
        if (hits.length) {
          const lfCols = LFLOW_TABLES[0]![1];
          const res = await transact([
            ...hits.map((u) => ({ op: 'select', table: 'Logical_Flow', where: [['_uuid', '==', ['uuid', u]]], columns: lfCols })),
            ...LFLOW_TABLES.slice(1).map(([table, columns]) => ({ op: 'select', table, where: [], columns })),
          ]);
          const dump = [
            dumpTable('Logical_Flow', lfCols, res.slice(0, hits.length).flat()),
            ...LFLOW_TABLES.slice(1).map(([table, columns], i) => dumpTable(table, columns, res[hits.length + i] ?? [])),
          ].join('\n');
          for (const f of parseLogicalFlowJson(dump).value.flows) if (f.uuid) found.get(lflowCookie(f.uuid))?.push(f);
        }
        if (cache.size + found.size > COOKIE_CACHE_MAX) cache.clear();
        for (const [k, flows] of found) cache.set(k, { at: now, flows });
      }
      const flows = keys.flatMap((k) => cache.get(k)?.flows ?? []);
      return { flows, index: indexLogicalFlows(flows), otherCookies: otherCookies ?? new Set(), cached: keys.length - missing.length, argv };
    };

    const logicalCache = new HostCache<LogicalIndex>(cfg.indexTtlMs, (name) => buildLogical(app.hosts.get(name)));
    const openflowCache = new HostCache<OpenFlowIndex>(cfg.indexTtlMs, (name) => buildOpenFlow(app.hosts.get(name)));

    app.decorate('flowIndex', {
      logical: async (t, refresh = false) => (await logicalCache.get(t.name, refresh)).value,
      openflow: async (t, refresh = false) => (await openflowCache.get(t.name, refresh)).value,
      peekLogical: (t) => logicalCache.peek(t.name),
      peekOpenflow: (t) => openflowCache.peek(t.name),
      forCookies,
    } satisfies FlowIndexService);
  },
  { name: 'flow-index', dependencies: ['config', 'hosts'] },
);

/** `ovsdb-client transact` output -> each operation's rows ([] for an operation that failed). */
function transactRows(stdout: string): Record<string, Json>[][] {
  let results: unknown;
  try {
    results = JSON.parse(stdout);
  } catch {
    throw new ApiError('tool-failed', `ovsdb-client transact printed something that is not JSON: ${stdout.slice(0, 200)}`);
  }
  if (!Array.isArray(results)) throw new ApiError('tool-failed', `ovsdb-client transact printed ${typeof results}, not a result array`);
  return results.map((r) => (r && typeof r === 'object' && Array.isArray((r as { rows?: unknown }).rows) ? (r as { rows: Record<string, Json>[] }).rows : []));
}

/** Rows as `ovsdb-client -f json dump` prints a table, for parseLogicalFlowJson. */
function dumpTable(table: string, columns: string[], rows: Record<string, Json>[]): string {
  return JSON.stringify({ caption: `${table} table`, data: rows.map((r) => columns.map((c) => r[c] ?? ['set', []])), headings: columns });
}

function groupByTable(flows: OpenFlowFlow[]): Map<number, OpenFlowFlow[]> {
  const m = new Map<number, OpenFlowFlow[]>();
  for (const f of flows) {
    const l = m.get(f.table);
    if (l) l.push(f);
    else m.set(f.table, [f]);
  }
  return m;
}

export { lflowCookie };
