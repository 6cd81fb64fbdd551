import type { Diagnostic } from './common';

export type OvnTraceFormat = 'detailed' | 'summary' | 'minimal' | 'ovs';

export interface OvnTraceStep {
  table: number | null;
  stage: string | null;
  priority: number | null;
  match: string;
  actions: string[];
  uuid?: string;
  source?: string; // (northd.c:1234)
  /** OpenFlow flows listed under the logical flow with --ovs. */
  openflow?: string[];
  /** `/* ... *\/` comments and `*** ...` errors printed under the stage (e.g. "lookup failed - No MAC binding."). */
  notes?: string[];
  /** "N. stage: no match (implicit drop)". */
  noMatch?: boolean;
  line: number;
  /** Last input line that belongs to the step (its actions, notes, OpenFlow flows). */
  endLine?: number;
}

export interface OvnTraceSection {
  pipeline: 'ingress' | 'egress';
  datapath: string;
  inport?: string;
  outport?: string;
  /** Nesting depth of the datapath section (0 = first ingress). */
  depth: number;
  /** index of the parent section, when nested */
  parent?: number;
  /** Set on egress sections that are members of `multicast(dp=.., mcgroup=..)`. */
  multicast?: string;
  steps: OvnTraceStep[];
  /** Free text lines in the section: ct_next, multicast, "output to ...", drop notes. */
  events: { kind: string; text: string; line: number }[];
  line: number;
}

export interface OvnTraceVerdict {
  dropped: boolean;
  outputs: string[];
  drop?: OvnTraceDrop | null;
  /** Every branch that ended without output (a multicast can deliver to some ports and drop on others). */
  drops?: OvnTraceDrop[];
}

export interface OvnTraceDrop {
  section: number;
  table: number | null;
  stage: string | null;
  reason: string;
  line?: number;
}

/** A node of `--minimal` output (which has no stages or datapaths): actions and transformations. */
export interface OvnTraceNode {
  text: string;
  depth: number;
  line: number;
}

export interface OvnTrace {
  kind: 'ovn-trace';
  format: OvnTraceFormat;
  /** The "# flow" header line. */
  flow?: string;
  sections: OvnTraceSection[];
  /** True when OpenFlow flows were listed under logical flows (`--ovs`), in any format. */
  ovs?: boolean;
  /** --minimal output, as printed. */
  nodes?: OvnTraceNode[];
  /** Further formats of the same trace (`--all`, or `--detailed --summary`), each parsed on its own. */
  alternates?: { format: OvnTraceFormat; sections: OvnTraceSection[]; nodes?: OvnTraceNode[]; line: number }[];
  /** The tool's error text when it printed no trace ("unknown datapath", "error parsing flow: ..."). */
  error?: string;
  /** A pasted shell prompt line with the command ("[root@host ~]# ovn-trace ..."). */
  command?: string;
  /** Names that look shortened by --friendly-names (the default): a prefix plus 6 hex digits of a UUID. */
  shortenedNames?: string[];
  verdict: OvnTraceVerdict;
  diagnostics: Diagnostic[];
  lineCount: number;
}
