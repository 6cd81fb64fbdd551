import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { LogicalFlow } from '@tracemap/model';
import { parseDumpFlows, lflowCookie } from '@tracemap/parsers';
import { openFlowsForLogical } from '@tracemap/analysis';
import { errorResponses, notFound } from '../../../errors';
import { IndexInfo, LogicalFlowSchema, OpenFlowSchema } from '../../../schemas';
import { Name, Uuid } from '../../../validate';

export const Refresh = Type.Optional(Type.Union([Type.Literal('1'), Type.Literal('true'), Type.Literal('0')], { description: '1: rebuild the index now' }));
export const Cursor = Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$', description: 'nextCursor of the previous page' }));
export const SearchText = Type.Optional(Type.String({ maxLength: 500, pattern: '^[^\\x00-\\x1f]*$', description: 'substring of the match or actions (printable text, at most 500 characters)' }));
const isRefresh = (r?: string) => r === '1' || r === 'true';

export function lflowMatches(f: LogicalFlow, q: { datapath?: string; pipeline?: string; stage?: string; table?: number; q?: string }): boolean {
  if (q.datapath && f.datapath !== q.datapath && f.datapathUuid !== q.datapath && !f.datapaths?.includes(q.datapath)) return false;
  if (q.pipeline && f.pipeline !== q.pipeline) return false;
  if (q.stage && f.stage !== q.stage) return false;
  if (q.table !== undefined && f.table !== q.table) return false;
  if (q.q && !f.match.includes(q.q) && !f.actions.includes(q.q)) return false;
  return true;
}

const lflows: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '',
    {
      schema: {
        summary: 'Logical flows of a host (Southbound Logical_Flow) with their OpenFlow cookie',
        tags: ['mapping'],
        querystring: Type.Object(
          {
            host: Type.Optional(Name()),
            datapath: Type.Optional(Name('a datapath name or UUID')),
            pipeline: Type.Optional(Type.Union([Type.Literal('ingress'), Type.Literal('egress')])),
            stage: Type.Optional(Name('a stage name such as ls_in_acl')),
            table: Type.Optional(Type.Integer({ minimum: 0, maximum: 255 })),
            q: SearchText,
            cursor: Cursor,
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
            refresh: Refresh,
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(LogicalFlowSchema), total: Type.Integer(), nextCursor: Type.Optional(Type.String()), index: IndexInfo }), ...errorResponses },
      },
    },
    async (req) => {
      const q = req.query;
      const idx = await app.flowIndex.logical(app.hosts.get(q.host), isRefresh(q.refresh));
      const start = q.cursor ? Number(q.cursor) : 0;
      const limit = q.limit ?? 100;
      const items: LogicalFlow[] = [];
      let total = 0;
      for (const f of idx.flows) {
        if (!lflowMatches(f, q)) continue;
        if (total >= start && items.length < limit) items.push(f);
        total++;
      }
      const out: { items: LogicalFlow[]; total: number; nextCursor?: string; index: { builtAt: string; buildMs: number; size: number } } = {
        items,
        total,
        index: { builtAt: idx.builtAt, buildMs: idx.buildMs, size: idx.flows.length },
      };
      if (start + items.length < total) out.nextCursor = String(start + items.length);
      return out;
    },
  );

  app.get(
    '/:uuid/openflow',
    {
      schema: {
        summary: 'The OpenFlow flows ovn-controller installed for one logical flow, with live packet counters',
        tags: ['mapping'],
        params: Type.Object({ uuid: Uuid }),
        querystring: Type.Object({ host: Type.Optional(Name()), refresh: Refresh }, { additionalProperties: false }),
        response: { 200: Type.Object({ lflow: LogicalFlowSchema, lflows: Type.Array(LogicalFlowSchema), flows: Type.Array(OpenFlowSchema), live: Type.Boolean(), bridge: Type.String() }), ...errorResponses },
      },
    },
    async (req) => {
      const target = app.hosts.get(req.query.host);
      const idx = await app.flowIndex.logical(target, isRefresh(req.query.refresh));
      const key = req.params.uuid.toLowerCase();
      const lflow = key.includes('-') ? idx.byUuid.get(key) : idx.index.byCookie.get(lflowCookie(key))?.[0];
      if (!lflow) throw notFound(`no logical flow ${req.params.uuid} on host ${target.name}`, 'params.uuid');
      const cookie = lflowCookie(lflow.uuid ?? lflow.cookie ?? key);
      // Counters move: ask the switch for just this cookie (a few lines), fall back to the index.
      const r = await app.hosts.run(target, ['ovs-ofctl', 'dump-flows', target.bridge, `cookie=${cookie}/-1`], { timeoutMs: app.config.timeouts.lookupMs });
      let flows;
      let live = false;
      if (r.exitCode === 0) {
        flows = parseDumpFlows(r.stdout).value.flows;
        live = true;
      } else {
        flows = openFlowsForLogical((await app.flowIndex.openflow(target)).byCookie, lflow);
      }
      return { lflow, lflows: idx.index.byCookie.get(cookie) ?? [lflow], flows, live, bridge: target.bridge };
    },
  );
};
export default lflows;
