import type {
  Diagnostic,
  DropPoint,
  DropReason,
  LogicalAnnotation,
  OfAction,
  OfprotoTrace,
  OutputTarget,
  ParseResult,
  TraceEvent,
  TracePass,
  TraceStep,
  Verdict,
} from '@tracemap/model';
import { callTarget, isTableCall, parseOfActions, splitTopLevel } from './of-actions';

/*
 * Parser for `ovs-appctl ofproto/trace` output, shared with ovn-detrace (which
 * is the same text with annotation lines added and, before OVN 23.09, every
 * line's indentation stripped).
 *
 * The grammar comes from OVS ofproto/ofproto-dpif-trace.c
 * (oftrace_node_print_details) and ofproto/ofproto-dpif-xlate.c. Each trace node
 * is printed at (level + more) * 4 spaces and its children at level + 2*more,
 * where `more` is 1 unless the node is the LAST of its list and not terminal.
 * So a table reached by a resubmit that is the last action of its flow is
 * printed at its parent's own column (tail-call flattening):
 *
 *      8. metadata=0x2, priority 50, cookie 0xa32ff420
 *         set_field:0/0x1000->reg10
 *         resubmit(,73)
 *         73. No match.                    <- not last: +4, actions at +12
 *                 drop
 *         move:NXM_NX_REG10[12]->NXM_NX_XXREG0[111]
 *         resubmit(,9)
 *      9. metadata=0x2, priority 0, ...    <- last: same column as 8.
 *
 * Depth here is the call depth (OVS's own xlate recursion depth): every table
 * reached by resubmit/goto_table is one deeper than the table that called it,
 * whether or not it was printed flattened. The parser rebuilds the call tree
 * from that printing rule with a stack of frames, one pass over the lines.
 *
 * OVS <= 2.6 printed a different text ("Rule: table=0 cookie=0 priority=0" /
 * "OpenFlow actions=..." blocks, one tab per resubmit level); that is read too,
 * depth = number of leading tabs.
 */

type FrameKind = 'root' | 'bridge' | 'table' | 'bucket';

interface Frame {
  kind: FrameKind;
  /** step owning lines printed inside this frame (bucket: the table that ran the group) */
  step: TraceStep | null;
  /** column unit (spaces / 4) of this frame's action lines, once seen */
  A: number | null;
  /** column unit of the frame's own header line */
  hdr: number;
  /** depth given to tables called from this frame */
  childDepth: number;
  table: number | null;
  /** bridge frame whose first table has not been seen yet */
  awaiting: boolean;
  /** stripped mode: the flow had no actions ("drop" first), nothing more can follow inside */
  closed: boolean;
  /** stripped mode: target table of the last action line when it was a resubmit/goto_table */
  lastCall: number | null;
  /** number of action lines seen in this frame */
  nActions: number;
}

/** Texts the tools print instead of a trace (unixctl errors, argument errors). */
const ERROR_RE =
  /unknown bridge|no such bridge|trailing garbage|server returned an error|protocol error|^ovs-appctl:|^ovs-vswitchd:|unknown option|missing argument|too many arguments|invalid|syntax error|prerequisite|connection refused|no such file|cannot |failed|unknown field|not a valid|requires? /i;

const TABLE_RE = /^(\d{1,3})\. (.*)$/;
const PRIORITY_RE = /^priority (-?\d+)(?:, cookie (0x[0-9a-fA-F]+))?/;
const CONJ_ID_RE = /(?:^|,)conj_id=(\d+)/;
const OLD_RULE_RE = /^Rule: table=(\d+) cookie=(\S+)\s?(.*)$/;
const OLD_PRIORITY_RE = /(?:^|,)priority=(\d+)/;

export interface ParseTraceOptions {
  kind: 'ofproto-trace' | 'ovn-detrace';
}

/** Splits text into lines; a final newline does not make an extra empty line. */
export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.endsWith('\r')) lines[i] = l.slice(0, -1);
  }
  return lines;
}

/**
 * Parses ofproto/trace (or ovn-detrace) text. Never throws: an unexpected
 * internal failure becomes a diagnostic and the partial result is returned.
 */
export function parseTraceText(text: string, options: ParseTraceOptions): ParseResult<OfprotoTrace> {
  const p = new TraceParser(typeof text === 'string' ? text : '', options.kind);
  try {
    p.run();
  } catch (e) {
    p.diagnostics.push({ line: p.lineNo, message: `internal parser error: ${String(e)}`, severity: 'error' });
  }
  return p.result();
}

export function parseOfprotoTrace(text: string): ParseResult<OfprotoTrace> {
  return parseTraceText(text, { kind: 'ofproto-trace' });
}

class TraceParser {
  readonly lines: string[];
  readonly trace: OfprotoTrace;
  readonly diagnostics: Diagnostic[] = [];
  lineNo = 0;
  private pass: TracePass | null = null;
  private frames: Frame[] = [];
  private lastStep: TraceStep | null = null;
  /** ovn-detrace before OVN 23.09: `print(line.strip())`, no indentation at all. */
  private stripped: boolean;
  private inBanner = false;
  /** the banner of the next pass, seen before its "recirc(...)" line */
  private pendingEvents: TraceEvent[] = [];
  private passHasFlow = false;
  private expectDashes = false;
  private inSlowPath = false;
  private bridge: string | undefined;
  /** a "Logical datapaths:" list is being read for lastStep */
  private inDatapathList = false;

  constructor(text: string, kind: OfprotoTrace['kind']) {
    this.lines = splitLines(text);
    this.trace = {
      kind,
      passes: [],
      verdict: { dropped: false, drop: null, outputs: [] },
      diagnostics: this.diagnostics,
      lineCount: this.lines.length,
    };
    this.stripped = !this.lines.some(isIndentedTraceLine);
  }

  result(): ParseResult<OfprotoTrace> {
    resolveDatapathGroups(this.trace);
    let verdict: Verdict;
    try {
      verdict = computeTraceVerdict(this.trace);
    } catch (e) {
      verdict = { dropped: false, drop: null, outputs: [] };
      this.diagnostics.push({ line: this.lineNo, message: `verdict failed: ${String(e)}`, severity: 'error' });
    }
    this.trace.verdict = verdict;
    const d = verdict.drop;
    if (d && d.step !== undefined) {
      const step = this.trace.passes[d.pass]?.steps[d.step];
      if (step) step.dropped = true;
    }
    return { value: this.trace, diagnostics: this.diagnostics };
  }

  run(): void {
    const lines = this.lines;
    for (let i = 0; i < lines.length; i++) {
      this.lineNo = i + 1;
      try {
        this.handle(lines[i]!, i + 1);
      } catch (e) {
        // A bug in one rule must not lose the rest of the trace.
        this.diagnostics.push({ line: i + 1, message: `internal parser error: ${String(e)}`, severity: 'error' });
      }
    }
    // A banner that never reached its "recirc(...)" line (truncated paste).
    if (this.pendingEvents.length > 0) {
      if (this.pass) this.flushPending();
      else (this.trace.events ??= []).push(...this.pendingEvents);
      this.pendingEvents = [];
    }
    if (this.pass && this.pass.datapathActionsLine === undefined && this.trace.error === undefined) {
      this.diagnostics.push({
        line: this.lines.length,
        message: `pass ${this.pass.index} has no "Datapath actions:" line (truncated trace?); verdict unknown`,
        severity: 'warning',
      });
    }
  }

  private handle(raw: string, n: number): void {
    // Leading whitespace: spaces give the 4-column unit; tabs are OVS <= 2.6 depth.
    let sp = 0;
    let tabs = 0;
    while (sp + tabs < raw.length) {
      const c = raw.charCodeAt(sp + tabs);
      if (c === 32) sp++;
      else if (c === 9) tabs++;
      else break;
    }
    const body = raw.slice(sp + tabs).trimEnd();
    if (body === '') {
      this.inDatapathList = false;
      return; // blank lines carry nothing; they are accounted for by being blank
    }
    const unit = sp >> 2;

    // "===...===" (79 of them) opens and closes a recirculation banner.
    if (body.length >= 10 && /^=+$/.test(body)) {
      this.inDatapathList = false;
      if (!this.inBanner) {
        this.inBanner = true;
        this.pendingEvents.push({ kind: 'banner-rule', text: body, line: n });
      } else {
        this.inBanner = false;
        this.flushPending();
        this.passEvent('banner-rule', body, n);
      }
      return;
    }
    if (this.inBanner) {
      this.bannerLine(body, n);
      return;
    }

    if (body.startsWith('* ') || body === '*') {
      this.annotation(body, n);
      return;
    }
    this.inDatapathList = false;

    if (body.startsWith('Flow: ')) {
      this.flowLine(body.slice(6), n);
      return;
    }
    if (body.startsWith('Bridge: ')) {
      // OVS <= 2.6: "Bridge: br0" before "Flow:".
      this.ensurePass(n);
      this.bridge = body.slice(8);
      this.passEvent('bridge', body, n);
      return;
    }
    if (body.startsWith('bridge("') && body.endsWith('")')) {
      this.ensurePass(n);
      this.bridge = body.slice(8, -2);
      this.passEvent('bridge', body, n);
      this.expectDashes = true;
      this.openBridge(unit);
      return;
    }
    if (this.expectDashes && /^-+$/.test(body)) {
      this.expectDashes = false;
      this.passEvent('bridge-rule', body, n);
      return;
    }
    this.expectDashes = false;

    if (this.summaryLine(body, n)) return;

    const tm = TABLE_RE.exec(body);
    if (tm) {
      this.inSlowPath = false;
      this.tableHeader(Number(tm[1]), tm[2]!, unit, n);
      return;
    }
    if (tabs > 0 || body.startsWith('Rule: ') || body.startsWith('OpenFlow actions=') || body === 'No match') {
      if (this.oldFormatLine(body, tabs, n)) return;
    }
    if (body === 'thaw' || body.startsWith('Resuming from table ')) {
      // "    thaw" / "        Resuming from table 45" open a resumed pass.
      this.ensurePass(n);
      const m = /^Resuming from table (\d+)/.exec(body);
      if (m && this.pass) this.pass.resumeTable = Number(m[1]);
      this.passEvent('thaw', body, n);
      return;
    }
    if (!this.pass) {
      if (ERROR_RE.test(body)) {
        // "br-nope: unknown bridge", "Trailing garbage in packet data",
        // "ovs-appctl: /run/openvswitch/ovs-vswitchd.ctl: server returned an error"
        this.trace.error = this.trace.error === undefined ? body : `${this.trace.error}\n${body}`;
        this.topEvent('error', body, n);
        return;
      }
    }
    if (body.startsWith('-> ') || body.startsWith('>> ') || body.startsWith('>>>> ') || body === '->') {
      this.noteLine(body, unit, n);
      return;
    }
    if (/^bucket \d+/.test(body)) {
      this.bucketLine(body, unit, n);
      return;
    }
    this.actionLine(body, unit, n);
  }

  // ---- passes ----------------------------------------------------------

  private ensurePass(n: number): TracePass {
    if (this.pass) return this.pass;
    return this.newPass(n);
  }

  private newPass(n: number): TracePass {
    const pass: TracePass = {
      index: this.trace.passes.length,
      flow: '',
      steps: [],
      datapathActions: '',
      line: n,
      events: [],
    };
    this.trace.passes.push(pass);
    this.pass = pass;
    this.passHasFlow = false;
    this.frames = [rootFrame()];
    this.lastStep = null;
    this.bridge = undefined;
    this.flushPending();
    return pass;
  }

  private flushPending(): void {
    if (this.pendingEvents.length === 0 || !this.pass) return;
    this.pass.events!.push(...this.pendingEvents);
    this.pendingEvents = [];
  }

  private passEvent(kind: string, text: string, n: number): void {
    const pass = this.ensurePass(n);
    pass.events!.push({ kind, text, line: n });
  }

  private topEvent(kind: string, text: string, n: number): void {
    (this.trace.events ??= []).push({ kind, text, line: n });
  }

  private bannerLine(body: string, n: number): void {
    // recirc(0x1) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)
    const m = /^recirc\((0x[0-9a-fA-F]+|\d+)\)/.exec(body);
    if (m) {
      const pass = this.newPass(n);
      pass.recircId = m[1]!;
      pass.banner = body;
      pass.events!.push({ kind: 'banner', text: body, line: n });
      return;
    }
    // "Replacing src/dst IP/ports to simulate NAT:", " Initial flow: ...", " Modified flow: ...",
    // "Trace reached the recirculation limit.  Sopping the trace here."
    if (this.pass && !this.pass.banner && this.pendingEvents.length === 0) {
      this.passEvent('banner', body, n);
    } else if (this.pass && this.pendingEvents.length === 0) {
      this.passEvent('banner', body, n);
      if (body.startsWith('Replacing') || body.startsWith('Initial flow') || body.startsWith('Modified flow')) {
        this.pass.banner = `${this.pass.banner}\n${body}`;
      }
    } else {
      this.pendingEvents.push({ kind: 'banner', text: body, line: n });
    }
  }

  private flowLine(flow: string, n: number): void {
    const cur = this.pass;
    if (!cur || this.passHasFlow || cur.steps.length > 0 || cur.datapathActionsLine !== undefined) {
      // First pass, or a second "Flow:" without a banner (several traces pasted
      // one after the other). A pass opened by a recirc banner takes its Flow here.
      this.newPass(n);
    }
    const pass = this.pass!;
    pass.flow = flow;
    this.passHasFlow = true;
    pass.events!.push({ kind: 'flow', text: flow, line: n });
  }

  private summaryLine(body: string, n: number): boolean {
    if (body.startsWith('Final flow: ')) {
      this.ensurePass(n).finalFlow = body.slice(12);
      this.passEvent('final-flow', body, n);
      this.inSlowPath = false;
      return true;
    }
    if (body.startsWith('Megaflow: ')) {
      this.ensurePass(n).megaflow = body.slice(10);
      this.passEvent('megaflow', body, n);
      return true;
    }
    if (body.startsWith('Datapath actions:')) {
      const pass = this.ensurePass(n);
      pass.datapathActions = body.slice(17).trim();
      pass.datapathActionsLine = n;
      this.passEvent('datapath-actions', body, n);
      return true;
    }
    const tf = /^Translation failed \((.*)\), packet is dropped\.?$/.exec(body);
    if (tf) {
      this.ensurePass(n).error = tf[1]!;
      this.passEvent('translation-failed', body, n);
      return true;
    }
    if (body.startsWith('This flow is handled by the userspace slow path')) {
      this.inSlowPath = true;
      this.passEvent('slow-path', body, n);
      return true;
    }
    if (this.inSlowPath && body.startsWith('- ')) {
      this.passEvent('slow-path', body, n);
      return true;
    }
    if (body.startsWith('Action execution failed') || body === '.') {
      // "\nAction execution failed (%s)\n." -- OVS prints the period on its own line.
      this.passEvent('execution-failed', body, n);
      return true;
    }
    if (body.startsWith('Trace reached the recirculation limit') || body.startsWith('Queued but not processed')) {
      this.passEvent('recirc-limit', body, n);
      return true;
    }
    return false;
  }

  // ---- steps -----------------------------------------------------------

  private newStep(kind: TraceStep['kind'], n: number, depth: number): TraceStep {
    const step: TraceStep = {
      kind,
      table: null,
      priority: null,
      cookie: null,
      match: '',
      depth,
      actions: [],
      notes: [],
      noteLines: [],
      line: n,
      endLine: n,
    };
    if (this.bridge !== undefined) step.bridge = this.bridge;
    return step;
  }

  private pushStep(step: TraceStep): void {
    const pass = this.ensurePass(step.line);
    pass.steps.push(step);
    if (step.kind !== 'raw') this.lastStep = step;
  }

  private tableHeader(table: number, rest: string, unit: number, n: number): void {
    this.ensurePass(n);
    const { parent, replace } = this.stripped ? this.headerParentStripped(table) : this.headerParentIndented(unit);
    const depth = parent.childDepth;
    const step = this.newStep('table', n, depth);
    step.table = table;
    fillHeader(step, rest);
    if (replace) this.frames.pop();
    this.frames.push({
      kind: 'table',
      step,
      A: null,
      hdr: unit,
      childDepth: depth + 1,
      table,
      awaiting: false,
      closed: false,
      lastCall: null,
      nActions: 0,
    });
    this.pushStep(step);
  }

  private openBridge(unit: number): void {
    // A bridge node (first one, or a patch port into another bridge) holds the
    // tables that follow; the first of them takes its place on the stack.
    let childDepth = 0;
    if (!this.stripped) {
      const { parent } = this.headerParentIndented(unit);
      childDepth = parent.kind === 'root' ? 0 : parent.childDepth;
    } else {
      this.popClosed();
      const top = this.top();
      childDepth = top.kind === 'root' ? 0 : top.childDepth;
    }
    this.frames.push({
      kind: 'bridge', step: null, A: null, hdr: unit, childDepth, table: null,
      awaiting: true, closed: false, lastCall: null, nActions: 0,
    });
  }

  private top(): Frame {
    return this.frames[this.frames.length - 1]!;
  }

  /** Action column of a frame; before its first action line, assume it was printed last (hdr + 1). */
  private static estA(f: Frame): number {
    if (f.A !== null) return f.A;
    return f.kind === 'root' ? 1 : f.hdr + 1;
  }

  private headerParentIndented(unit: number): { parent: Frame; replace: boolean } {
    // Close frames whose action column is right of where this node's parent list lives.
    while (this.frames.length > 1) {
      const t = this.top();
      if (t.awaiting) break;
      if (TraceParser.estA(t) > unit + 1) this.frames.pop();
      else break;
    }
    const t = this.top();
    if (t.awaiting) return { parent: t, replace: true };
    // A node one column left of the frame's actions is its last sub-node: a tail call.
    if (TraceParser.estA(t) === unit + 1 && (t.kind === 'table' || t.kind === 'bucket')) {
      return { parent: t, replace: true };
    }
    return { parent: t, replace: false };
  }

  private popClosed(): void {
    while (this.frames.length > 1 && this.top().closed) this.frames.pop();
  }

  private headerParentStripped(table: number): { parent: Frame; replace: boolean } {
    // Without indentation (ovn-detrace <= 23.06) a table is a child of the frame
    // whose last line called it. Frames whose flow had no actions ("drop" right
    // under the header, as after "73. No match.") have returned already.
    this.popClosed();
    const t = this.top();
    if (t.awaiting) return { parent: t, replace: true };
    const below = this.frames[this.frames.length - 2];
    if (
      t.kind === 'table' && below && below.kind === 'table' && t.lastCall === table &&
      t.table !== null && below.table !== null && below.table < table && table < t.table
    ) {
      // "8. ... resubmit(,73)" / "73. ... set_field:..." / "move:..." / "resubmit(,9)" / "9. ...":
      // table 73 cannot have called table 9 going backwards while 8 sits below it
      // waiting, so 73 returned and the resubmit(,9) line was 8's.
      // The lines between cannot be split without indentation; only the call moves.
      const moved = t.step?.actions.pop();
      if (moved && below.step) below.step.actions.push(moved);
      this.frames.pop();
      return { parent: below, replace: false };
    }
    return { parent: t, replace: false };
  }

  /** Finds the step that owns a terminal line (action or note) printed at `unit`. */
  private ownerFor(unit: number): Frame | null {
    if (this.frames.length === 0) return null; // no pass yet: a line pasted before "Flow:"
    if (this.stripped) {
      this.popClosed();
    } else {
      const t = this.top();
      if (t.A === null && t.kind === 'table' && (unit === t.hdr + 1 || unit === t.hdr + 2)) t.A = unit;
      while (this.frames.length > 1) {
        const f = this.top();
        if (f.awaiting) break;
        if (TraceParser.estA(f) > unit) this.frames.pop();
        else break;
      }
    }
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const f = this.frames[i]!;
      if (f.step) return f;
    }
    return null;
  }

  private actionLine(body: string, unit: number, n: number): void {
    this.inSlowPath = false;
    const owner = this.ownerFor(unit);
    if (!owner || !owner.step) {
      this.rawLine(body, n, 'line outside any table step');
      return;
    }
    const step = owner.step;
    const actions = parseOfActions(body);
    if (actions.length === 0 || actions.some((a) => a.kind === 'unknown')) {
      // Free text under a step that is not an action spelling; keep it as a note.
      step.notes.push(body);
      step.noteLines!.push(n);
      step.endLine = Math.max(step.endLine, n);
      this.diagnostics.push({ line: n, message: `unrecognised line in table ${step.table ?? '?'}: ${clip(body)}` });
      return;
    }
    for (const a of actions) {
      a.line = n;
      step.actions.push(a);
    }
    step.endLine = Math.max(step.endLine, n);
    const frame = owner;
    frame.nActions++;
    const last = actions[actions.length - 1]!;
    frame.lastCall = isTableCall(last) ? callTarget(last) ?? frame.table : null;
    // "drop" as the first line under a header means the flow has no actions
    // (do_xlate_actions prints it for an empty list); "drop" after ct(...) is
    // ct's empty exec() list and does not end anything.
    if (this.stripped && frame.nActions === 1 && last.kind === 'drop' && frame.kind === 'table') frame.closed = true;
  }

  private noteLine(body: string, unit: number, n: number): void {
    const owner = this.ownerFor(unit);
    if (!owner || !owner.step) {
      this.rawLine(body, n, 'note outside any table step');
      return;
    }
    const step = owner.step;
    // " -> conj. ..." (OVS >= 3.3) lists the clause flows of a conjunctive match.
    step.notes.push(body);
    step.noteLines!.push(n);
    step.endLine = Math.max(step.endLine, n);
  }

  private bucketLine(body: string, unit: number, n: number): void {
    const owner = this.ownerFor(unit);
    if (!owner || !owner.step) {
      this.rawLine(body, n, 'group bucket outside any table step');
      return;
    }
    owner.step.actions.push({ kind: 'bucket', text: body, args: { id: body.slice(7).trim() }, line: n });
    owner.step.endLine = Math.max(owner.step.endLine, n);
    if (!this.stripped) {
      // bucket nodes are terminal-type: their sub-nodes print two columns right.
      this.frames.push({
        kind: 'bucket', step: owner.step, A: unit + 2, hdr: unit, childDepth: owner.childDepth, table: owner.table,
        awaiting: false, closed: false, lastCall: null, nActions: 0,
      });
    }
  }

  private rawLine(body: string, n: number, why: string): void {
    this.ensurePass(n);
    const depth = this.frames.length > 0 ? Math.max(0, this.top().childDepth - 1) : 0;
    const step = this.newStep('raw', n, depth);
    step.match = body;
    this.pushStep(step);
    this.diagnostics.push({ line: n, message: `${why}: ${clip(body)}` });
  }

  // ---- OVS <= 2.6 ------------------------------------------------------

  private oldFormatLine(body: string, tabs: number, n: number): boolean {
    // Rule: table=0 cookie=0 priority=0
    // OpenFlow actions=resubmit(,1)
    // \tResubmitted flow: ...   (one tab per resubmit level)
    const rm = OLD_RULE_RE.exec(body);
    if (rm) {
      const step = this.newStep('table', n, tabs);
      step.table = Number(rm[1]);
      step.cookie = rm[2]!;
      const rest = rm[3] ?? '';
      const pm = OLD_PRIORITY_RE.exec(rest);
      step.priority = pm ? Number(pm[1]) : null;
      step.match = rest;
      const cm = CONJ_ID_RE.exec(rest);
      if (cm) step.conjId = Number(cm[1]);
      this.ensurePass(n);
      this.pushStep(step);
      this.frames = [rootFrame(), { ...rootFrame(), kind: 'table', step, table: step.table, childDepth: tabs + 1 }];
      return true;
    }
    if (body.startsWith('OpenFlow actions=')) {
      const step = this.lastStep;
      if (!step) return false;
      for (const a of parseOfActions(body.slice('OpenFlow actions='.length))) {
        a.line = n;
        step.actions.push(a);
      }
      step.endLine = Math.max(step.endLine, n);
      return true;
    }
    if (body === 'No match' || body.startsWith('No match, ') || body.startsWith('Packets dropped because')) {
      const step = this.newStep('no-match', n, tabs);
      step.match = body;
      this.ensurePass(n);
      this.pushStep(step);
      return true;
    }
    if (/^Resubmitted (flow|regs|\s?odp|megaflow):/.test(body)) {
      this.passEvent('resubmitted', body, n);
      return true;
    }
    return false;
  }

  // ---- ovn-detrace annotations ---------------------------------------

  private annotation(body: string, n: number): void {
    const step = this.lastStep;
    if (!step) {
      this.rawLine(body, n, 'ovn-detrace annotation before any table step');
      return;
    }
    const lg: LogicalAnnotation = (step.logical ??= {});
    const notes = (lg.notes ??= []);
    const text = body.slice(1).trim();
    // "*     "sw1" (1ccabee6-...) [ingress]" under "* Logical datapaths:"
    if (this.inDatapathList && body.startsWith('*  ')) {
      const dp = parseDatapathRef(text);
      (lg.datapaths ??= []).push(dp.name);
      (lg.datapathLines ??= []).push(n);
      if (lg.datapath === undefined) lg.datapath = dp.name;
      if (dp.pipeline) lg.pipeline = dp.pipeline;
      // No note per datapath (its text is the raw output's line): a group's list can run to
      // thousands of lines per step, and a 2,000-step trace's record was 2/3 these notes.
      return;
    }
    this.inDatapathList = false;
    const colon = text.indexOf(':');
    const key = colon > 0 ? text.slice(0, colon) : text;
    const value = colon > 0 ? text.slice(colon + 1).trim() : '';
    const kind = slug(key);
    notes.push({ kind, text, line: n });
    if (key === 'Logical datapaths') {
      this.inDatapathList = true;
    } else if (key === 'Logical datapath') {
      // Port_Binding hint: * Logical datapath: "sw0" (7b0bc8ca-...)   (old: ... [ingress])
      const dp = parseDatapathRef(value);
      if (lg.datapath === undefined) lg.datapath = dp.name;
      if (dp.pipeline && !lg.pipeline) lg.pipeline = dp.pipeline;
    } else if (key === 'Logical flow') {
      parseLogicalFlow(value, lg);
    }
  }
}

/**
 * A logical flow shared by a datapath group is annotated with every datapath of
 * the group ("* Logical datapaths:" + one line each). The Port Binding hints
 * ("* Logical datapath: "sw0" (...)" under "0. in_port=1" whose actions do
 * set_field:0x1->metadata) tell which metadata value is which datapath, and the
 * step's own `metadata=0x1` match then picks the right one.
 */
function resolveDatapathGroups(trace: OfprotoTrace): void {
  const byMetadata = new Map<string, string>();
  for (const pass of trace.passes) {
    for (const step of pass.steps) {
      const lg = step.logical;
      if (!lg || lg.datapath === undefined || lg.datapaths !== undefined) continue;
      const md = metadataOf(step);
      if (md !== null && !byMetadata.has(md)) byMetadata.set(md, lg.datapath);
    }
  }
  if (byMetadata.size === 0) return;
  for (const pass of trace.passes) {
    for (const step of pass.steps) {
      const lg = step.logical;
      if (!lg?.datapaths || lg.datapaths.length < 2) continue;
      const md = metadataOf(step);
      const name = md === null ? undefined : byMetadata.get(md);
      if (name !== undefined && lg.datapaths.includes(name)) lg.datapath = name;
    }
  }
}

function metadataOf(step: TraceStep): string | null {
  const m = /(?:^|,)metadata=(0x[0-9a-fA-F]+|\d+)(?:,|$)/.exec(step.match);
  if (m) return normHex(m[1]!);
  for (const a of step.actions) {
    if (a.kind === 'set_field' && a.args?.field === 'metadata' && a.args.value) return normHex(a.args.value);
  }
  return null;
}

function normHex(v: string): string {
  const n = v.startsWith('0x') ? Number.parseInt(v.slice(2), 16) : Number(v);
  return Number.isFinite(n) ? `0x${n.toString(16)}` : v;
}

function rootFrame(): Frame {
  return {
    kind: 'root', step: null, A: 1, hdr: 0, childDepth: 0, table: null,
    awaiting: false, closed: false, lastCall: null, nActions: 0,
  };
}

/** Is this a line whose leading spaces come from OVS (so indentation can be trusted)? */
function isIndentedTraceLine(line: string): boolean {
  if (!line.startsWith('    ')) return false;
  const body = line.trimStart();
  // ovn-detrace's own annotation lines are indented even when the trace is not.
  return body !== '' && !body.startsWith('*');
}

/** Fills table/priority/cookie/match from the text after "N. ". */
function fillHeader(step: TraceStep, rest: string): void {
  if (rest.startsWith('No match') || rest.startsWith('Packets are IP fragments')) {
    // " 2. No match." / "73. No match, and a "packet-in" is called for."
    step.kind = 'no-match';
    step.match = '';
    step.notes.push(rest);
    step.noteLines!.push(step.line);
    return;
  }
  // "ip,reg14=0x1,metadata=0x1, priority 90, cookie 0x9d0afd9e" / "priority 0" (empty match)
  const idx = rest.lastIndexOf(', priority ');
  let pr: string;
  if (idx >= 0) {
    step.match = rest.slice(0, idx);
    pr = rest.slice(idx + 2);
  } else if (rest.startsWith('priority ')) {
    step.match = '';
    pr = rest;
  } else {
    step.match = rest;
    pr = '';
  }
  const m = PRIORITY_RE.exec(pr);
  if (m) {
    step.priority = Number(m[1]);
    step.cookie = m[2] ? m[2].toLowerCase() : null;
  } else if (pr !== '') {
    step.match = rest;
  }
  const cm = CONJ_ID_RE.exec(step.match);
  if (cm) step.conjId = Number(cm[1]);
}

function parseDatapathRef(text: string): { name: string; uuid?: string; pipeline?: 'ingress' | 'egress' } {
  // "sw1" (1ccabee6-8e89-41cf-a326-0880015c55e7) [ingress]
  const m = /^"([^"]*)"\s*(?:\(([0-9a-fA-F-]+)\))?\s*(?:\[(ingress|egress)\])?/.exec(text);
  if (!m) return { name: text };
  const out: { name: string; uuid?: string; pipeline?: 'ingress' | 'egress' } = { name: m[1]! };
  if (m[2]) out.uuid = m[2];
  if (m[3]) out.pipeline = m[3] as 'ingress' | 'egress';
  return out;
}

function parseLogicalFlow(value: string, lg: LogicalAnnotation): void {
  // table=21 (ls_in_dhcp_response), priority=0, match=(1), actions=(next;)
  const tm = /^table=(\d+)(?: \(([^)]*)\))?/.exec(value);
  if (tm) {
    lg.table = Number(tm[1]);
    if (tm[2] !== undefined) lg.stage = tm[2];
  }
  const pm = /, priority=(\d+)/.exec(value);
  if (pm) lg.priority = Number(pm[1]);
  const mi = value.indexOf('match=(');
  const ai = value.lastIndexOf('), actions=(');
  if (mi >= 0 && ai > mi) {
    lg.match = value.slice(mi + 7, ai);
    lg.actions = value.slice(ai + 12).replace(/\)$/, '');
  } else if (mi >= 0) {
    lg.match = value.slice(mi + 7).replace(/\)$/, '');
  }
  if (lg.stage?.includes('_out_')) lg.pipeline = 'egress';
  else if (lg.stage?.includes('_in_')) lg.pipeline = 'ingress';
}

function slug(s: string): string {
  return s.trim().toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'note';
}

function clip(s: string): string {
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

// ---- verdict ---------------------------------------------------------------

/** Datapath action words that take no argument and are not outputs. */
const DP_NON_OUTPUT_WORDS = new Set(['drop', 'pop_vlan', 'ct_clear', 'pop_eth', 'pop_nsh', 'pop_mpls', 'decap', 'lb_output']);

/**
 * Classifies a "Datapath actions:" value into output targets.
 * `3` or `p2` (with --names) -> port; `tnl_push(...)` or `set(tunnel(...)),N` -> tunnel;
 * `userspace(...controller(...))` -> controller; `recirc(0x1)` -> recirc;
 * outputs inside `clone(...)`, `sample(...)`, `check_pkt_len(...)` are found too.
 */
export function classifyDatapathActions(text: string): OutputTarget[] {
  const out: OutputTarget[] = [];
  walkDpActions(text.trim(), out, false, 0);
  return out;
}

function walkDpActions(text: string, out: OutputTarget[], tunnelSet: boolean, level: number): boolean {
  if (level > 16) return tunnelSet;
  for (const raw of splitTopLevel(text)) {
    const a = raw.trim();
    if (a === '') continue;
    const paren = a.indexOf('(');
    const kw = paren < 0 ? a : a.slice(0, paren);
    const inner = paren < 0 ? '' : a.slice(paren + 1, a.endsWith(')') ? -1 : undefined);
    if (paren < 0) {
      if (DP_NON_OUTPUT_WORDS.has(a)) continue;
      if (/^[\w.:-]+$/.test(a)) out.push({ kind: tunnelSet ? 'tunnel' : 'port', text: a });
      continue;
    }
    switch (kw) {
      case 'tnl_push':
        out.push({ kind: 'tunnel', text: a });
        break;
      case 'userspace':
        out.push({ kind: inner.includes('controller(') ? 'controller' : 'other', text: a });
        break;
      case 'recirc':
        out.push({ kind: 'recirc', text: a });
        break;
      case 'set':
        if (inner.startsWith('tunnel(')) tunnelSet = true;
        break;
      case 'clone':
      case 'sample':
      case 'actions':
        walkDpActions(inner.replace(/^sample=[^,]*,/, '').replace(/^actions\(/, '').replace(/\)$/, ''), out, tunnelSet, level + 1);
        break;
      case 'check_pkt_len': {
        // check_pkt_len(size=200,gt(4),le(5))
        for (const part of splitTopLevel(inner)) {
          const p = part.trim();
          if (p.startsWith('gt(') || p.startsWith('le(')) walkDpActions(p.slice(3, -1), out, tunnelSet, level + 1);
        }
        break;
      }
      default:
        break; // ct(...), set(...), push_vlan(...), meter(...), trunc(...): no delivery by themselves
    }
  }
  return tunnelSet;
}

function onlyDropAction(actions: OfAction[]): boolean {
  return actions.length === 1 && actions[0]!.kind === 'drop';
}

/**
 * The verdict of a trace: comes from the LAST pass's "Datapath actions" (earlier
 * passes end in recirc(...) while the packet continues in the next one), and
 * the drop point from the last step printed in that pass. A "drop" line after
 * "No match." or after ct(table=N,...) in an earlier pass is not the verdict.
 */
export function computeTraceVerdict(trace: OfprotoTrace): Verdict {
  if (trace.error !== undefined) {
    return {
      dropped: true,
      drop: { pass: 0, table: null, reason: 'error', detail: trace.error },
      outputs: [],
      error: trace.error,
    };
  }
  const last = trace.passes[trace.passes.length - 1];
  if (!last) return { dropped: false, drop: null, outputs: [] };
  if (last.datapathActionsLine === undefined && last.error === undefined) {
    // Truncated: nothing says what happened to the packet.
    return { dropped: false, drop: null, outputs: [] };
  }
  const outputs = classifyDatapathActions(last.datapathActions);
  const delivered = outputs.length > 0 && last.error === undefined;
  if (delivered) return { dropped: false, drop: null, outputs };

  let stepIndex = -1;
  for (let i = last.steps.length - 1; i >= 0; i--) {
    if (last.steps[i]!.kind !== 'raw') {
      stepIndex = i;
      break;
    }
  }
  const step = stepIndex >= 0 ? last.steps[stepIndex] : undefined;
  let reason: DropReason;
  let detail: string | undefined;
  if (last.error !== undefined) {
    reason = 'error';
    detail = last.error;
  } else if (!step) {
    reason = 'unknown';
  } else {
    const stage = step.logical?.stage ?? '';
    if (stage.includes('acl')) reason = 'acl';
    else if (stage.includes('port_sec')) reason = 'port-security';
    else if (step.kind === 'no-match') reason = 'no-match';
    else if (onlyDropAction(step.actions)) reason = 'explicit-drop';
    else reason = 'no-output';
    const err = step.notes.find((t) => t.startsWith('>>>> ') || t.startsWith('>> '));
    if (err) detail = err;
  }
  const drop: DropPoint = { pass: last.index, table: step?.table ?? null, reason };
  if (step) {
    drop.step = stepIndex;
    drop.line = step.line;
    if (step.logical?.stage !== undefined) drop.stage = step.logical.stage;
    if (step.logical?.datapath !== undefined) drop.datapath = step.logical.datapath;
  }
  if (detail !== undefined) drop.detail = detail;
  const verdict: Verdict = { dropped: true, drop, outputs };
  if (last.error !== undefined) verdict.error = last.error;
  return verdict;
}
