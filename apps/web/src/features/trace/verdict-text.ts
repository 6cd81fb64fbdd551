/*
 * The verdict as operators say it: "Delivered to rt-vm2", "Dropped at table 44 — logical stage
 * ls_out_acl (datapath ac-network): ACL". Port names come from ovn-trace (the physical trace only
 * knows datapath port numbers) when the record has one.
 */
import type { DropPoint } from '@tracemap/model';
import type { TraceRecord } from '../../api/types';

export const DROP_REASON_TEXT: Record<string, string> = {
  'explicit-drop': 'explicit drop action',
  'no-match': 'no flow matched (implicit drop)',
  acl: 'ACL',
  'port-security': 'port security',
  'no-output': 'the pipeline ended without output',
  error: 'translation error',
  unknown: 'reason unknown',
};

export interface VerdictView {
  dropped: boolean;
  headline: string;
  reason?: string;
  /** Secondary facts (physical outputs, where each tool stands). */
  notes: string[];
  disagreement?: string;
}

export function verdictView(r: TraceRecord, firstDifference?: string): VerdictView {
  const of = r.ofproto?.verdict;
  const ovn = r.ovnTrace?.verdict;
  const dropped = of ? of.dropped : ovn ? ovn.dropped : r.verdict.dropped;
  const notes: string[] = [];
  const drop: Partial<DropPoint> | undefined = of?.drop ?? (r.verdict.drop as Partial<DropPoint> | undefined);
  if (dropped) {
    let headline = 'Dropped';
    let reason: string | undefined;
    if (drop && (drop.table !== undefined || drop.stage)) {
      headline = drop.table !== undefined && drop.table !== null ? `Dropped at table ${drop.table}` : 'Dropped';
      if (drop.stage) headline += ` — logical stage ${drop.stage}${drop.datapath ? ` (datapath ${drop.datapath})` : ''}`;
      reason = [drop.reason ? DROP_REASON_TEXT[drop.reason] ?? drop.reason : undefined, drop.detail].filter(Boolean).join(' — ');
      if ((drop.pass ?? 0) > 0) notes.push(`in pass ${(drop.pass ?? 0) + 1}, after recirculation`);
    } else if (!of && ovn?.drop) {
      headline = `Dropped${ovn.drop.stage ? ` in logical stage ${ovn.drop.stage}` : ''}${ovn.drop.table !== null ? ` (logical table ${ovn.drop.table})` : ''}`;
      reason = ovn.drop.reason;
    } else if (r.verdict.summary) {
      headline = r.verdict.summary;
    }
    if (of?.error) notes.push(of.error);
    return { dropped, headline, ...(reason ? { reason } : {}), notes, ...disagree(r, firstDifference) };
  }
  const names = ovn && !ovn.dropped && ovn.outputs.length ? ovn.outputs : r.comparison?.ovnTrace.outputs ?? [];
  const phys = of?.outputs.map((o) => (o.kind === 'port' ? `datapath port ${o.text}` : o.kind === 'tunnel' ? `tunnel ${o.text}` : o.text)) ?? [];
  let headline: string;
  if (names.length) {
    headline = `Delivered to ${names.join(', ')}`;
    if (phys.length) notes.push(`physically: ${phys.join(', ')}`);
  } else if (phys.length) headline = `Delivered to ${phys.join(', ')}`;
  else headline = r.verdict.summary || 'No verdict';
  return { dropped, headline, notes, ...disagree(r, firstDifference) };
}

function disagree(r: TraceRecord, firstDifference?: string): { disagreement?: string } {
  if (r.comparison && !r.comparison.agree) {
    const fd = firstDifference ?? (typeof r.comparison.firstDifference === 'string' ? r.comparison.firstDifference : undefined);
    return { disagreement: fd ?? 'ovn-trace and ofproto/trace reach different verdicts' };
  }
  if (firstDifference) return { disagreement: firstDifference };
  return {};
}
