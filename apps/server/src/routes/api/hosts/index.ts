import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../../../errors';

const hosts: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '',
    {
      schema: {
        summary: 'Configured hosts (targets the tools run on)',
        tags: ['hosts'],
        response: {
          200: Type.Object({
            hosts: Type.Array(Type.Object({ name: Type.String(), kind: Type.String(), default: Type.Boolean(), bridge: Type.String() })),
          }),
          ...errorResponses,
        },
      },
    },
    async () => ({
      hosts: app.hosts.list().map((h) => ({ name: h.name, kind: h.kind, default: h.name === app.config.defaultHost, bridge: h.bridge })),
    }),
  );
};
export default hosts;
