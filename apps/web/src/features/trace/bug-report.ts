/*
 * "Copy for bug report": Markdown an upstream maintainer can read in an issue or a mailing-list
 * post. Versions and exact command lines first, then the verdict, the walk as a short table, and
 * the raw output collapsed in <details> so the report stays short.
 */
import type { TraceGraph } from '@tracemap/analysis';
import type { TraceRecord } from '../../api/types';
import type { VerdictView } from './verdict-text';

const MAX_ROWS = 40;

/** POSIX shell quoting, for display only (the server runs argv arrays, never shell text). */
export function shellQuote(argv: string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function cell(s: string | number | undefined | null): string {
  return s === undefined || s === null ? '' : String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function bugReportMarkdown(opts: {
  record: TraceRecord;
  verdict: VerdictView;
  graph: TraceGraph | null;
  permalink: string;
  raw: { tool: string; text: string }[];
}): string {
  const { record: r, verdict: v, graph, permalink, raw } = opts;
  const out: string[] = [];
  out.push(`### tracemap: ${v.headline}${v.reason ? `: ${v.reason}` : ''}`, '');
  out.push(`- Permalink: ${permalink}`);
  const versions = [r.versions?.ovs && `Open vSwitch ${r.versions.ovs}`, r.versions?.ovn && `OVN ${r.versions.ovn}`].filter(Boolean).join(', ');
  out.push(`- Versions: ${versions || 'unknown (imported output)'}; tracemap model v${r.modelVersion}`);
  if (r.host) out.push(`- Host: ${r.host}`);
  out.push(`- Trace type: ${r.type}; recorded ${r.createdAt}`);
  if (r.packet?.description) out.push(`- Packet: \`${r.packet.description}\``);
  out.push('');
  if (r.runs.length) {
    out.push('**Commands**', '', '```sh');
    for (const run of r.runs) out.push(shellQuote(run.argv));
    out.push('```', '');
  }
  out.push('**Verdict**', '', `${v.dropped ? '✖' : '✔'} ${v.headline}${v.reason ? `: ${v.reason}` : ''}`);
  for (const n of v.notes) out.push(`- ${n}`);
  if (v.disagreement) out.push(`- ≠ ovn-trace and ofproto/trace disagree: ${v.disagreement}`);
  out.push('');
  if (graph && graph.path.length) {
    const byId = new Map(graph.nodes.map((n) => [n.id, n]));
    const walk = graph.path.map((id) => byId.get(id)).filter((n) => n !== undefined);
    // Long walks: keep the stage-bearing steps and the drop, which is what a reader needs.
    const rows = walk.length > MAX_ROWS ? walk.filter((n) => n.stage || n.drop || n.kind !== 'table') : walk;
    const shown = rows.slice(0, MAX_ROWS);
    out.push(`**Path** (${walk.length} steps${shown.length < walk.length ? `, ${shown.length} shown` : ''})`, '');
    out.push('| # | table | stage | datapath | pipeline | flow |', '|---|---|---|---|---|---|');
    shown.forEach((n) => {
      const idx = walk.indexOf(n) + 1;
      const flow = [n.priority !== undefined ? `prio ${n.priority}` : '', n.cookie ? `cookie ${n.cookie}` : '', n.sublabel && n.sublabel !== n.stage ? n.sublabel : ''].filter(Boolean).join(', ');
      out.push(`| ${idx} | ${cell(n.table ?? n.kind)} | ${n.drop ? '**DROP** ' : ''}${cell(n.stage)} | ${cell(n.datapath)} | ${cell(n.pipeline)} | ${cell(flow)} |`);
    });
    out.push('');
  }
  const broken = r.conjunctions?.broken ?? [];
  if (broken.length) {
    out.push('**Broken conjunctions**', '');
    for (const b of broken) out.push(`- table ${b.table}, conj_id ${b.id}: ${b.problem} — ${b.detail}`);
    out.push('');
  }
  for (const x of raw) {
    if (!x.text) continue;
    const lines = x.text.replace(/\n$/, '').split('\n').length;
    out.push(`<details><summary>${x.tool} output (${lines} lines)</summary>`, '', '```', x.text.replace(/\n$/, ''), '```', '', '</details>', '');
  }
  return out.join('\n');
}
