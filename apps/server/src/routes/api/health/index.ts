import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MODEL_VERSION } from '@tracemap/model';
import { errorResponses } from '../../../errors';
import { SERVER_VERSION } from '../../../version';

const health: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '',
    {
      schema: {
        summary: 'Liveness, plus the OVS and OVN versions of the default host',
        tags: ['health'],
        response: {
          200: Type.Object({
            ok: Type.Boolean(),
            version: Type.String(),
            modelVersion: Type.Integer(),
            host: Type.String(),
            ovs: Type.Union([Type.String(), Type.Null()]),
            ovn: Type.Union([Type.String(), Type.Null()]),
            traces: Type.Integer(),
          }),
          ...errorResponses,
        },
      },
    },
    async () => {
      const target = app.hosts.get(undefined);
      const v = await app.hosts.versions(target);
      return { ok: true, version: SERVER_VERSION, modelVersion: MODEL_VERSION, host: target.name, ovs: v.ovs, ovn: v.ovn, traces: app.store.count() };
    },
  );
};
export default health;
