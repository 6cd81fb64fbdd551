import type { OfAction } from '@tracemap/model';

/**
 * Decoder for one OpenFlow action list as OVS prints it (ofproto/trace action
 * lines, `ovs-ofctl dump-flows` `actions=` values, ovn-detrace echoes).
 *
 * Shape of the grammar (lib/ofp-actions.c, ofpacts_format): an action is
 *   keyword                     `drop`, `ct_clear`, `pop_vlan`, `NORMAL`
 *   keyword:argument            `output:5`, `set_field:0x1->reg13`, `note:00.01`
 *   keyword(arguments)          `resubmit(,8)`, `ct(commit,zone=NXM_NX_REG13[0..15],exec(...))`
 *   keyword(arguments)->dst     `check_pkt_larger(1514)->NXM_NX_REG10[0]`
 *   a bare port number          `actions=1` (OpenFlow 1.0 spelling of output:1)
 * and actions are separated by commas that are not inside parentheses or brackets
 * (`move:NXM_NX_REG10[12]->NXM_NX_XXREG0[111]` has no comma, but
 * `set_field:0x1->reg13,resubmit(,8)` has one inside `(,8)` that must not split).
 *
 * The decoders live in a keyword -> decoder table (house style: decode with
 * tables, compose for nested lists) rather than a switch.
 */

/** Splits `text` on `sep` at nesting level 0 only; parts are not trimmed. */
export function splitTopLevel(text: string, sep = ','): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  let quote = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      quote = !quote;
    } else if (quote) {
      continue;
    } else if (c === 40 /* ( */ || c === 91 /* [ */ || c === 123 /* { */) {
      depth++;
    } else if (c === 41 /* ) */ || c === 93 /* ] */ || c === 125 /* } */) {
      // An unbalanced closer (truncated paste) must not make depth negative
      // forever, or nothing after it would ever split again.
      if (depth > 0) depth--;
    } else if (depth === 0 && text[i] === sep) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** `k=v,flag,k2=v2(...)` -> record; a bare flag maps to ''. Values are kept verbatim. */
export function parseKeyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of splitTopLevel(text)) {
    const part = raw.trim();
    if (part === '') continue;
    const eq = indexOfTopLevel(part, '=');
    const paren = part.indexOf('(');
    if (eq > 0 && (paren < 0 || eq < paren)) {
      out[part.slice(0, eq)] = part.slice(eq + 1);
    } else if (paren > 0 && part.endsWith(')')) {
      // `nat(src=10.0.0.1)` / `exec(...)` inside ct(): keyed by the keyword.
      out[part.slice(0, paren)] = part.slice(paren + 1, -1);
    } else {
      out[part] = '';
    }
  }
  return out;
}

function indexOfTopLevel(text: string, ch: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth = Math.max(0, depth - 1);
    else if (depth === 0 && c === ch) return i;
  }
  return -1;
}

/** What a decoder receives: the keyword, and the argument in the form it was written. */
interface ActionParts {
  /** keyword as written (`CONTROLLER`, `set_field`) */
  keyword: string;
  /** text inside `(...)`, or undefined */
  paren?: string;
  /** text after `keyword:` or after `(...)->`, or undefined */
  colon?: string;
  /** `->dst` suffix after a parenthesised argument (check_pkt_larger) */
  arrow?: string;
  text: string;
}

type Decoder = (p: ActionParts) => Omit<OfAction, 'text'>;

/** `A->B` split at the last top-level arrow (the value side may hold `0x1/0x1`). */
function arrowPair(s: string): { from: string; to: string } | null {
  const i = s.lastIndexOf('->');
  if (i < 0) return null;
  return { from: s.slice(0, i), to: s.slice(i + 2) };
}

const decodeSetField: Decoder = (p) => {
  // "set_field:0x1->reg13", "set_field:0/0x1000->reg10", "load:0x1->NXM_NX_REG13[]"
  const pair = arrowPair(p.colon ?? p.paren ?? '');
  const args: Record<string, string> = pair ? { value: pair.from, field: pair.to } : { arg: p.colon ?? p.paren ?? '' };
  return { kind: p.keyword, args };
};

const decodeMove: Decoder = (p) => {
  // "move:NXM_NX_REG10[12]->NXM_NX_XXREG0[111]"
  const pair = arrowPair(p.colon ?? p.paren ?? '');
  const args: Record<string, string> = pair ? { src: pair.from, dst: pair.to } : { arg: p.colon ?? '' };
  return { kind: 'move', args };
};

const decodeResubmit: Decoder = (p) => {
  // "resubmit(,8)", "resubmit(1,8)", "resubmit(,8,ct)", "resubmit:3" (port only)
  if (p.paren !== undefined) {
    const [port = '', table = '', ct] = p.paren.split(',').map((s) => s.trim());
    const args: Record<string, string> = { port, table };
    if (ct !== undefined) args.ct = ct;
    return { kind: 'resubmit', args };
  }
  return { kind: 'resubmit', args: { port: p.colon ?? '', table: '' } };
};

const decodeGoto: Decoder = (p) => ({ kind: 'goto_table', args: { table: (p.colon ?? p.paren ?? '').trim() } });

const decodeOutput: Decoder = (p) => {
  // "output:5", "output(port=5,max_len=100)", "output:NXM_NX_REG15[]"
  if (p.paren !== undefined) {
    const kv = parseKeyValues(p.paren);
    return { kind: 'output', args: { ...kv, port: kv.port ?? p.paren } };
  }
  return { kind: 'output', args: { port: p.colon ?? '' } };
};

/** Reserved ports printed as bare words: `NORMAL`, `FLOOD`, `IN_PORT`... */
const portWord =
  (port: string): Decoder =>
  () => ({ kind: 'output', args: { port } });

const decodeController: Decoder = (p) => {
  // "controller(userdata=00.00.00.0c.00.00.00.00,pause,meter_id=1)", "CONTROLLER:96", "controller"
  if (p.paren !== undefined) return { kind: 'controller', args: parseKeyValues(p.paren) };
  if (p.colon !== undefined) return { kind: 'controller', args: { max_len: p.colon } };
  return { kind: 'controller' };
};

const decodeConjunction: Decoder = (p) => {
  // "conjunction(3,1/2)": id 3, clause 1 of 2
  const [id = '', kn = ''] = (p.paren ?? '').split(',');
  const [k = '', n = ''] = kn.split('/');
  return { kind: 'conjunction', args: { id: id.trim(), clause: k.trim(), of: n.trim() } };
};

const decodeCt: Decoder = (p) => {
  // "ct(commit,zone=NXM_NX_REG13[0..15],nat(src=10.0.0.1),exec(set_field:0x1->ct_mark))"
  const args = parseKeyValues(p.paren ?? '');
  const nested: OfAction[] = [];
  for (const raw of splitTopLevel(p.paren ?? '')) {
    const part = raw.trim();
    if (part.startsWith('nat')) nested.push(decodeOne(part));
    else if (part.startsWith('exec(') && part.endsWith(')')) nested.push(...parseOfActions(part.slice(5, -1)));
  }
  return nested.length > 0 ? { kind: 'ct', args, nested } : { kind: 'ct', args };
};

/** Actions whose parenthesised argument is itself an action list. */
const decodeNestedList: Decoder = (p) => {
  // "clone(ct_clear,set_field:0->reg11,resubmit(,8))", "write_actions(output:1)"
  const nested = parseOfActions(p.paren ?? p.colon ?? '');
  return { kind: p.keyword.toLowerCase(), nested };
};

const decodeCheckPktLarger: Decoder = (p) => {
  // "check_pkt_larger(1514)->NXM_NX_REG10[0]"
  const args: Record<string, string> = { length: (p.paren ?? '').trim() };
  if (p.arrow !== undefined) args.dst = p.arrow;
  return { kind: 'check_pkt_larger', args };
};

const decodeNote: Decoder = (p) => ({ kind: 'note', args: { data: p.colon ?? p.paren ?? '' } });

const decodeLearn: Decoder = (p) => {
  // learn(table=69,delete_learned,NXM_OF_VLAN_TCI[0..11],...,load:NXM_NX_REG0[]->NXM_NX_REG1[])
  // Specs may repeat keys; keep them all in `specs` rather than losing duplicates.
  const parts = splitTopLevel(p.paren ?? '').map((s) => s.trim()).filter((s) => s !== '');
  const args: Record<string, string> = {};
  const specs: string[] = [];
  for (const part of parts) {
    const eq = part.indexOf('=');
    const key = eq > 0 ? part.slice(0, eq) : part;
    if (LEARN_OPTIONS.has(key)) args[key] = eq > 0 ? part.slice(eq + 1) : '';
    else specs.push(part);
  }
  if (specs.length > 0) args.specs = specs.join(',');
  return { kind: 'learn', args };
};
const LEARN_OPTIONS = new Set([
  'table', 'priority', 'idle_timeout', 'hard_timeout', 'fin_idle_timeout', 'fin_hard_timeout',
  'cookie', 'send_flow_rem', 'delete_learned', 'limit', 'result_dst', 'importance',
]);

const decodeGeneric: Decoder = (p) => {
  if (p.paren !== undefined) {
    const args = parseKeyValues(p.paren);
    if (p.arrow !== undefined) args['->'] = p.arrow;
    return { kind: p.keyword.toLowerCase(), args };
  }
  if (p.colon !== undefined) return { kind: p.keyword.toLowerCase(), args: { arg: p.colon } };
  return { kind: p.keyword.toLowerCase() };
};

/**
 * keyword -> decoder. Keywords are matched case-sensitively first and then
 * lower-cased (OVS prints `CONTROLLER:96` for OpenFlow 1.0 output-to-controller
 * but `controller(...)` for the Nicira form).
 */
const DECODERS: Readonly<Record<string, Decoder>> = {
  resubmit: decodeResubmit,
  goto_table: decodeGoto,
  output: decodeOutput,
  enqueue: decodeGeneric,
  set_field: decodeSetField,
  load: decodeSetField,
  move: decodeMove,
  ct: decodeCt,
  clone: decodeNestedList,
  write_actions: decodeNestedList,
  apply_actions: decodeNestedList,
  conjunction: decodeConjunction,
  controller: decodeController,
  learn: decodeLearn,
  note: decodeNote,
  check_pkt_larger: decodeCheckPktLarger,
  drop: () => ({ kind: 'drop' }),
  normal: portWord('NORMAL'),
  flood: portWord('FLOOD'),
  all: portWord('ALL'),
  local: portWord('LOCAL'),
  in_port: portWord('IN_PORT'),
};

/** Does the text start like an action keyword (or a bare port)? Used to flag free text. */
const KEYWORD_RE = /^[A-Za-z_][A-Za-z0-9_.]*/;

function decodeOne(textIn: string): OfAction {
  const text = textIn.trim();
  if (/^\d+$/.test(text)) {
    // OpenFlow 1.0 spelling: "actions=1" is output:1.
    return { kind: 'output', text, args: { port: text } };
  }
  const m = KEYWORD_RE.exec(text);
  if (!m) return { kind: 'unknown', text };
  const keyword = m[0];
  const rest = text.slice(keyword.length);
  const parts: ActionParts = { keyword, text };
  if (rest === '') {
    // bare keyword
  } else if (rest[0] === ':') {
    parts.colon = rest.slice(1);
  } else if (rest[0] === '(') {
    const close = matchingParen(rest, 0);
    if (close < 0) {
      parts.paren = rest.slice(1); // truncated: keep what there is
    } else {
      parts.paren = rest.slice(1, close);
      const tail = rest.slice(close + 1);
      if (tail.startsWith('->')) parts.arrow = tail.slice(2);
      else if (tail !== '') return { kind: 'unknown', text };
    }
  } else {
    // "bucket 0", free text: not an action spelling.
    return { kind: 'unknown', text };
  }
  const decoder = DECODERS[keyword] ?? DECODERS[keyword.toLowerCase()] ?? decodeGeneric;
  try {
    return { text, ...decoder(parts) };
  } catch {
    // Decoders are total by construction; this guard keeps "never throws" true
    // even if one of them meets input nobody foresaw.
    return { kind: 'unknown', text };
  }
}

function matchingParen(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/**
 * Decodes an OpenFlow action list such as
 * `set_field:0x1->reg13,ct(commit,zone=NXM_NX_REG13[0..15]),resubmit(,8)`.
 * An optional leading `actions=` is accepted. Never throws; an empty or
 * whitespace-only list yields `[]`.
 */
export function parseOfActions(text: string): OfAction[] {
  let body = text.trim();
  if (body.startsWith('actions=')) body = body.slice('actions='.length);
  if (body === '') return [];
  const out: OfAction[] = [];
  for (const part of splitTopLevel(body)) {
    if (part.trim() === '') continue;
    out.push(decodeOne(part));
  }
  return out;
}

/** True when the action transfers control to another table and may come back (a call). */
export function isTableCall(a: OfAction): boolean {
  return a.kind === 'resubmit' || a.kind === 'goto_table';
}

/** Table a resubmit/goto_table goes to, or null (resubmit:port keeps the current table). */
export function callTarget(a: OfAction): number | null {
  const t = a.args?.table;
  if (t === undefined || t === '') return null;
  const n = Number(t);
  return Number.isInteger(n) ? n : null;
}
