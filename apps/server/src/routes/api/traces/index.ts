import { Type, type Static } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiError, errorResponses, notFound } from '../../../errors';
import { requestSignal } from '../../../plugins/hosts';
import { TraceRecordSchema } from '../../../schemas';
import { CtFlags, Microflow, Name, OfFlow, PacketText } from '../../../validate';
import { ID_PATTERN } from '../../../plugins/store';
import { GzipCache, acceptsGzip } from '../../../services/gzip-cache';
import { firstView } from '../../../services/first-view';
import { importTrace, traceOfproto, traceOvn, tracePacket, type TraceBody } from '../../../services/traces';

const Host = Type.Optional(Name('a configured host name'));
const Annotate = Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('detrace'), Type.Literal('native'), Type.Literal('both')], { description: 'auto: ovn-detrace, falling back to tracemap\'s own index when it is missing or slow; both: run both and check they agree' }));
const Ct = Type.Optional(Type.Union([Type.Literal('new'), Type.Literal('est')], { description: 'conntrack state both tools assume at each recirculation / ct_next (default new)' }));

export const OvnTraceBody = Type.Object(
  {
    type: Type.Literal('ovn-trace'),
    host: Host,
    datapath: Name('a logical datapath (switch or router) name or UUID'),
    microflow: Microflow,
    format: Type.Optional(Type.Union([Type.Literal('detailed'), Type.Literal('summary'), Type.Literal('minimal'), Type.Literal('ovs')])),
    ct: Type.Optional(Type.Array(CtFlags, { maxItems: 8 })),
    friendlyNames: Type.Optional(Type.Boolean()),
    ovs: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export const OfprotoTraceBody = Type.Object(
  {
    type: Type.Literal('ofproto-trace'),
    host: Host,
    bridge: Type.Optional(Name('a bridge name')),
    inPort: Type.Union([Type.Integer({ minimum: 0, maximum: 65535 }), Name('an OpenFlow port number or interface name')]),
    packet: Type.Optional(PacketText),
    flow: Type.Optional(OfFlow),
    detrace: Type.Optional(Type.Boolean()),
    ct: Ct,
    annotate: Annotate,
  },
  { additionalProperties: false },
);
export const PacketTraceBody = Type.Object(
  {
    type: Type.Literal('packet'),
    host: Host,
    packet: PacketText,
    inPort: Name('an interface name on the host'),
    ct: Ct,
    annotate: Annotate,
  },
  { additionalProperties: false },
);
export const ImportBody = Type.Object(
  { type: Type.Literal('import'), text: Type.String({ minLength: 1, maxLength: 4_000_000, pattern: '^[^\\x00]*$', description: 'pasted output of ofproto/trace, ovn-detrace or ovn-trace (no NUL bytes)' }) },
  { additionalProperties: false },
);

/** oneOf + discriminator: ajv checks only the branch "type" names, so a 400 talks about that branch. */
const TraceRequest = Type.Unsafe<Static<typeof OvnTraceBody> | Static<typeof OfprotoTraceBody> | Static<typeof PacketTraceBody> | Static<typeof ImportBody>>({
  type: 'object',
  required: ['type'],
  discriminator: { propertyName: 'type' },
  oneOf: [OvnTraceBody, OfprotoTraceBody, PacketTraceBody, ImportBody],
});

const traces: FastifyPluginAsyncTypebox = async (app) => {
  // Permalink bodies, gzipped once: the newest (a trace just run is opened next) and the most
  // recently opened stay while they fit 64 MB (a 2,000-step trace is ~0.5 MB gzipped).
  const gzipped = new GzipCache(64 << 20);
  const toResponse = (id: string, createdAt: string, body: Record<string, unknown>) => ({ ...body, id, createdAt, url: `/t/${id}` });
  /**
   * JSON text made from trace `id` (null: no such trace), sent as it is; to a client that takes
   * gzip, the gzip made once under `key` (records never change).
   */
  const sendJsonText = async (acceptEncoding: string | string[] | undefined, reply: FastifyReply, id: string, key: string, make: () => string | null) => {
    reply.type('application/json; charset=utf-8').header('vary', 'accept-encoding');
    const gz = acceptsGzip(acceptEncoding);
    const body = gz ? await gzipped.get(key, make) : make();
    if (body === null) throw notFound(`no trace with id ${id}`, 'params.id');
    if (gz) reply.header('content-encoding', 'gzip');
    return reply.send(body as never);
  };

  app.post(
    '',
    {
      schema: {
        summary: 'Run a trace (ovn-trace, ofproto/trace + ovn-detrace, a packet through both) or import pasted output; stores it under a permalink',
        tags: ['traces'],
        body: TraceRequest,
        response: { 201: Type.Object({ id: Type.String(), url: Type.String(), trace: TraceRecordSchema }), ...errorResponses },
      },
    },
    async (req, reply) => {
      // A client that goes away (Cancel in the web app) stops the run: its tools are killed
      // (requestSignal) and nothing is stored.
      const ctrl = new AbortController();
      const gone = () => {
        if (!reply.raw.writableEnded) ctrl.abort();
      };
      reply.raw.on('close', gone);
      try {
        const body = await requestSignal.run(ctrl.signal, () => runTrace(req.body));
        if (ctrl.signal.aborted) throw new ApiError('cancelled', 'the client went away before the trace finished; nothing was stored');
        const createdAt = new Date().toISOString();
        const stored = app.store.insert({ type: body.type, host: body.host ?? null, summary: body.verdict.summary, createdAt }, (id) => toResponse(id, createdAt, body as unknown as Record<string, unknown>));
        void gzipped.get(stored.id, () => stored.text).catch(() => {});
        // After the answer: the page opens the permalink next and asks for its first view.
        setImmediate(() => {
          void gzipped.get(`view:${stored.id}`, () => JSON.stringify(firstView(stored.record))).catch(() => {});
          setImmediate(() => void gzipped.get(`view:c${stored.id}`, () => JSON.stringify(firstView(stored.record, true))).catch(() => {}));
        });
        return reply.status(201).send({ id: stored.id, url: `/t/${stored.id}`, trace: stored.record as never });
      } finally {
        reply.raw.off('close', gone);
      }
    },
  );

  async function runTrace(b: Static<typeof TraceRequest>): Promise<TraceBody> {
    switch (b.type) {
      case 'ovn-trace': {
        const { type: _t, host, ...r } = b;
        return traceOvn(app, app.hosts.get(host, 'body.host'), r);
      }
      case 'ofproto-trace': {
        const { type: _t, host, ...r } = b;
        return traceOfproto(app, app.hosts.get(host, 'body.host'), r);
      }
      case 'packet': {
        const { type: _t, host, ...r } = b;
        return tracePacket(app, app.hosts.get(host, 'body.host'), r);
      }
      case 'import':
        return importTrace(b.text);
    }
  }

  app.get(
    '/:id',
    {
      schema: {
        summary: 'A stored trace (the permalink\'s data)',
        tags: ['traces'],
        params: Type.Object({ id: Type.String({ pattern: ID_PATTERN, description: 'a 12-character trace id' }) }),
        response: { 200: TraceRecordSchema, ...errorResponses },
      },
    },
    // The stored JSON text goes out as is: parsing it and serializing it again through the
    // response schema cost ~70 ms for a 2,000-step trace (5 MB), for the same bytes.
    async (req, reply) => sendJsonText(req.headers['accept-encoding'], reply, req.params.id, req.params.id, () => app.store.getRaw(req.params.id)),
  );

  app.get(
    '/:id/view',
    {
      schema: {
        summary: 'What the permalink page draws first: the record without tool outputs and steps (light: true), the default graph and the comparison',
        tags: ['traces'],
        params: Type.Object({ id: Type.String({ pattern: ID_PATTERN, description: 'a 12-character trace id' }) }),
        querystring: Type.Object({ compact: Type.Optional(Type.Union([Type.Literal('1'), Type.Literal('0')], { description: '1: the OpenFlow graph with pass-through tables folded' })) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            record: TraceRecordSchema,
            compact: Type.Boolean(),
            graph: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
            sources: Type.Array(Type.String()),
            comparison: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
          }),
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      const compact = req.query.compact === '1';
      return sendJsonText(req.headers['accept-encoding'], reply, id, `view:${compact ? 'c' : ''}${id}`, () => {
        const raw = app.store.getRaw(id);
        return raw === null ? null : JSON.stringify(firstView(JSON.parse(raw) as Record<string, unknown>, compact));
      });
    },
  );

  app.get(
    '',
    {
      schema: {
        summary: 'Recent traces, newest first',
        tags: ['traces'],
        querystring: Type.Object(
          { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })), cursor: Type.Optional(Type.String({ pattern: '^[0-9a-z]{1,12}$', description: 'nextCursor of the previous page' })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(Type.Object({ id: Type.String(), type: Type.String(), createdAt: Type.String(), host: Type.Union([Type.String(), Type.Null()]), summary: Type.String() })),
            nextCursor: Type.Optional(Type.String()),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => app.store.list(req.query.limit ?? 50, req.query.cursor),
  );
};
export default traces;
