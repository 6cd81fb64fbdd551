import { Type, type Static } from '@sinclair/typebox';

/** Error kinds of docs/api.md; turned into text at the edge, tagged data until then. */
export const ErrorKind = {
  badRequest: 'bad-request',
  notFound: 'not-found',
  toolFailed: 'tool-failed',
  timeout: 'timeout',
  unauthorized: 'unauthorized',
  hostUnreachable: 'host-unreachable',
  tooLarge: 'too-large',
  internal: 'internal',
  /** The client went away while its tools ran: they were killed and nothing was stored. */
  cancelled: 'cancelled',
} as const;
export type ErrorKind = (typeof ErrorKind)[keyof typeof ErrorKind];

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      kind: Type.String(),
      message: Type.String(),
      where: Type.Optional(Type.String()),
      partialOutput: Type.Optional(Type.String()),
      argv: Type.Optional(Type.Array(Type.String())),
    }),
  },
  { $id: 'ErrorBody', description: 'Every 4xx/5xx answer' },
);
export type ErrorBody = Static<typeof ErrorBody>;

const STATUS: Record<ErrorKind, number> = {
  'bad-request': 400,
  unauthorized: 401,
  'not-found': 404,
  'too-large': 413,
  'tool-failed': 422,
  cancelled: 499,
  internal: 500,
  'host-unreachable': 502,
  timeout: 504,
};

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly extra: { where?: string; partialOutput?: string; argv?: string[]; status?: number } = {},
  ) {
    super(message);
    this.status = extra.status ?? STATUS[kind];
  }
  body(): ErrorBody {
    const e: ErrorBody['error'] = { kind: this.kind, message: this.message };
    if (this.extra.where) e.where = this.extra.where;
    if (this.extra.partialOutput !== undefined) e.partialOutput = this.extra.partialOutput;
    if (this.extra.argv) e.argv = this.extra.argv;
    return { error: e };
  }
}

export const badRequest = (message: string, where?: string) => new ApiError('bad-request', message, where ? { where } : {});
export const notFound = (message: string, where?: string) => new ApiError('not-found', message, where ? { where } : {});

/** Every status a route can answer with an error, for route schemas. */
export const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  404: ErrorBody,
  413: ErrorBody,
  422: ErrorBody,
  499: ErrorBody,
  500: ErrorBody,
  502: ErrorBody,
  504: ErrorBody,
} as const;
