/*
 * Shapes of the HTTP API (docs/api.md). The trace model types come from @tracemap/model;
 * these are the envelopes around them.
 */
import type {
  BrokenConjunction,
  DecodedPacket,
  DropPoint,
  LogicalFlow,
  OfprotoTrace,
  OpenFlowFlow,
  OvnTrace,
} from '@tracemap/model';

export interface Health {
  ok: boolean;
  version: string;
  modelVersion: number;
  host?: string;
  ovs?: string;
  ovn?: string;
}

export interface Host {
  name: string;
  kind: 'local' | 'ssh';
  default: boolean;
  bridge?: string;
}

export type { Inventory } from '@tracemap/model';

export type OvnTraceFormatOption = 'detailed' | 'summary' | 'minimal' | 'ovs';

export type TraceRequest =
  | {
      type: 'ovn-trace';
      host?: string;
      datapath: string;
      microflow: string;
      format?: OvnTraceFormatOption;
      ct?: string[];
      friendlyNames?: boolean;
    }
  | { type: 'ofproto-trace'; host?: string; bridge?: string; inPort: number | string; packet?: string; flow?: string; detrace?: boolean }
  | { type: 'packet'; host?: string; packet: string; inPort: string; ct?: 'new' | 'est' }
  | { type: 'import'; text: string };

export type TraceType = TraceRequest['type'];

export interface ToolRun {
  tool: 'ovn-trace' | 'ofproto-trace' | 'ovn-detrace' | string;
  argv: string[];
  output: string;
  exitCode: number | null;
  durationMs: number;
}

export interface TraceComparison {
  agree: boolean;
  ofproto: { dropped: boolean; outputs: string[] };
  ovnTrace: { dropped: boolean; outputs: string[] };
  firstDifference?: string;
  assumptions?: { ct: string };
}

export interface TraceRecord {
  id: string;
  /** Set on the record of GET /api/traces/:id/view: tool outputs, steps and sections left out. */
  light?: boolean;
  type: TraceType;
  createdAt: string;
  host?: string;
  versions?: { ovs?: string; ovn?: string };
  modelVersion: number;
  request: TraceRequest | Record<string, unknown>;
  runs: ToolRun[];
  ofproto?: OfprotoTrace;
  ovnTrace?: OvnTrace;
  packet?: DecodedPacket;
  verdict: { dropped: boolean; summary: string; drop?: Partial<DropPoint> & Record<string, unknown> };
  comparison?: TraceComparison;
  conjunctions?: { broken: BrokenConjunction[] };
}

export interface CreatedTrace {
  id: string;
  url: string;
  trace: TraceRecord;
}

export interface TraceListItem {
  id: string;
  type: TraceType;
  createdAt: string;
  host?: string;
  summary: string;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

export interface LflowFilter {
  host?: string;
  datapath?: string;
  pipeline?: '' | 'ingress' | 'egress';
  stage?: string;
  q?: string;
}

export interface LflowPage {
  items: LogicalFlow[];
  total: number;
  nextCursor?: string;
}

export interface LflowOpenflow {
  lflow: LogicalFlow;
  flows: OpenFlowFlow[];
}

export interface OpenflowSearch {
  items: { flow: OpenFlowFlow; lflows: LogicalFlow[] }[];
  total: number;
}

export interface LflowStats {
  datapaths: { datapath: string; total: number; stages: { pipeline: 'ingress' | 'egress'; table: number; stage: string; count: number }[] }[];
}

/** GET /api/traces/:id/view: what the permalink page draws before the whole record is in. */
export interface TraceFirstView {
  record: TraceRecord;
  graph: import('@tracemap/analysis').TraceGraph | null;
  sources: ('physical' | 'logical')[];
  compact: boolean;
  comparison: import('@tracemap/analysis').TraceComparison | null;
}
