/*
 * Errors are data: every failure the UI can show is an ApiProblem tagged with `kind`, built where
 * it happens (HTTP status, network, abort) and turned into words only at the edge (problemText).
 */
export const PROBLEM_KINDS = [
  'bad-request',
  'not-found',
  'tool-failed',
  'timeout',
  'unauthorized',
  'host-unreachable',
  'internal',
  'network',
  'aborted',
  'bad-response',
] as const;

export type ProblemKind = (typeof PROBLEM_KINDS)[number];

export interface ApiProblem {
  kind: ProblemKind;
  message: string;
  status?: number;
  where?: string;
  partialOutput?: string;
}

/** Thrown by the API client so TanStack Query can carry the problem; `problem` is the data. */
export class ApiError extends Error {
  readonly problem: ApiProblem;
  constructor(problem: ApiProblem) {
    super(problem.message);
    this.name = 'ApiError';
    this.problem = problem;
  }
}

function isKind(k: unknown): k is ProblemKind {
  return typeof k === 'string' && (PROBLEM_KINDS as readonly string[]).includes(k);
}

export function problemFromBody(status: number, body: unknown): ApiProblem {
  const e = (body as { error?: Record<string, unknown> } | null)?.error;
  const kind: ProblemKind = isKind(e?.kind)
    ? e.kind
    : status === 404
      ? 'not-found'
      : status === 401
        ? 'unauthorized'
        : status === 504
          ? 'timeout'
          : status >= 400 && status < 500
            ? 'bad-request'
            : 'internal';
  const p: ApiProblem = { kind, status, message: typeof e?.message === 'string' ? e.message : `HTTP ${status}` };
  if (typeof e?.where === 'string') p.where = e.where;
  if (typeof e?.partialOutput === 'string') p.partialOutput = e.partialOutput;
  return p;
}

export function toProblem(err: unknown): ApiProblem {
  if (err instanceof ApiError) return err.problem;
  if (err instanceof DOMException && err.name === 'AbortError') return { kind: 'aborted', message: 'cancelled' };
  if (err instanceof TypeError) return { kind: 'network', message: err.message };
  return { kind: 'internal', message: err instanceof Error ? err.message : String(err) };
}

const TITLES: Record<ProblemKind, string> = {
  'bad-request': 'The request was not accepted',
  'not-found': 'Not found',
  'tool-failed': 'The tool failed on the host',
  timeout: 'The tool did not finish in time',
  unauthorized: 'This server needs a token',
  'host-unreachable': 'The host could not be reached',
  internal: 'The server hit an internal error',
  network: 'Could not reach the tracemap server',
  aborted: 'Cancelled',
  'bad-response': 'The server sent something unexpected',
};

const HINTS: Partial<Record<ProblemKind, string>> = {
  unauthorized: 'Set the token (TRACEMAP_TOKEN) in the field at the top right.',
  network: 'Is `tracemap serve` running?',
  timeout: 'What the tool printed before it was stopped is shown below.',
  'host-unreachable': 'Check the host entry and its SSH access.',
};

/** Words for a problem: the one place kinds become text. */
export function problemText(p: ApiProblem): { title: string; detail: string; hint?: string } {
  const where = p.where ? ` (at ${p.where})` : '';
  const out: { title: string; detail: string; hint?: string } = { title: TITLES[p.kind], detail: `${p.message}${where}` };
  const hint = HINTS[p.kind];
  if (hint) out.hint = hint;
  return out;
}
