import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../../../errors';
import { Name } from '../../../validate';

const Port = Type.Object({ name: Type.String(), ofport: Type.Union([Type.Integer(), Type.Null()]), ifaceId: Type.Optional(Type.String()), type: Type.String(), peer: Type.Optional(Type.String()) });

const inventory: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '',
    {
      schema: {
        summary: 'Bridges and interfaces, logical switches, routers and ports, chassis of a host',
        tags: ['inventory'],
        querystring: Type.Object({ host: Type.Optional(Name()), refresh: Type.Optional(Type.Union([Type.Literal('1'), Type.Literal('true'), Type.Literal('0')])) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            host: Type.String(),
            bridges: Type.Array(Type.Object({ name: Type.String(), ports: Type.Array(Port) })),
            switches: Type.Array(
              Type.Object({
                name: Type.String(),
                uuid: Type.String(),
                tunnelKey: Type.Optional(Type.Integer()),
                ports: Type.Array(
                  Type.Object({
                    name: Type.String(),
                    type: Type.String(),
                    addresses: Type.Array(Type.String()),
                    tunnelKey: Type.Optional(Type.Integer()),
                    parent: Type.Optional(Type.String()),
                    tag: Type.Optional(Type.Integer()),
                  }),
                ),
              }),
            ),
            routers: Type.Array(Type.Object({ name: Type.String(), uuid: Type.String(), ports: Type.Array(Type.Object({ name: Type.String(), mac: Type.String(), networks: Type.Array(Type.String()) })) })),
            chassis: Type.Array(Type.Object({ name: Type.String(), hostname: Type.String(), encaps: Type.Array(Type.Object({ type: Type.String(), ip: Type.String() })) })),
            warnings: Type.Array(Type.String()),
            builtAt: Type.String(),
            buildMs: Type.Number(),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const target = app.hosts.get(req.query.host);
      return app.inventory.get(target, req.query.refresh === '1' || req.query.refresh === 'true');
    },
  );
};
export default inventory;
