import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../../../errors';
import { Name } from '../../../validate';
import { CAPTURE_LIMITS, CaptureError, type CaptureEvent, type CaptureHandle } from '../../../plugins/capture';

const CaptureInterface = Type.Object({
  iface: Type.String({ description: 'interface tcpdump listens on' }),
  namespace: Type.Optional(Type.String({ description: 'network namespace it lives in; absent = root namespace' })),
  kind: Type.Union([Type.Literal('ovs-port'), Type.Literal('vm')], { description: 'ovs-port: the OVS side; vm: inside the VM namespace of `port`' }),
  port: Type.String({ description: 'the OVS interface a packet captured here enters by: the inPort for POST /api/traces {type:"packet"}' }),
  bridge: Type.String(),
  ofport: Type.Union([Type.Integer(), Type.Null()]),
  mac: Type.Optional(Type.String()),
  up: Type.Boolean(),
});

const Listing = Type.Object({
  host: Type.String(),
  available: Type.Boolean(),
  reason: Type.Optional(Type.String()),
  vswitchdNamespace: Type.Union([Type.String(), Type.Null()]),
  interfaces: Type.Array(CaptureInterface),
  warnings: Type.Array(Type.String()),
  limits: Type.Object({ maxCount: Type.Integer(), defaultCount: Type.Integer(), defaultSeconds: Type.Number(), maxSeconds: Type.Number(), maxBytes: Type.Integer() }),
});

/** What the browser sends on /api/captures/ws. */
const StartMessage = Type.Object(
  {
    type: Type.Optional(Type.Literal('start')),
    host: Type.Optional(Name()),
    iface: Type.String({ minLength: 1, maxLength: 15 }),
    namespace: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    filter: Type.Optional(Type.String({ maxLength: CAPTURE_LIMITS.maxFilterLength })),
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: CAPTURE_LIMITS.maxCount })),
    seconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: CAPTURE_LIMITS.maxSeconds })),
  },
  { additionalProperties: false },
);
const StopMessage = Type.Object({ type: Type.Literal('stop') }, { additionalProperties: false });
const startCheck = TypeCompiler.Compile(StartMessage);
const stopCheck = TypeCompiler.Compile(StopMessage);

/** What `ws` hands a message listener. */
type RawData = Buffer | ArrayBuffer | Buffer[];

type Parsed = { kind: 'start'; msg: Static<typeof StartMessage> } | { kind: 'stop' } | { kind: 'invalid'; message: string; where?: string };

/** One message -> start | stop | what is wrong and where ("count must be <= 1000"). */
function parseMessage(data: RawData): Parsed {
  let v: unknown;
  try {
    v = JSON.parse((Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString('utf8'));
  } catch {
    return { kind: 'invalid', message: 'send JSON: {"iface": "...", "namespace"?, "filter"?, "count"?, "seconds"?} or {"type": "stop"}' };
  }
  if (stopCheck.Check(v)) return { kind: 'stop' };
  if (startCheck.Check(v)) return { kind: 'start', msg: v };
  const e = startCheck.Errors(v).First();
  const where = e?.path.replace(/^\//, '').replace(/\//g, '.') || undefined;
  const out: Parsed = { kind: 'invalid', message: e ? `${where ?? 'message'}: ${e.message}` : 'not a capture message' };
  if (where) out.where = where;
  return out;
}

/** Who "one capture per interface per client" counts by: the peer address (injected sockets have none). */
function clientOf(req: { ip: string }): string {
  try {
    return req.ip || 'unknown';
  } catch {
    return 'unknown';
  }
}

const captures: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/interfaces',
    {
      schema: {
        summary: 'Interfaces live capture can listen on: OVS interfaces that are network devices, and VM namespaces (netns sandbox)',
        tags: ['captures'],
        querystring: Type.Object({ host: Type.Optional(Name()), refresh: Type.Optional(Type.Union([Type.Literal('1'), Type.Literal('true'), Type.Literal('0')])) }, { additionalProperties: false }),
        response: { 200: Listing, ...errorResponses },
      },
    },
    async (req) => {
      const target = app.hosts.get(req.query.host);
      const listing = await app.capture.interfaces(target, req.query.refresh === '1' || req.query.refresh === 'true');
      const { maxCount, defaultCount, defaultSeconds, maxSeconds, maxBytes } = CAPTURE_LIMITS;
      return { ...listing, limits: { maxCount, defaultCount, defaultSeconds, maxSeconds, maxBytes } };
    },
  );

  /*
   * One socket, one capture at a time: send a start message, receive started, packet*, then ended
   * (or error); send {"type":"stop"} to end it early. Closing the socket kills the capture.
   */
  app.get('/ws', { websocket: true }, (socket, req) => {
    const client = clientOf(req);
    let current: CaptureHandle | undefined;
    let starting = false;
    let closed = false;
    const send = (e: CaptureEvent) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(e));
    };
    socket.on('message', (data: RawData) => {
      const m = parseMessage(data);
      if (m.kind === 'invalid') {
        send({ type: 'error', kind: 'bad-request', message: m.message, ...(m.where ? { where: m.where } : {}) });
        return;
      }
      if (m.kind === 'stop') {
        void current?.stop('stopped');
        return;
      }
      if (current || starting) {
        send({ type: 'error', kind: 'busy', message: `this socket is already running capture ${current?.id ?? '(starting)'}: send {"type":"stop"} first, or open another socket` });
        return;
      }
      starting = true;
      const { type: _t, ...request } = m.msg;
      app.capture
        .start(request, client, send)
        .then(
          (h) => {
            current = h;
            void h.done.then(() => {
              if (current === h) current = undefined;
            });
            if (closed) void h.stop('closed');
          },
          (e: unknown) => {
            if (e instanceof CaptureError) send({ type: 'error', kind: e.kind, message: e.message, ...e.extra });
            else {
              req.log.error({ err: e }, 'capture failed to start');
              send({ type: 'error', kind: 'internal', message: `internal error: ${(e as Error).message}` });
            }
          },
        )
        .finally(() => {
          starting = false;
        });
    });
    socket.on('close', () => {
      closed = true;
      void current?.stop('closed');
    });
  });
};
export default captures;
