import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../../../errors';
import { BrokenConjunctionSchema, IndexInfo } from '../../../schemas';
import { Name } from '../../../validate';
import { Refresh } from '../lflows/index';

const conjunctions: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '',
    {
      schema: {
        summary: 'Broken conjunctive matches on the host\'s bridge (conj_id flows without clauses, clauses without a conj_id flow)',
        tags: ['mapping'],
        querystring: Type.Object({ host: Type.Optional(Name()), refresh: Refresh }, { additionalProperties: false }),
        response: {
          200: Type.Object({ broken: Type.Array(BrokenConjunctionSchema), flows: Type.Integer(), conjunctionFlows: Type.Integer(), clauseFlows: Type.Integer(), bridge: Type.String(), index: IndexInfo }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const target = app.hosts.get(req.query.host);
      const refresh = req.query.refresh === '1' || req.query.refresh === 'true';
      // Logical flows first, so the report can name the logical flows behind each cookie.
      await app.flowIndex.logical(target, refresh).catch(() => undefined);
      const of = await app.flowIndex.openflow(target, refresh);
      const c = of.conjunctions;
      return { broken: c.broken, flows: c.flows, conjunctionFlows: c.conjIdFlows, clauseFlows: c.clauseFlows, bridge: of.bridge, index: { builtAt: of.builtAt, buildMs: of.buildMs } } as never;
    },
  );
};
export default conjunctions;
