import type { Diagnostic, LflowList, LogicalFlow, ParseResult } from '@tracemap/model';
import { matchShellPrompt } from './detect';

/*
 * `ovn-sbctl lflow-list` (utilities/ovn-sbctl.c):
 *   Datapath: "lr0" (1981df52-125f-4d52-89de-4f330bb7d249)  Pipeline: ingress
 *     table=0 (lr_in_admission    ), priority=100  , match=(vlan.present || eth.src[40]), action=(drop;)
 * `--uuid` (OVN >= 20.x prints it by default in some builds) prefixes "uuid=0x00f9282b, ".
 * The table is "%-2d(%-19s)": "table=10(ls_in_acl_after_lb )" has no space before "(",
 * and long stage names are not padded. `--ovs` lists the OpenFlow flows of each logical
 * flow beneath it, indented 4: "    table=8 metadata=0x3,dl_src=... actions=drop".
 */

const DATAPATH = /^Datapath:\s*(?:"([^"]*)"(?:\s+aka\s+"([^"]*)")?)?\s*\(([0-9a-fA-F-]{36})\)\s+Pipeline:\s*(ingress|egress)\s*$/;
const FLOW =
  /^\s*(?:uuid=0x([0-9a-fA-F]+),\s*)?table=\s*(\d+)\s*\(\s*([^)]*?)\s*\),\s*priority=\s*(\d+)\s*,\s*match=\((.*?)\),\s*action=\((.*)\)\s*$/;
/** "    table=8 metadata=0x3,... actions=drop" or a full stats line under a logical flow (--ovs). */
const OPENFLOW = /^\s{3,}(?:cookie=0x[0-9a-fA-F]+, .*|table=\d+[ ,].*)\bactions=/;
const TOTAL = /^Total number of logical flows in the datapath /;

/**
 * The first 32 bits of a UUID as an OVN cookie, zero padded to 8 hex digits: "0x00f9282b".
 * Also normalises cookies as OVS prints them ("cookie=0xa32ff42" -> "0x0a32ff42"); a cookie
 * wider than 32 bits is no logical flow's and comes back unpadded.
 */
export function lflowCookie(uuidOrCookie: string): string {
  const hex = uuidOrCookie.trim().replace(/^0x/i, '').replace(/-.*$/, '').toLowerCase();
  const digits = hex.replace(/^0+/, '') || '0';
  return digits.length > 8 ? `0x${digits}` : `0x${digits.padStart(8, '0')}`;
}

export function parseLflowList(text: string): ParseResult<LflowList> {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return parseLogicalFlowJson(text);
  const diagnostics: Diagnostic[] = [];
  const flows: LogicalFlow[] = [];
  const lines = splitLines(text);
  let dp: { name: string; uuid: string; pipeline: 'ingress' | 'egress' } | null = null;
  try {
    for (let i = 0; i < lines.length; i++) {
      const raw = lines[i]!;
      const n = i + 1;
      const t = raw.trim();
      if (t === '') continue;
      const d = DATAPATH.exec(t);
      if (d) {
        dp = { name: d[1] ?? d[2] ?? d[3]!, uuid: d[3]!.toLowerCase(), pipeline: d[4] as 'ingress' | 'egress' };
        continue;
      }
      const f = FLOW.exec(raw);
      if (f) {
        const flow: LogicalFlow = {
          datapath: dp?.name ?? '',
          pipeline: dp?.pipeline ?? 'ingress',
          table: Number(f[2]),
          priority: Number(f[4]),
          match: f[5]!,
          actions: f[6]!,
          line: n,
        };
        if (dp) flow.datapathUuid = dp.uuid;
        if (f[3]) flow.stage = f[3];
        if (f[1]) flow.cookie = lflowCookie(f[1]);
        if (!dp) diagnostics.push({ line: n, message: 'logical flow before any "Datapath: ... Pipeline: ..." header', severity: 'warning' });
        flows.push(flow);
        continue;
      }
      if (OPENFLOW.test(raw) && flows.length) {
        (flows[flows.length - 1]!.openflow ??= []).push(t);
        continue;
      }
      if (TOTAL.test(t)) continue;
      if (matchShellPrompt(raw) !== null) {
        diagnostics.push({ line: n, message: 'shell prompt line (the command that produced this output)', severity: 'info' });
        continue;
      }
      diagnostics.push({ line: n, message: `unrecognised line (kept raw): ${t}`, severity: 'warning' });
    }
  } catch (e) {
    diagnostics.push({ line: 0, message: `internal parser error: ${String(e)}`, severity: 'error' });
  }
  return { value: { kind: 'lflow-list', flows, diagnostics, lineCount: lines.length }, diagnostics };
}

// ---------------------------------------------------------------------------------------------
// `ovsdb-client -f json dump unix:sb.sock OVN_Southbound Logical_Flow [Datapath_Binding Logical_DP_Group]`
//   {"caption":"Logical_Flow table","data":[[["uuid","5cba66a0-..."],"/* drop */",...]],"headings":["_uuid","actions",...]}
// One object per table (a dump of several tables prints one per line). OVSDB values are tagged:
// ["uuid", u], ["set", [...]], ["map", [[k, v], ...]].

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface TableDump {
  caption: string;
  rows: Record<string, Json>[];
  line: number;
}

export function parseLogicalFlowJson(text: string): ParseResult<LflowList> {
  const diagnostics: Diagnostic[] = [];
  const flows: LogicalFlow[] = [];
  const lineCount = splitLines(text).length;
  try {
    const tables = readTables(text, diagnostics);
    const dpNames = new Map<string, string>();
    const groups = new Map<string, string[]>();
    for (const t of tables) {
      if (/^Datapath_Binding\b/.test(t.caption)) {
        for (const r of t.rows) {
          const ids = mapOf(r.external_ids);
          const uuid = uuidOf(r._uuid);
          if (uuid) dpNames.set(uuid, ids.name ?? ids.name2 ?? uuid);
        }
      } else if (/^Logical_DP_Group\b/.test(t.caption)) {
        for (const r of t.rows) {
          const uuid = uuidOf(r._uuid);
          if (uuid) groups.set(uuid, setOf(r.datapaths).map((x) => uuidOf(x) ?? '').filter(Boolean));
        }
      }
    }
    const lfTables = tables.filter((t) => /^Logical_Flow\b/.test(t.caption));
    if (lfTables.length === 0) diagnostics.push({ line: 1, message: 'no "Logical_Flow table" in the JSON dump', severity: 'warning' });
    for (const t of lfTables) {
      for (const r of t.rows) {
        const uuid = uuidOf(r._uuid);
        const ids = mapOf(r.external_ids);
        const dpUuid = uuidOf(r.logical_datapath);
        const groupUuid = uuidOf(r.logical_dp_group);
        const members = groupUuid ? groups.get(groupUuid) : undefined;
        const pipeline = r.pipeline === 'egress' ? 'egress' : 'ingress';
        const flow: LogicalFlow = {
          datapath: dpUuid
            ? (dpNames.get(dpUuid) ?? dpUuid)
            : members && members.every((m) => dpNames.has(m))
              ? members.map((m) => dpNames.get(m)!).join(',')
              : groupUuid
                ? `dp-group:${groupUuid}`
                : '',
          pipeline,
          table: typeof r.table_id === 'number' ? r.table_id : Number(r.table_id),
          priority: typeof r.priority === 'number' ? r.priority : Number(r.priority),
          match: typeof r.match === 'string' ? r.match : '',
          actions: typeof r.actions === 'string' ? r.actions : '',
          line: t.line,
        };
        if (uuid) {
          flow.uuid = uuid;
          flow.cookie = lflowCookie(uuid);
        }
        if (dpUuid) flow.datapathUuid = dpUuid;
        if (members) flow.datapaths = members.map((m) => dpNames.get(m) ?? m);
        if (ids['stage-name']) flow.stage = ids['stage-name'];
        if (ids.source) flow.source = ids.source;
        flows.push(flow);
      }
    }
  } catch (e) {
    diagnostics.push({ line: 0, message: `internal parser error: ${String(e)}`, severity: 'error' });
  }
  return { value: { kind: 'lflow-list', flows, diagnostics, lineCount }, diagnostics };
}

function readTables(text: string, diagnostics: Diagnostic[]): TableDump[] {
  const docs: { json: Json; line: number }[] = [];
  const whole = tryJson(text);
  if (whole !== undefined) docs.push({ json: whole, line: 1 });
  else {
    // One JSON object per table, one per line.
    splitLines(text).forEach((l, i) => {
      if (l.trim() === '') return;
      const j = tryJson(l);
      if (j === undefined) diagnostics.push({ line: i + 1, message: 'line is not JSON (kept raw)', severity: 'warning' });
      else docs.push({ json: j, line: i + 1 });
    });
  }
  const out: TableDump[] = [];
  const visit = (j: Json, line: number): void => {
    if (Array.isArray(j)) {
      for (const x of j) visit(x, line);
      return;
    }
    if (!j || typeof j !== 'object') return;
    const headings = j.headings;
    const data = j.data;
    if (Array.isArray(headings) && Array.isArray(data)) {
      const names = headings.map(String);
      const rows = data.filter(Array.isArray).map((row) => {
        const r: Record<string, Json> = {};
        names.forEach((h, k) => {
          r[h] = (row as Json[])[k] ?? null;
        });
        return r;
      });
      out.push({ caption: typeof j.caption === 'string' ? j.caption : '', rows, line });
      return;
    }
    // `ovsdb-client query`/`transact` style: [{"rows":[{...}]}] with Logical_Flow columns.
    if (Array.isArray(j.rows)) {
      const rows = j.rows.filter((x): x is { [k: string]: Json } => !!x && typeof x === 'object' && !Array.isArray(x));
      if (rows.some((r) => 'match' in r && 'actions' in r)) out.push({ caption: 'Logical_Flow table', rows, line });
    }
  };
  for (const d of docs) visit(d.json, d.line);
  return out;
}

function tryJson(s: string): Json | undefined {
  try {
    return JSON.parse(s) as Json;
  } catch {
    return undefined;
  }
}

function uuidOf(v: Json | undefined): string | undefined {
  if (Array.isArray(v) && v[0] === 'uuid' && typeof v[1] === 'string') return v[1].toLowerCase();
  if (Array.isArray(v) && v[0] === 'set' && Array.isArray(v[1]) && v[1].length === 1) return uuidOf(v[1][0]);
  return undefined;
}

function setOf(v: Json | undefined): Json[] {
  if (Array.isArray(v) && v[0] === 'set' && Array.isArray(v[1])) return v[1];
  return v === undefined || v === null ? [] : [v];
}

function mapOf(v: Json | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(v) && v[0] === 'map' && Array.isArray(v[1])) {
    for (const kv of v[1]) if (Array.isArray(kv) && typeof kv[0] === 'string') out[kv[0]] = String(kv[1]);
  }
  return out;
}

function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
