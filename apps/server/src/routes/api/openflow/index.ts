import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { OpenFlowFlow } from '@tracemap/model';
import { lflowCookie } from '@tracemap/parsers';
import { logicalFlowsForCookie } from '@tracemap/analysis';
import { errorResponses } from '../../../errors';
import { IndexInfo, LogicalFlowSchema, OpenFlowSchema } from '../../../schemas';
import { Name } from '../../../validate';
import { Cursor, Refresh, SearchText } from '../lflows/index';

const openflow: FastifyPluginAsyncTypebox = async (app) => {
  const matches = new WeakMap<object, Map<string, number[]>>();
  app.get(
    '',
    {
      schema: {
        summary: 'OpenFlow flows of the host\'s bridge, each with the logical flows behind its cookie',
        tags: ['mapping'],
        querystring: Type.Object(
          {
            host: Type.Optional(Name()),
            table: Type.Optional(Type.Integer({ minimum: 0, maximum: 255 })),
            cookie: Type.Optional(Type.String({ pattern: '^(0x)?[0-9a-fA-F]{1,16}$', description: 'an OpenFlow cookie in hex' })),
            q: SearchText,
            cursor: Cursor,
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
            refresh: Refresh,
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ items: Type.Array(Type.Object({ flow: OpenFlowSchema, lflows: Type.Array(LogicalFlowSchema) })), total: Type.Integer(), nextCursor: Type.Optional(Type.String()), index: IndexInfo }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const q = req.query;
      const target = app.hosts.get(q.host);
      const refresh = q.refresh === '1' || q.refresh === 'true';
      const [of, lf] = await Promise.all([app.flowIndex.openflow(target, refresh), app.flowIndex.logical(target, refresh).catch(() => undefined)]);
      const cookie = q.cookie ? lflowCookie(q.cookie) : undefined;
      // By cookie: straight from the index; otherwise a scan (1.8M flows scan in tens of ms).
      const source: OpenFlowFlow[] =
        cookie && cookie !== '0x00000000' ? (of.byCookie.get(cookie) ?? []) : q.table !== undefined ? (of.byTable.get(q.table) ?? []) : of.flows;
      const start = q.cursor ? Number(q.cursor) : 0;
      const limit = q.limit ?? 100;
      // The positions in `source` that match, found once per (index, filter): the next pages of
      // a text search over 1.8M flows are then a slice, not another scan.
      const key = `${q.table ?? ''}|${cookie ?? ''}|${q.q ?? ''}`;
      let memo = matches.get(of);
      if (!memo) matches.set(of, (memo = new Map()));
      let hits = memo.get(key);
      if (!hits) {
        hits = [];
        const { table, q: text } = q;
        for (let i = 0; i < source.length; i++) {
          const f = source[i]!;
          if ((table === undefined || f.table === table) && (!cookie || lflowCookie(f.cookie) === cookie) && (!text || f.match.includes(text) || f.actions.includes(text))) hits.push(i);
        }
        if (memo.size >= 16) memo.delete(memo.keys().next().value!);
        memo.set(key, hits);
      }
      const items = hits.slice(start, start + limit).map((i) => {
        const flow = source[i]!;
        return { flow, lflows: lf ? logicalFlowsForCookie(lf.index, flow.cookie) : [] };
      });
      const total = hits.length;
      const out: { items: typeof items; total: number; nextCursor?: string; index: { builtAt: string; buildMs: number; size: number; bridge: string } } = {
        items,
        total,
        index: { builtAt: of.builtAt, buildMs: of.buildMs, size: of.flows.length, bridge: of.bridge },
      };
      if (start + items.length < total) out.nextCursor = String(start + items.length);
      return out as never;
    },
  );
};
export default openflow;
