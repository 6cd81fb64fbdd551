import { matchShellPrompt } from './detect';
import type { BrokenConjunction, Diagnostic, DumpFlows, OpenFlowFlow, ParseResult } from '@tracemap/model';

/*
 * `ovs-ofctl dump-flows` prints one flow a line (lib/ofp-flow.c, ofputil_flow_stats_format):
 *   " cookie=0x43245c9, duration=139.035s, table=0, n_packets=0, n_bytes=0, idle_age=139, priority=100,in_port=1 actions=load:0x3->NXM_NX_REG13[],resubmit(,8)"
 * i.e. "key=value, " statistics, then flag words ("reset_counts " under -O OpenFlow13,
 * "send_flow_rem "...), then the match (starting "priority=N," unless it is the default 32768),
 * a space, and "actions=". `--no-stats` drops duration/n_*, and cookie/table when zero:
 *   " cookie=0x43245c9, priority=100,in_port=1 actions=set_field:0x3->reg13,..."
 * Reply headers ("NXST_FLOW reply (xid=0x4): flags=[more]", "OFPST_FLOW reply (OF1.3) (xid=0x2):")
 * repeat inside large dumps, once per reply message.
 *
 * Dumps reach 428 MB / 1.8M flows, so a line is read with indexOf/slice only; `actions` stays
 * the raw string (decode on demand with parseOfActions), and only conjunction(...) / conj_id=
 * are pulled out, because the conjunction check needs them for every flow.
 */

const DEFAULT_PRIORITY = 32768;
/** Statistics keys before the match; their values end at ", ". */
const STAT_KEYS: Record<string, (f: OpenFlowFlow, v: string) => void> = {
  cookie: (f, v) => {
    f.cookie = v.toLowerCase();
  },
  duration: (f, v) => {
    f.duration = parseFloat(v);
  },
  table: (f, v) => {
    f.table = Number(v);
  },
  n_packets: (f, v) => {
    f.nPackets = Number(v);
  },
  n_bytes: (f, v) => {
    f.nBytes = Number(v);
  },
  idle_timeout: () => {},
  hard_timeout: () => {},
  importance: () => {},
  idle_age: () => {},
  hard_age: () => {},
};
/** ofputil_flow_mod_flags_format(): words followed by a space, no "=". */
const FLAG_WORDS = ['send_flow_rem', 'check_overlap', 'reset_counts', 'no_packet_counts', 'no_byte_counts', 'allow_hidden_fields', 'no_readonly_table'];
const REPLY_HEADER = /^(NXST|OFPST)_FLOW reply\b/;
const CONJUNCTION = /conjunction\((\d+),(\d+)\/(\d+)\)/g;
/** Tool errors printed instead of flows. */
const TOOL_ERROR = /^ovs-ofctl: |is not a bridge or a socket|^ovs-vsctl: /;

/**
 * A copy of `s` that does not pin its source: V8 keeps a sliced string's whole parent (a 64 KB
 * chunk of the dump) alive, so a streamed parse that keeps slices keeps the whole input.
 */
function flat(s: string): string {
  return s.length < 13 ? s : (structuredClone(s) as string);
}

/** Parses one flow line; returns null when the line is not a flow. `line` is its 1-based number. */
export function parseDumpFlowLine(text: string, line: number): OpenFlowFlow | null {
  let s = 0;
  const len = text.length;
  while (s < len && (text.charCodeAt(s) === 32 || text.charCodeAt(s) === 9)) s++;
  let a = text.indexOf(' actions=', s);
  let actionsAt: number;
  if (a >= 0) actionsAt = a + 9;
  else if (text.startsWith('actions=', s)) {
    a = s;
    actionsAt = s + 8;
  } else return null;
  const flow: OpenFlowFlow = { table: 0, priority: DEFAULT_PRIORITY, cookie: '0x0', match: '', actions: text.slice(actionsAt).trimEnd(), line };
  // Statistics and flags.
  let p = s;
  for (;;) {
    const eq = text.indexOf('=', p);
    if (eq < 0 || eq > a) break;
    const key = text.slice(p, eq);
    const set = STAT_KEYS[key];
    if (set) {
      // Values never contain spaces: "duration=139.035s, " / "table=8 metadata=..." (lflow-list --ovs).
      let sp = text.indexOf(' ', eq);
      if (sp < 0 || sp > a) sp = a;
      const end = text.charCodeAt(sp - 1) === 44 ? sp - 1 : sp;
      set(flow, text.slice(eq + 1, end));
      p = sp + 1;
      if (p > a) {
        p = a;
        break;
      }
      continue;
    }
    // "reset_counts priority=..." — a flag word is followed by a space.
    const sp = text.indexOf(' ', p);
    if (sp > p && sp < a && sp < eq && FLAG_WORDS.includes(text.slice(p, sp))) {
      p = sp + 1;
      continue;
    }
    break;
  }
  let match = p < a ? text.slice(p, a) : '';
  if (match.startsWith('priority=')) {
    let c = 9;
    let v = 0;
    while (c < match.length) {
      const d = match.charCodeAt(c) - 48;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
      c++;
    }
    flow.priority = v;
    match = match.charCodeAt(c) === 44 ? match.slice(c + 1) : match.slice(c);
  }
  flow.match = match;
  const cj = match.indexOf('conj_id=');
  if (cj >= 0 && (cj === 0 || match.charCodeAt(cj - 1) === 44)) {
    flow.conjId = parseInt(match.slice(cj + 8), 10);
  }
  if (flow.actions.includes('conjunction(')) {
    const list: { id: number; clause: number; of: number }[] = [];
    for (const m of flow.actions.matchAll(CONJUNCTION)) list.push({ id: Number(m[1]), clause: Number(m[2]), of: Number(m[3]) });
    if (list.length) flow.conjunctions = list;
  }
  return flow;
}

export interface DumpFlowsParserOptions {
  /**
   * Keep every flow in the result (default true). With false, only conjunction-related flows are
   * kept: conj_id flows whole, clause flows without their match/actions text (their ids, table,
   * priority, cookie and line are what the check needs; a 400 MB dump is mostly clause flows).
   */
  keepFlows?: boolean;
  /** Called for each flow as it is read. */
  onFlow?: (flow: OpenFlowFlow) => void;
  /** Cap on diagnostics kept (a garbage 400 MB paste should not make millions). Default 1000. */
  maxDiagnostics?: number;
}

export interface DumpFlowsParser {
  push(chunk: string): void;
  end(): ParseResult<DumpFlows>;
}

/** Incremental dump-flows parser: feed chunks of any size (split anywhere), then end(). */
export function createDumpFlowsParser(options: DumpFlowsParserOptions = {}): DumpFlowsParser {
  const keep = options.keepFlows !== false;
  const maxDiag = options.maxDiagnostics ?? 1000;
  const flows: OpenFlowFlow[] = [];
  const conj = new ConjunctionIndex();
  const diagnostics: Diagnostic[] = [];
  let dropped = 0;
  let rest = '';
  let lineNo = 0;
  let headers = 0;

  const diag = (d: Diagnostic): void => {
    if (diagnostics.length < maxDiag) diagnostics.push(d);
    else dropped++;
  };

  const handle = (raw: string): void => {
    lineNo++;
    const text = raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw;
    const flow = parseDumpFlowLine(text, lineNo);
    if (flow) {
      if (keep) flows.push(flow);
      else if (flow.conjId !== undefined) flows.push({ ...flow, match: flat(flow.match), actions: flat(flow.actions) });
      else if (flow.conjunctions) flows.push({ ...flow, match: '', actions: '' });
      conj.add(flow);
      options.onFlow?.(flow);
      return;
    }
    const t = text.trim();
    if (t === '') return;
    if (REPLY_HEADER.test(t)) {
      headers++;
      return;
    }
    if (TOOL_ERROR.test(t)) {
      diag({ line: lineNo, message: `ovs-ofctl error: ${t}`, severity: 'error' });
      return;
    }
    if (matchShellPrompt(t) !== null) {
      diag({ line: lineNo, message: 'shell prompt line (the command that produced this output)', severity: 'info' });
      return;
    }
    diag({ line: lineNo, message: `unrecognised line (kept raw): ${t.length > 200 ? `${t.slice(0, 200)}...` : t}`, severity: 'warning' });
  };

  return {
    push(chunk: string): void {
      try {
        let start = 0;
        let buf = rest.length ? rest + chunk : chunk;
        for (;;) {
          const nl = buf.indexOf('\n', start);
          if (nl < 0) break;
          handle(buf.slice(start, nl));
          start = nl + 1;
        }
        rest = buf.slice(start);
        buf = '';
      } catch (e) {
        diag({ line: lineNo, message: `internal parser error: ${String(e)}`, severity: 'error' });
      }
    },
    end(): ParseResult<DumpFlows> {
      try {
        if (rest.length) handle(rest);
        rest = '';
      } catch (e) {
        diag({ line: lineNo, message: `internal parser error: ${String(e)}`, severity: 'error' });
      }
      if (dropped) diagnostics.push({ line: 0, message: `${dropped} more diagnostics not shown`, severity: 'warning' });
      let broken: BrokenConjunction[] = [];
      try {
        broken = conj.broken();
      } catch (e) {
        diagnostics.push({ line: 0, message: `internal conjunction check error: ${String(e)}`, severity: 'error' });
      }
      if (broken.length && (headers === 0 || lineNo < 50)) {
        diagnostics.push({
          line: 0,
          message: 'conjunction check on what may be a partial dump (grep, table=N): clause or conj_id flows outside it count as missing',
          severity: 'info',
        });
      }
      const value: DumpFlows = { kind: 'dump-flows', flows, conjunctions: { broken }, diagnostics, lineCount: lineNo };
      return { value, diagnostics };
    },
  };
}

export function parseDumpFlows(text: string): ParseResult<DumpFlows> {
  const p = createDumpFlowsParser();
  p.push(text);
  return p.end();
}

// ---------------------------------------------------------------------------------------------
// Conjunctions. The pure check lives here so the parser can fill `conjunctions.broken` without
// importing @tracemap/analysis (which re-exports and enriches it).

interface ClauseGroup {
  table: number;
  priority: number;
  id: number;
  of: Set<number>;
  clauses: Set<number>;
  cookies: Set<string>;
  lines: number[];
}

interface ConjIdGroup {
  table: number;
  id: number;
  cookies: Set<string>;
  lines: number[];
}

const MAX_LINES = 20;

/**
 * Per table: conj_id=N flows, and conjunction(N,k/n) clause flows grouped by priority (flows
 * with the same id at different priorities are different conjunctive matches — ovs-fields(7)).
 */
export class ConjunctionIndex {
  private readonly conjIds = new Map<string, ConjIdGroup>();
  private readonly clauses = new Map<string, ClauseGroup>();
  /** table/id pairs that have any clause flow, whatever the priority. */
  private readonly clauseIds = new Set<string>();
  conjIdFlows = 0;
  clauseFlows = 0;

  add(flow: OpenFlowFlow): void {
    if (flow.conjId !== undefined && Number.isFinite(flow.conjId)) {
      this.conjIdFlows++;
      const key = `${flow.table}/${flow.conjId}`;
      let g = this.conjIds.get(key);
      if (!g) this.conjIds.set(key, (g = { table: flow.table, id: flow.conjId, cookies: new Set(), lines: [] }));
      g.cookies.add(flow.cookie);
      if (g.lines.length < MAX_LINES) g.lines.push(flow.line);
    }
    if (flow.conjunctions) {
      this.clauseFlows++;
      for (const c of flow.conjunctions) {
        const key = `${flow.table}/${flow.priority}/${c.id}`;
        let g = this.clauses.get(key);
        if (!g) {
          g = { table: flow.table, priority: flow.priority, id: c.id, of: new Set(), clauses: new Set(), cookies: new Set(), lines: [] };
          this.clauses.set(key, g);
          this.clauseIds.add(`${flow.table}/${c.id}`);
        }
        g.of.add(c.of);
        g.clauses.add(c.clause);
        g.cookies.add(flow.cookie);
        if (g.lines.length < MAX_LINES) g.lines.push(flow.line);
      }
    }
  }

  broken(): BrokenConjunction[] {
    const out: BrokenConjunction[] = [];
    for (const [key, g] of this.conjIds) {
      if (this.clauseIds.has(key)) continue;
      out.push({
        id: g.id,
        table: g.table,
        problem: 'no-clauses',
        detail: `conj_id=${g.id} flow in table ${g.table} but no conjunction(${g.id},k/n) action in that table: it can never match`,
        cookies: [...g.cookies],
        lines: g.lines,
      });
    }
    for (const g of this.clauses.values()) {
      const n = Math.max(...g.of);
      const missing: number[] = [];
      for (let k = 1; k <= n; k++) if (!g.clauses.has(k)) missing.push(k);
      if (missing.length || g.of.size > 1) {
        out.push({
          id: g.id,
          table: g.table,
          problem: 'missing-clauses',
          detail:
            `conjunction(${g.id},k/${[...g.of].join('|')}) at priority ${g.priority} in table ${g.table}: ` +
            (missing.length ? `clause${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${n} missing` : 'flows disagree on the number of clauses'),
          cookies: [...g.cookies],
          lines: g.lines,
        });
      }
      if (!this.conjIds.has(`${g.table}/${g.id}`)) {
        out.push({
          id: g.id,
          table: g.table,
          problem: 'no-conj-id-flow',
          detail: `conjunction(${g.id},k/${n}) clauses at priority ${g.priority} in table ${g.table} but no conj_id=${g.id} flow there: a packet matching all clauses finds no flow`,
          cookies: [...g.cookies],
          lines: g.lines,
        });
      }
    }
    out.sort((x, y) => x.table - y.table || x.id - y.id || x.problem.localeCompare(y.problem));
    return out;
  }
}

/** The conjunction check over any flows (a parsed dump, or flows gathered elsewhere). */
export function findBrokenConjunctions(flows: Iterable<OpenFlowFlow>): BrokenConjunction[] {
  const index = new ConjunctionIndex();
  for (const f of flows) if (f.conjId !== undefined || f.conjunctions) index.add(f);
  return index.broken();
}
