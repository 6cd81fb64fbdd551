import { Type } from '@sinclair/typebox';

/** Model objects (parsers' output) pass through whole; the schemas name what the web app relies on. */
const Open = <T extends Record<string, import('@sinclair/typebox').TSchema>>(props: T, description?: string) =>
  Type.Object(props, { additionalProperties: true, ...(description ? { description } : {}) });

export const Any = Type.Unknown();

export const RecordVerdictSchema = Open({
  dropped: Type.Boolean(),
  summary: Type.String(),
  outputs: Type.Array(Type.String()),
  drop: Type.Optional(Open({ table: Type.Union([Type.Integer(), Type.Null()]), reason: Type.String() })),
});

export const RunSchema = Open({
  tool: Type.String(),
  argv: Type.Array(Type.String()),
  output: Type.String(),
  exitCode: Type.Union([Type.Integer(), Type.Null()]),
  durationMs: Type.Number(),
});

export const TraceRecordSchema = Open(
  {
    id: Type.String(),
    url: Type.String(),
    type: Type.String(),
    createdAt: Type.String(),
    host: Type.Optional(Type.String()),
    versions: Type.Optional(Open({ ovs: Type.Union([Type.String(), Type.Null()]), ovn: Type.Union([Type.String(), Type.Null()]) })),
    modelVersion: Type.Integer(),
    request: Open({}),
    runs: Type.Array(RunSchema),
    ofproto: Type.Optional(Open({ kind: Type.String() })),
    ovnTrace: Type.Optional(Open({ kind: Type.String() })),
    packet: Type.Optional(Open({ hex: Type.String() })),
    verdict: RecordVerdictSchema,
    comparison: Type.Optional(
      Open({
        agree: Type.Boolean(),
        ofproto: Open({ dropped: Type.Boolean(), outputs: Type.Array(Type.String()) }),
        ovnTrace: Open({ dropped: Type.Boolean(), outputs: Type.Array(Type.String()) }),
        firstDifference: Type.Optional(Type.String()),
        assumptions: Open({ ct: Type.String() }),
      }),
    ),
    conjunctions: Type.Optional(Open({ broken: Type.Array(Open({})) })),
    annotation: Type.Optional(Open({ source: Type.String() })),
    notes: Type.Array(Type.String()),
  },
  'A stored trace: raw outputs, exact argv, host, versions, timestamps, parsed model, verdict',
);

export const LogicalFlowSchema = Open({
  uuid: Type.Optional(Type.String()),
  cookie: Type.Optional(Type.String()),
  datapath: Type.String(),
  pipeline: Type.String(),
  table: Type.Integer(),
  stage: Type.Optional(Type.String()),
  priority: Type.Integer(),
  match: Type.String(),
  actions: Type.String(),
});

export const OpenFlowSchema = Open({
  table: Type.Integer(),
  priority: Type.Integer(),
  cookie: Type.String(),
  match: Type.String(),
  actions: Type.String(),
  nPackets: Type.Optional(Type.Number()),
  nBytes: Type.Optional(Type.Number()),
});

export const BrokenConjunctionSchema = Open({
  id: Type.Integer(),
  table: Type.Integer(),
  problem: Type.String(),
  detail: Type.String(),
  cookies: Type.Array(Type.String()),
});

export const IndexInfo = Open({ builtAt: Type.String(), buildMs: Type.Number() });
