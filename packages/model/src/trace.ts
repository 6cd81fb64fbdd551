import type { Diagnostic } from './common';

/**
 * One OpenFlow action as printed by ofproto/trace or dump-flows, decoded by keyword.
 * `text` always keeps the source spelling; nested actions (clone, ct(commit,exec(...))) in `nested`.
 */
export interface OfAction {
  kind: string; // 'resubmit' | 'output' | 'ct' | 'conjunction' | 'set_field' | 'drop' | 'controller' | ... (keyword)
  text: string;
  args?: Record<string, string>;
  nested?: OfAction[];
  /** 1-based input line the action was printed on (trace parsers set it). */
  line?: number;
}

/** A line of a trace that is neither a step nor one of its actions (bridge header, banner, summary...). */
export interface TraceEvent {
  kind: string;
  text: string;
  line: number;
}

/** The OVN logical flow that ovn-detrace (or tracemap's own join) attached to an OpenFlow step. */
export interface LogicalAnnotation {
  datapath?: string;
  datapaths?: string[];
  /** Input line of each entry of `datapaths` (same order): a group's list has no notes of its own. */
  datapathLines?: number[];
  pipeline?: 'ingress' | 'egress';
  table?: number;
  stage?: string;
  priority?: number;
  match?: string;
  actions?: string;
  uuid?: string;
  source?: string;
  /** Other annotations ovn-detrace printed: Port Binding, Logical Switch Port, ACL, OVS Interface... */
  notes?: { kind: string; text: string; line: number }[];
}

export interface TraceStep {
  /** 'table' for a flow hit; 'no-match' for "N. No match."; 'raw' for a kept unrecognised line. */
  kind: 'table' | 'no-match' | 'raw';
  bridge?: string;
  table: number | null;
  priority: number | null;
  cookie: string | null;
  match: string;
  /** Call depth, inferred from resubmit structure, not whitespace. 0 = top level. */
  depth: number;
  actions: OfAction[];
  /** `-> ` notes printed under the step. */
  notes: string[];
  /** Input line of each entry of `notes` (same order). */
  noteLines?: number[];
  /** 1-based line of the step header in the input. */
  line: number;
  /** Last line that belongs to this step (actions, notes). */
  endLine: number;
  logical?: LogicalAnnotation;
  /** True when this step ended its pass with a drop (explicit or no match). */
  dropped?: boolean;
  /** OVS >= 3.3 "-> conj." hints / conj_id=N in the match. */
  conjId?: number;
}

export interface TracePass {
  index: number;
  /** The "Flow:" line of this pass (without the prefix). */
  flow: string;
  /** For passes after the first: the banner text ("recirc(0x1) - resume conntrack with default ct_state=trk|new ..."). */
  banner?: string;
  recircId?: string;
  resumeTable?: number;
  steps: TraceStep[];
  finalFlow?: string;
  megaflow?: string;
  datapathActions: string;
  /** Line of "Datapath actions:"; absent when the pass was cut short (truncated paste). */
  datapathActionsLine?: number;
  /** Structural lines of the pass: bridge headers, banner, thaw, summary lines, slow-path notes. */
  events?: TraceEvent[];
  /** "Translation failed (...), packet is dropped." */
  error?: string;
  line: number;
}

export type DropReason = 'explicit-drop' | 'no-match' | 'acl' | 'port-security' | 'no-output' | 'error' | 'unknown';

export interface DropPoint {
  pass: number;
  step?: number;
  table: number | null;
  stage?: string;
  datapath?: string;
  reason: DropReason;
  detail?: string;
  line?: number;
}

export interface OutputTarget {
  kind: 'port' | 'tunnel' | 'controller' | 'recirc' | 'other';
  text: string;
}

export interface Verdict {
  dropped: boolean;
  drop: DropPoint | null;
  outputs: OutputTarget[];
  error?: string;
}

export interface OfprotoTrace {
  kind: 'ofproto-trace' | 'ovn-detrace';
  passes: TracePass[];
  verdict: Verdict;
  /** Texts such as "No such bridge" / "Trailing garbage in packet data". */
  error?: string;
  /** Lines outside any pass (error texts, preamble). */
  events?: TraceEvent[];
  diagnostics: Diagnostic[];
  lineCount: number;
}
