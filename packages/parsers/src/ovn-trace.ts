import type {
  Diagnostic,
  OvnTrace,
  OvnTraceDrop,
  OvnTraceFormat,
  OvnTraceNode,
  OvnTraceSection,
  OvnTraceStep,
  OvnTraceVerdict,
  ParseResult,
} from '@tracemap/model';
import { matchShellPrompt } from './detect';

/*
 * ovn-trace prints one tree (utilities/ovn-trace.c, ovntrace_node_print_*) in three shapes:
 *
 *  detailed (default): titles underlined with dashes, tables as "N. stage (source): match, priority P, uuid U"
 *      ingress(dp="sw0", inport="vm1")
 *      -------------------------------
 *       0. ls_in_check_port_sec (northd.c:8432): 1, priority 50, uuid 0fdd57d3
 *          next;
 *    Indentation is NOT nesting: the last child of a node is printed at its parent's level, so an
 *    egress that follows `output;` sits at column 0 like its ingress. Sections are therefore linked
 *    by meaning (an egress belongs to the ingress of the same dp and inport; an ingress follows a
 *    `/* output to "x", type "patch" *\/`), and columns only close sections that a clone indented.
 *  --summary: braces show the tree, tables are pruned (no table numbers, stages or priorities).
 *  --minimal: only packet modifications, transformations and `output("vm2");` lines; a dropped
 *    packet prints nothing at all after the "# flow" line.
 *  --ovs adds the OpenFlow flows of each logical flow (lines starting "cookie=") under its table.
 *  --all / several format options print each part after "# Detailed trace." etc.
 */

const DASHES = /^\s*-{3,}\s*$/;
/** Straight and typographic quotes: blog posts paste `egress(dp=”network2″, ...)`. */
const Q = `["\u201c\u201d\u2033]`;
const ATTR = new RegExp(`(\\w+)=${Q}([^"\u201c\u201d\u2033]*)${Q}`, 'g');
const SECTION_TITLE = /^(ingress|egress)\((.*)\)$/;
const MULTICAST_TITLE = /^multicast\((.*)\)$/;
/** " 0. ls_in_check_port_sec (northd.c:8432): 1, priority 50, uuid 0fdd57d3" — %2d, so 1-digit tables have one more space. */
const TABLE_LINE = /^(\s*)(\d+)\.\s+(.*)$/;
const STAGE_PREFIX = /^([A-Za-z_][\w]*)(?: \(([^()]*)\))?: (.*)$/;
const SOURCE_ONLY = /^\(([^()]*)\): (.*)$/;
const PRIORITY_TAIL = /^(.*), priority (\d+)(?:, uuid ([0-9a-fA-F]+))?$/;
const NO_MATCH = /^no match(?: \(implicit drop\))?$/;
const OUTPUT_TO = new RegExp(`^/\\* output to ${Q}(.*)${Q}, type ${Q}(.*)${Q} \\*/;?$`);
const MINIMAL_OUTPUT = new RegExp(`^output\\(${Q}(.*)${Q}\\);?$`);
const OMIT = /^\/\* omitting output\b.*\*\/;?$/;
const COMMENT = /^\/\*.*\*\/;?$/;
const ERROR_NODE = /^\*\*\* (.*?);?$/;
/** --ovs: "cookie=0xfdd57d3, duration=27.116s, table=8, ..." or "*** no OpenFlow flows". */
const OPENFLOW = /^cookie=0x[0-9a-fA-F]+/;
const OPENFLOW_ERROR = /^\*\*\* (no OpenFlow flows|error obtaining flow stats.*?);?$/;
/** "# tcp,reg14=0x1,vlan_tci=0x0000,..." — flow_format() prints no spaces. */
const FLOW_HEADER = /^#\s+([a-z0-9_]+(?:[=,]\S*)?)\s*$/;
const FORMAT_MARKER = /^#\s+(Detailed|Summary|Minimal) trace\.\s*$/;
const LOG_LINE = /^\d{4}-\d\d-\d\dT[\d:.]+Z\|\d+\|/;
const ELLIPSIS = /^\s*(\.\.\.|…)\s*$/;
/** Texts ovn-trace prints instead of a trace (trace_parse(), main()). */
const TOOL_ERRORS: RegExp[] = [
  /^unknown datapath ".*"$/,
  /^unknown port ".*"$/,
  /^error parsing flow: /,
  /^failed to parse flow expression /,
  /^microflow does not specify ingress port$/,
  /^ovn-trace: /,
  /^one or two non-option arguments are required$/,
];
/** Actions that end a logical stage; used to cut --summary's flat action lists into steps. */
const STAGE_END = /^(next\b.*|output;|drop;)$/;
/** A UUID cut to 6 hex digits by shorten_uuid(): "provnet-64e303", "lrp-17d870", "ad952e". */
const SHORTENED = /(?:^|[-_])[0-9a-f]{6}$/;

interface Line {
  n: number;
  text: string;
}

interface Block {
  format: OvnTraceFormat | null;
  lines: Line[];
  line: number;
}

interface Built {
  sections: OvnTraceSection[];
  nodes?: OvnTraceNode[];
  ovs: boolean;
}

export function parseOvnTrace(text: string): ParseResult<OvnTrace> {
  const diagnostics: Diagnostic[] = [];
  const lines = splitLines(text);
  const value: OvnTrace = {
    kind: 'ovn-trace',
    format: 'detailed',
    sections: [],
    verdict: { dropped: false, outputs: [], drop: null },
    diagnostics,
    lineCount: lines.length,
  };
  try {
    parseInto(value, lines, diagnostics);
  } catch (e) {
    // Parsers never throw: a bug here must still leave the caller a value.
    diagnostics.push({ line: 0, message: `internal parser error: ${String(e)}`, severity: 'error' });
  }
  return { value, diagnostics };
}

function parseInto(value: OvnTrace, lines: string[], diagnostics: Diagnostic[]): void {
  const blocks: Block[] = [];
  let cur: Block = { format: null, lines: [], line: 1 };
  const errors: string[] = [];
  let continuation = false;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const n = i + 1;
    const t = raw.trim();
    if (continuation) {
      // "$ ovn-trace --ct new --minimal n1 'inport == "ap" &&\n  eth.src == ...'" spans lines.
      value.command = `${value.command ?? ''} ${t}`;
      continuation = quotesOpen(value.command);
      diagnostics.push({ line: n, message: 'shell command continued', severity: 'info' });
      continue;
    }
    const marker = FORMAT_MARKER.exec(t);
    if (marker) {
      if (cur.lines.length || cur.format) blocks.push(cur);
      cur = { format: marker[1]!.toLowerCase() as OvnTraceFormat, lines: [], line: n };
      continue;
    }
    const flow = FLOW_HEADER.exec(t);
    if (flow && value.flow === undefined) {
      value.flow = flow[1]!;
      continue;
    }
    const prompt = matchShellPrompt(raw);
    if (prompt !== null) {
      // "[root@central ~]# ovn-trace --summary network1 '...'" is the paste's prompt, not the flow line.
      value.command = prompt;
      continuation = quotesOpen(prompt);
      diagnostics.push({ line: n, message: 'shell prompt line (the command that produced this output)', severity: 'info' });
      continue;
    }
    if (LOG_LINE.test(t)) {
      diagnostics.push({ line: n, message: `log message: ${t.replace(LOG_LINE, '')}`, severity: 'info' });
      continue;
    }
    if (TOOL_ERRORS.some((re) => re.test(t))) {
      errors.push(t);
      diagnostics.push({ line: n, message: `ovn-trace error: ${t}`, severity: 'error' });
      continue;
    }
    if (ELLIPSIS.test(t)) {
      diagnostics.push({ line: n, message: 'elided output ("...")', severity: 'info' });
      continue;
    }
    cur.lines.push({ n, text: raw });
  }
  blocks.push(cur);
  if (errors.length) value.error = errors.join('\n');

  const parts = blocks.filter((b) => b.lines.some((l) => l.text.trim() !== '') || b.format);
  if (parts.length === 0) parts.push(cur);
  const built: { format: OvnTraceFormat; built: Built; line: number }[] = [];
  for (const b of parts) {
    const format = b.format ?? detectFormat(b.lines);
    const result =
      format === 'summary' || format === 'minimal'
        ? parseBraces(b.lines, format, diagnostics)
        : parseDetailed(b.lines, diagnostics);
    built.push({ format: result.ovs && format === 'detailed' ? 'ovs' : format, built: result, line: b.line });
  }
  // The richest part is the primary one; the order ovn-trace prints is detailed, summary, minimal.
  const primary = built[0]!;
  value.format = primary.format;
  value.sections = primary.built.sections;
  if (primary.built.nodes) value.nodes = primary.built.nodes;
  if (built.some((b) => b.built.ovs)) value.ovs = true;
  if (built.length > 1) {
    value.alternates = built.slice(1).map((b) => ({
      format: b.format,
      sections: b.built.sections,
      ...(b.built.nodes ? { nodes: b.built.nodes } : {}),
      line: b.line,
    }));
  }
  value.verdict = primary.format === 'minimal' ? minimalVerdict(primary.built, value, diagnostics) : sectionVerdict(value.sections);
  if (value.error && value.sections.length === 0 && !value.nodes?.length) {
    value.format = 'detailed';
    value.verdict = { dropped: true, outputs: [], drop: { section: -1, table: null, stage: null, reason: `error: ${value.error}` } };
  }
  const shortened = new Set<string>();
  for (const s of value.sections) {
    for (const name of [s.datapath, s.inport, s.outport]) if (name && SHORTENED.test(name)) shortened.add(name);
  }
  if (shortened.size) {
    value.shortenedNames = [...shortened];
    diagnostics.push({
      line: 0,
      message: `names ${[...shortened].map((x) => `"${x}"`).join(', ')} look shortened by --friendly-names (a UUID cut to 6 hex digits, possibly ambiguous); rerun with --no-friendly-names for full names`,
      severity: 'info',
    });
  }
}

function detectFormat(lines: Line[]): OvnTraceFormat {
  let braces = false;
  let sectionBrace = false;
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i]!.text.trim();
    if (DASHES.test(t) || TABLE_LINE.test(lines[i]!.text)) return 'detailed';
    if (t.endsWith('{')) {
      braces = true;
      if (SECTION_TITLE.test(t.slice(0, -1).trim()) || MULTICAST_TITLE.test(t.slice(0, -1).trim())) sectionBrace = true;
    }
  }
  if (sectionBrace) return 'summary';
  // --minimal keeps transformations (ct_next(...) {) and output("x"); but never pipelines; a
  // dropped packet's --minimal output is empty.
  if (braces || lines.every((l) => !SECTION_TITLE.test(l.text.trim()))) return 'minimal';
  return 'detailed';
}

// ---------------------------------------------------------------------------------------------
// Detailed (and --ovs) output.

interface SectionState {
  section: OvnTraceSection;
  index: number;
  /** Column of the section's table lines, once one was seen. */
  bodyCol: number | null;
  /** Line of the latest child section, to pair an ingress with the patch output before it. */
  lastChildLine: number;
}

function parseDetailed(lines: Line[], diagnostics: Diagnostic[]): Built {
  const sections: OvnTraceSection[] = [];
  const states: SectionState[] = [];
  let stack: SectionState[] = [];
  let ovs = false;
  let inTransform = false;
  let multicast: { state: SectionState; dp: string; group: string } | null = null;

  const top = (): SectionState | undefined => stack[stack.length - 1];
  const lastStep = (): OvnTraceStep | undefined => {
    const s = top();
    return s ? s.section.steps[s.section.steps.length - 1] : undefined;
  };
  // A line left of the current section's body belongs to an outer section (the clone that
  // indented this one has finished): "    clone {...}; next;" prints the egress 4 columns in.
  const popTo = (col: number, slack: number): void => {
    while (stack.length > 1) {
      const s = top()!;
      if (s.bodyCol === null || col >= s.bodyCol + slack) return;
      stack.pop();
    }
  };

  for (let i = 0; i < lines.length; i++) {
    const { n, text } = lines[i]!;
    const t = text.trim();
    if (t === '') continue;
    const col = text.length - text.trimStart().length;
    const next = lines[i + 1];
    const underlined = !!next && DASHES.test(next.text) && !DASHES.test(text);
    // Pastes that elide stanzas ("ingress(dp=...)" then "...") lose the underline; a pipeline
    // title is unmistakable without it.
    if (underlined || SECTION_TITLE.test(t) || MULTICAST_TITLE.test(t)) {
      if (underlined) i++; // the underline belongs to this title
      const sec = SECTION_TITLE.exec(t);
      if (sec) {
        const attrs = parseAttrs(sec[2]!);
        const pipeline = sec[1] as 'ingress' | 'egress';
        const parent = pipeline === 'ingress' ? ingressParent(stack) : egressParent(stack, attrs);
        const section: OvnTraceSection = {
          pipeline,
          datapath: attrs.dp ?? '',
          ...(attrs.inport !== undefined ? { inport: attrs.inport } : {}),
          ...(attrs.outport !== undefined ? { outport: attrs.outport } : {}),
          depth: parent ? parent.section.depth + 1 : 0,
          ...(parent ? { parent: parent.index } : {}),
          steps: [],
          events: [],
          line: n,
        };
        if (pipeline === 'egress' && multicast && parent === multicast.state && multicast.dp === section.datapath) {
          section.multicast = multicast.group;
        }
        if (parent) {
          stack = stack.slice(0, stack.indexOf(parent) + 1);
          parent.lastChildLine = n;
        } else {
          stack = [];
        }
        const state: SectionState = { section, index: sections.length, bodyCol: null, lastChildLine: 0 };
        sections.push(section);
        states.push(state);
        stack.push(state);
        inTransform = false;
        continue;
      }
      popTo(col, 0);
      const s = top();
      const mc = MULTICAST_TITLE.exec(t);
      if (mc && s) {
        const attrs = parseAttrs(mc[1]!);
        multicast = { state: s, dp: attrs.dp ?? s.section.datapath, group: attrs.mcgroup ?? '' };
        s.section.events.push({ kind: 'multicast', text: t, line: n });
        continue;
      }
      if (!s) {
        diagnostics.push({ line: n, message: `title before any datapath section: ${t}`, severity: 'warning' });
        continue;
      }
      // ct_next(ct_state=...), ct_lb_mark, clone, icmp4, arp, nd_na, tcp_reset, ct_dnat...: the
      // packet is transformed and tracing continues in the same datapath section.
      s.section.events.push({ kind: /^ct_/.test(t) ? 'ct' : 'transform', text: t, line: n });
      inTransform = true;
      continue;
    }
    const tm = TABLE_LINE.exec(text);
    if (tm) {
      const tableCol = tm[1]!.length - (tm[2]!.length === 1 && tm[1]!.length > 0 ? 1 : 0);
      popTo(tableCol, 0);
      const s = top();
      if (!s) {
        diagnostics.push({ line: n, message: 'logical table line before any ingress(...)/egress(...) section', severity: 'warning' });
        continue;
      }
      if (s.bodyCol === null) s.bodyCol = tableCol;
      s.section.steps.push(parseTableLine(Number(tm[2]), tm[3]!, n));
      inTransform = false;
      continue;
    }
    if (OPENFLOW.test(t) || OPENFLOW_ERROR.test(t)) {
      ovs = true;
      const step = lastStep();
      if (!step) {
        diagnostics.push({ line: n, message: 'OpenFlow flow line outside a logical flow', severity: 'warning' });
        continue;
      }
      (step.openflow ??= []).push(t);
      step.endLine = n;
      if (OPENFLOW_ERROR.test(t)) {
        (step.notes ??= []).push(t);
        diagnostics.push({ line: n, message: `logical flow has ${t.replace(/^\*\*\* /, '')} (ovn-controller did not install it)`, severity: 'warning' });
      }
      continue;
    }
    // Prose between stanzas (documentation, blog posts) starts left of every open section's actions.
    const minBody = Math.min(...stack.map((x) => x.bodyCol ?? Infinity));
    if (Number.isFinite(minBody) && col < minBody + 4 && !OUTPUT_TO.test(t) && !OMIT.test(t)) {
      diagnostics.push({ line: n, message: `unrecognised line (kept raw): ${t}`, severity: 'warning' });
      continue;
    }
    popTo(col, 4);
    const s = top();
    if (!s) {
      diagnostics.push({ line: n, message: `unrecognised line before any datapath section: ${t}`, severity: 'warning' });
      continue;
    }
    addLeaf(s.section, lastStep(), t, n, inTransform);
  }
  return { sections, ovs };
}

/** The ingress that follows `/* output to "sw0-lr0", type "patch" *\/` is the peer's pipeline. */
function ingressParent(stack: SectionState[]): SectionState | undefined {
  for (let k = stack.length - 1; k >= 0; k--) {
    const s = stack[k]!;
    if (s.section.pipeline !== 'egress') continue;
    const patch = s.section.events.some((e) => e.kind === 'output' && /type "patch"|type “patch”/.test(e.text) && e.line > s.lastChildLine);
    if (patch) return s;
  }
  return stack[stack.length - 1];
}

/** egress(dp=X, inport=I, ...) continues the ingress of X entered through I (multicast members included). */
function egressParent(stack: SectionState[], attrs: Record<string, string>): SectionState | undefined {
  const ingresses = stack.filter((s) => s.section.pipeline === 'ingress' && s.section.datapath === attrs.dp);
  const exact = ingresses.filter((s) => s.section.inport === attrs.inport);
  return exact[exact.length - 1] ?? ingresses[ingresses.length - 1] ?? stack[stack.length - 1];
}

function parseTableLine(table: number, rest: string, n: number): OvnTraceStep {
  let stage: string | null = null;
  let source: string | undefined;
  let tail = rest.trim();
  const sm = STAGE_PREFIX.exec(tail);
  const so = sm ? null : SOURCE_ONLY.exec(tail);
  if (sm) {
    stage = sm[1]!;
    if (sm[2] !== undefined) source = sm[2];
    tail = sm[3]!;
  } else if (so) {
    source = so[1]!;
    tail = so[2]!;
  }
  const step: OvnTraceStep = { table, stage, priority: null, match: '', actions: [], line: n };
  if (source !== undefined) step.source = source;
  if (NO_MATCH.test(tail)) {
    step.noMatch = true;
    return step;
  }
  // Match expressions contain commas ("tcp.dst == {22, 80, 443}"), so read priority/uuid from the right.
  const pm = PRIORITY_TAIL.exec(tail);
  if (pm) {
    step.match = pm[1]!;
    step.priority = Number(pm[2]);
    if (pm[3] !== undefined) step.uuid = pm[3].toLowerCase();
  } else {
    step.match = tail;
  }
  return step;
}

/** A line inside a section that is not a title or table: an action, output, comment or error. */
function addLeaf(section: OvnTraceSection, step: OvnTraceStep | undefined, t: string, n: number, inTransform: boolean): void {
  const out = OUTPUT_TO.exec(t) ?? MINIMAL_OUTPUT.exec(t);
  if (out) {
    section.events.push({ kind: 'output', text: t.replace(/;$/, ''), line: n });
    return;
  }
  if (OMIT.test(t)) {
    section.events.push({ kind: 'omit', text: t.replace(/;$/, ''), line: n });
    return;
  }
  const err = ERROR_NODE.exec(t);
  if (err) {
    section.events.push({ kind: 'error', text: t.replace(/;$/, ''), line: n });
    if (step) {
      (step.notes ??= []).push(t.replace(/;$/, ''));
      step.endLine = n;
    }
    return;
  }
  if (COMMENT.test(t)) {
    const c = t.replace(/;$/, '');
    if (step && !inTransform) {
      (step.notes ??= []).push(c);
      step.endLine = n;
    } else section.events.push({ kind: 'note', text: c, line: n });
    return;
  }
  if (!step || inTransform) {
    // Actions of a transformation ("icmp4 {...}" printed as a titled block) or before any table.
    section.events.push({ kind: 'action', text: t, line: n });
    return;
  }
  step.actions.push(t);
  step.endLine = n;
}

function parseAttrs(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of s.matchAll(ATTR)) out[m[1]!] = m[2]!;
  return out;
}

// ---------------------------------------------------------------------------------------------
// --summary and --minimal: the braces are the tree.

interface BraceFrame {
  kind: 'section' | 'multicast' | 'transform';
  section: number | null;
  line: number;
}

function parseBraces(lines: Line[], format: OvnTraceFormat, diagnostics: Diagnostic[]): Built {
  const sections: OvnTraceSection[] = [];
  const nodes: OvnTraceNode[] = [];
  const frames: BraceFrame[] = [];
  let ovs = false;
  // --summary prunes table nodes, so a stage shows only as its actions; a new step starts after
  // a stage-ending action (next;, output;, drop;), a transformation, or a --ovs "cookie=" line.
  let stepOpen = false;

  const currentSection = (): OvnTraceSection | undefined => {
    for (let k = frames.length - 1; k >= 0; k--) {
      const idx = frames[k]!.section;
      if (idx !== null) return sections[idx];
    }
    return undefined;
  };
  const enclosingMulticast = (): boolean => frames.length > 0 && frames[frames.length - 1]!.kind === 'multicast';
  const stepFor = (s: OvnTraceSection, n: number): OvnTraceStep => {
    let step = s.steps[s.steps.length - 1];
    if (!step || !stepOpen) {
      step = { table: null, stage: null, priority: null, match: '', actions: [], line: n };
      s.steps.push(step);
      stepOpen = true;
    }
    return step;
  };

  for (const { n, text } of lines) {
    const t = text.trim();
    if (t === '') continue;
    if (t === '}' || t === '};') {
      if (!frames.pop()) diagnostics.push({ line: n, message: 'closing brace without an open block', severity: 'warning' });
      stepOpen = false;
      continue;
    }
    if (format === 'minimal') nodes.push({ text: t, depth: frames.length, line: n });
    if (t.endsWith('{')) {
      const title = t.slice(0, -1).trim();
      const sec = SECTION_TITLE.exec(title);
      const mc = MULTICAST_TITLE.exec(title);
      const parent = currentSection();
      stepOpen = false;
      if (sec) {
        const attrs = parseAttrs(sec[2]!);
        const parentIndex = parent ? sections.indexOf(parent) : -1;
        const section: OvnTraceSection = {
          pipeline: sec[1] as 'ingress' | 'egress',
          datapath: attrs.dp ?? '',
          ...(attrs.inport !== undefined ? { inport: attrs.inport } : {}),
          ...(attrs.outport !== undefined ? { outport: attrs.outport } : {}),
          depth: parent ? parent.depth + 1 : 0,
          ...(parent ? { parent: parentIndex } : {}),
          steps: [],
          events: [],
          line: n,
        };
        if (enclosingMulticast()) {
          const mcTitle = parent?.events.filter((e) => e.kind === 'multicast').pop();
          const g = mcTitle ? parseAttrs(mcTitle.text).mcgroup : undefined;
          if (g !== undefined) section.multicast = g;
        }
        frames.push({ kind: 'section', section: sections.length, line: n });
        sections.push(section);
      } else if (mc) {
        parent?.events.push({ kind: 'multicast', text: title, line: n });
        frames.push({ kind: 'multicast', section: null, line: n });
      } else {
        parent?.events.push({ kind: /^ct_/.test(title) ? 'ct' : 'transform', text: title, line: n });
        frames.push({ kind: 'transform', section: null, line: n });
      }
      continue;
    }
    const s = currentSection();
    if (OPENFLOW.test(t) || OPENFLOW_ERROR.test(t)) {
      ovs = true;
      if (!s) {
        diagnostics.push({ line: n, message: 'OpenFlow flow line outside a datapath section', severity: 'warning' });
        continue;
      }
      // The flows of a table come before its actions: a cookie line after actions starts the next stage.
      const prev = s.steps[s.steps.length - 1];
      if (prev && stepOpen && prev.actions.length) stepOpen = false;
      const step = stepFor(s, n);
      (step.openflow ??= []).push(t);
      step.endLine = n;
      if (OPENFLOW_ERROR.test(t)) (step.notes ??= []).push(t);
      continue;
    }
    if (!s) {
      if (format !== 'minimal') diagnostics.push({ line: n, message: `line outside any datapath section: ${t}`, severity: 'warning' });
      continue;
    }
    const isAction = !(OUTPUT_TO.test(t) || MINIMAL_OUTPUT.test(t) || OMIT.test(t) || ERROR_NODE.test(t) || COMMENT.test(t));
    const step = isAction || stepOpen ? stepFor(s, n) : s.steps[s.steps.length - 1];
    addLeaf(s, step, t, n, false);
    if (isAction && STAGE_END.test(t)) stepOpen = false;
  }
  for (const f of frames) diagnostics.push({ line: f.line, message: 'block not closed (truncated output?)', severity: 'warning' });
  return format === 'minimal' ? { sections, nodes, ovs } : { sections, ovs };
}

// ---------------------------------------------------------------------------------------------
// Verdicts.

/**
 * Every branch either reaches `/* output to "vm2", type "" *\/`, is suppressed (`/* omitting
 * output because inport == outport ... *\/`), continues in a child section, or stops: that is
 * a drop, at the last stage it ran. The packet is dropped when no branch delivers it.
 */
function sectionVerdict(sections: OvnTraceSection[]): OvnTraceVerdict {
  const outputs: string[] = [];
  const drops: OvnTraceDrop[] = [];
  const lastChild = new Map<number, number>();
  sections.forEach((s) => {
    if (s.parent !== undefined) lastChild.set(s.parent, Math.max(lastChild.get(s.parent) ?? 0, s.line));
  });
  sections.forEach((s, idx) => {
    const lastStep = s.steps[s.steps.length - 1];
    let delivered = false;
    for (const e of s.events) {
      if (e.kind !== 'output') continue;
      const m = OUTPUT_TO.exec(e.text) ?? MINIMAL_OUTPUT.exec(e.text);
      const port = m?.[1] ?? e.text;
      const patch = m?.[2] === 'patch';
      const followed = (lastChild.get(idx) ?? 0) > e.line;
      delivered = true;
      if (!patch || !followed) outputs.push(port);
    }
    const continued = delivered || s.events.some((e) => e.kind === 'omit') || lastChild.has(idx);
    const endLine = lastStep?.line ?? s.line;
    const laterThanEnd = (lastChild.get(idx) ?? 0) > endLine || s.events.some((e) => (e.kind === 'output' || e.kind === 'omit') && e.line > endLine);
    if (continued && laterThanEnd) return;
    if (!lastStep && continued) return;
    drops.push({
      section: idx,
      table: lastStep?.table ?? null,
      stage: lastStep?.stage ?? null,
      reason: dropReason(s, lastStep),
      line: lastStep?.line ?? s.line,
    });
  });
  const dropped = outputs.length === 0;
  return {
    dropped,
    outputs,
    drop: dropped ? (drops[drops.length - 1] ?? { section: -1, table: null, stage: null, reason: 'no output' }) : null,
    ...(drops.length ? { drops } : {}),
  };
}

function dropReason(s: OvnTraceSection, step: OvnTraceStep | undefined): string {
  const err = s.events.filter((e) => e.kind === 'error').pop();
  if (!step) return err ? err.text : 'section has no logical flows';
  if (step.noMatch) return 'no logical flow matched (implicit drop)';
  const last = step.actions[step.actions.length - 1];
  if (last === 'drop;') return step.stage && /_acl/.test(step.stage) ? 'explicit drop (ACL)' : 'explicit drop';
  if (err && err.line >= step.line) return err.text;
  if (step.openflow?.some((f) => OPENFLOW_ERROR.test(f))) return 'logical flow has no OpenFlow flows';
  if (step.actions.length === 0) return 'logical flow has no actions (drop)';
  // A stateful ACL drop: 'ct_commit { ct_mark.blocked = 1; };' with no next; (northd's ACL drop with allow-related ACLs).
  const acl = step.stage && /_acl/.test(step.stage) ? 'ACL: ' : '';
  return `${acl}pipeline ended after "${last}" without output`;
}

function minimalVerdict(built: Built, value: OvnTrace, diagnostics: Diagnostic[]): OvnTraceVerdict {
  const outputs: string[] = [];
  for (const node of built.nodes ?? []) {
    const m = MINIMAL_OUTPUT.exec(node.text);
    if (m) outputs.push(m[1]!);
  }
  if (outputs.length === 0 && !value.error) {
    diagnostics.push({
      line: 0,
      message: '--minimal output has no output("...") line: the packet is dropped (--minimal does not say where; use the detailed format)',
      severity: 'info',
    });
    return { dropped: true, outputs, drop: { section: -1, table: null, stage: null, reason: 'no output in --minimal trace' } };
  }
  return { dropped: outputs.length === 0, outputs, drop: null };
}

// ---------------------------------------------------------------------------------------------

function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function quotesOpen(s: string): boolean {
  let single = false;
  let double = false;
  for (const ch of s) {
    if (ch === "'" && !double) single = !single;
    else if (ch === '"' && !single) double = !double;
  }
  return single || double;
}
