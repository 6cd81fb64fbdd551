// Shared by the ofproto-trace / ovn-detrace golden tests and the fuzz test:
// the projection written to *.expected.json, and the line-coverage check.
import type { OfprotoTrace } from '@tracemap/model';

/**
 * What "every input line is accounted for" means, precisely: each non-blank
 * input line number appears in exactly one place of the model —
 *   a step header (step.line), an action (action.line), a step note (step.noteLines),
 *   an ovn-detrace annotation (step.logical.notes[].line, step.logical.datapathLines),
 *   a pass event (pass.events[].line: Flow, bridge, banner, thaw, summary lines),
 *   or a top-level event (trace.events[].line: error texts).
 * Several actions decoded from one line (OVS <= 2.6 "OpenFlow actions=a,b") share it.
 * Returns the lines claimed by nothing and the lines claimed by two different owners.
 */
export function lineCoverage(text: string, trace: OfprotoTrace): { missing: number[]; duplicated: number[] } {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const owner = new Map<number, string>();
  const duplicated: number[] = [];
  const claim = (line: number, who: string) => {
    const prev = owner.get(line);
    if (prev !== undefined && prev !== who) duplicated.push(line);
    owner.set(line, who);
  };
  for (const e of trace.events ?? []) claim(e.line, `event:${e.line}`);
  for (const pass of trace.passes) {
    for (const e of pass.events ?? []) claim(e.line, `event:${e.line}`);
    pass.steps.forEach((s, i) => {
      const who = `step:${pass.index}:${i}`;
      claim(s.line, who);
      for (const a of s.actions) if (a.line !== undefined) claim(a.line, who);
      for (const l of s.noteLines ?? []) claim(l, who);
      for (const n of s.logical?.notes ?? []) claim(n.line, who);
      for (const l of s.logical?.datapathLines ?? []) claim(l, who);
    });
  }
  const missing: number[] = [];
  lines.forEach((l, i) => {
    if (l.trim() !== '' && !owner.has(i + 1)) missing.push(i + 1);
  });
  return { missing, duplicated };
}

/** Compact, reviewable projection of a parsed trace (the contract fields plus a few). */
export function goldenOf(trace: OfprotoTrace, diagnostics: { line: number; message: string }[]) {
  return {
    kind: trace.kind,
    ...(trace.error !== undefined ? { error: trace.error } : {}),
    passes: trace.passes.map((p) => ({
      flow: p.flow,
      ...(p.recircId ? { recircId: p.recircId } : {}),
      ...(p.resumeTable !== undefined ? { resumeTable: p.resumeTable } : {}),
      datapathActions: p.datapathActions,
      steps: p.steps.map((s) => ({
        line: s.line,
        depth: s.depth,
        kind: s.kind,
        table: s.table,
        priority: s.priority,
        cookie: s.cookie,
        match: s.match,
        actions: s.actions.map((a) => a.text),
        ...(s.notes.length ? { notes: s.notes } : {}),
        ...(s.conjId !== undefined ? { conjId: s.conjId } : {}),
        ...(s.dropped ? { dropped: true } : {}),
        ...(s.logical
          ? {
              logical: {
                datapath: s.logical.datapath ?? null,
                pipeline: s.logical.pipeline ?? null,
                table: s.logical.table ?? null,
                stage: s.logical.stage ?? null,
                match: s.logical.match ?? null,
                actions: s.logical.actions ?? null,
              },
            }
          : {}),
      })),
    })),
    verdict: trace.verdict,
    diagnostics,
  };
}

/** Stable JSON for *.expected.json files. */
export function stringifyGolden(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
