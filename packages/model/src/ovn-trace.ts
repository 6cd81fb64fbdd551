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
  line: number;
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
  steps: OvnTraceStep[];
  /** Free text lines in the section: ct_next, multicast, "output to ...", drop notes. */
  events: { kind: string; text: string; line: number }[];
  line: number;
}

export interface OvnTraceVerdict {
  dropped: boolean;
  outputs: string[];
  drop?: { section: number; table: number | null; stage: string | null; reason: string; line?: number } | null;
}

export interface OvnTrace {
  kind: 'ovn-trace';
  format: OvnTraceFormat;
  /** The "# flow" header line. */
  flow?: string;
  sections: OvnTraceSection[];
  verdict: OvnTraceVerdict;
  diagnostics: Diagnostic[];
  lineCount: number;
}
