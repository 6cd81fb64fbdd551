import type { Diagnostic } from './common';

export interface OpenFlowFlow {
  table: number;
  priority: number;
  cookie: string;
  match: string;
  actions: string;
  nPackets?: number;
  nBytes?: number;
  duration?: number;
  /** conj_id=N in the match */
  conjId?: number;
  /** conjunction(id,k/n) actions */
  conjunctions?: { id: number; clause: number; of: number }[];
  line: number;
}

export interface BrokenConjunction {
  id: number;
  table: number;
  problem: 'no-clauses' | 'missing-clauses' | 'no-conj-id-flow';
  detail: string;
  cookies: string[];
  lines: number[];
}

export interface DumpFlows {
  kind: 'dump-flows';
  flows: OpenFlowFlow[];
  conjunctions: { broken: BrokenConjunction[] };
  diagnostics: Diagnostic[];
  lineCount: number;
}

export interface LogicalFlow {
  uuid?: string;
  /** First 32 bits of the UUID as OVS prints cookies: 0x + 8 hex digits, zero padded. */
  cookie?: string;
  datapath: string;
  /** Every datapath the flow applies to, when known (datapath groups in the Southbound JSON dump). */
  datapaths?: string[];
  /** Datapath UUID from lflow-list's "Datapath:" header or the JSON dump. */
  datapathUuid?: string;
  pipeline: 'ingress' | 'egress';
  table: number;
  stage?: string;
  priority: number;
  match: string;
  actions: string;
  source?: string;
  /** OpenFlow flows listed under it by `ovn-sbctl --ovs lflow-list`. */
  openflow?: string[];
  line: number;
}

export interface LflowList {
  kind: 'lflow-list';
  flows: LogicalFlow[];
  diagnostics: Diagnostic[];
  lineCount: number;
}
