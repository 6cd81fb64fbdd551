import fp from 'fastify-plugin';
import type { FastifyError } from 'fastify';
import { ApiError } from '../errors';

type AjvIssue = { instancePath?: string; keyword?: string; message?: string; params?: Record<string, unknown>; parentSchema?: { description?: string } };

/** `/microflow` + body -> "body.microflow" */
function whereOf(context: string, path: string | undefined, params?: Record<string, unknown>): string {
  const parts = (path ?? '').split('/').filter(Boolean);
  if (params?.missingProperty) parts.push(String(params.missingProperty));
  if (params?.additionalProperty) parts.push(String(params.additionalProperty));
  if (params?.tag) parts.push(String(params.tag));
  return [context, ...parts].join('.');
}

/** Every error leaves as {error: {kind, message, where?}}: validation = 400 saying what and where, never a 500. */
export const errorsPlugin = fp(
  async (app) => {
    app.setErrorHandler(async (error: FastifyError, req, reply) => {
      const err = error as unknown as FastifyError & { validation?: AjvIssue[]; validationContext?: string };
      if (err instanceof ApiError) return reply.status(err.status).send(err.body());
      if (err.validation) {
        const ctx = err.validationContext === 'querystring' ? 'query' : (err.validationContext ?? 'body');
        const issues = (err.validation as AjvIssue[]).map((v) => {
          const where = whereOf(ctx, v.instancePath, v.params);
          if (v.keyword === 'discriminator') return { where, text: `${where} must be one of "ovn-trace", "ofproto-trace", "packet", "import"` };
          const what = v.keyword === 'pattern' || v.keyword === 'maxLength' || v.keyword === 'minLength' ? (v.parentSchema?.description ? `must be ${v.parentSchema.description}` : v.message) : v.message;
          return { where, text: `${where} ${what ?? 'is not valid'}` };
        });
        const first = issues[0]!;
        return reply.status(400).send(new ApiError('bad-request', [...new Set(issues.map((i) => i.text))].slice(0, 4).join('; '), { where: first.where }).body());
      }
      const code = err.code ?? '';
      if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.status(413).send(new ApiError('too-large', `request body is larger than ${app.initialConfig.bodyLimit} bytes`, { where: 'body' }).body());
      if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return reply.status(415).send({ error: { kind: 'bad-request', message: `unsupported content type ${req.headers['content-type'] ?? ''}: send application/json`, where: 'headers.content-type' } });
      if (code.startsWith('FST_ERR_CTP') || (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)) {
        return reply.status(err.statusCode && err.statusCode < 500 ? err.statusCode : 400).send(new ApiError('bad-request', err.message, { where: 'body' }).body());
      }
      req.log.error({ err }, 'internal error');
      return reply.status(500).send(new ApiError('internal', `internal error: ${err.message}`).body());
    });
    app.setNotFoundHandler(async (req, reply) => reply.status(404).send(new ApiError('not-found', `no route ${req.method} ${req.url.split('?')[0]}`).body()));
  },
  { name: 'errors' },
);
