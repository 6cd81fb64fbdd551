import { ApiError, problemFromBody } from './errors';

const TOKEN_KEY = 'tracemap.token';

export function getToken(): string {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

export function setToken(token: string): void {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    /* storage disabled: the token lives for this request only */
  }
}

export type Query = Record<string, string | number | undefined | null>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `${path}?${s}` : path;
}

/** fetch + JSON with kind-tagged errors (ApiError.problem). */
export async function apiFetch<T>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set('Accept', 'application/json');
  const token = getToken();
  if (token) headers.set('Authorization', `Bearer ${token}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('Content-Type', 'application/json');
    body = JSON.stringify(init.json);
  }
  return readApiResponse<T>(await fetch(path, { ...init, headers, body }));
}

/** A response's JSON, or its kind-tagged error (ApiError.problem). */
export async function readApiResponse<T>(res: Response): Promise<T> {
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    return fromParsed<T>({ status: res.status, ok: res.ok, text });
  }
  return fromParsed<T>({ status: res.status, ok: res.ok, data });
}

/** An answer already read: parsed JSON (`data`), or text that was not JSON. */
export interface ParsedResponse {
  status: number;
  ok: boolean;
  data?: unknown;
  text?: string;
}

function fromParsed<T>(r: ParsedResponse): T {
  if (r.text !== undefined && r.ok) throw new ApiError({ kind: 'bad-response', status: r.status, message: `not JSON: ${r.text.slice(0, 120)}` });
  if (!r.ok) throw new ApiError(problemFromBody(r.status, r.data ?? null));
  return r.data as T;
}

declare global {
  interface Window {
    /** Started by the inline script in index.html for a /t/:id page, before the app's bundle loads. */
    __tracemapPrefetch?: { path: string; result: Promise<ParsedResponse> };
  }
}

/**
 * The GET of `path` that index.html started (and parsed) while the bundle was loading, taken
 * once (a refetch asks again). On a permalink the trace request and its JSON parse then overlap
 * loading and starting the app instead of following it.
 */
export async function prefetchedOr<T>(path: string, init: RequestInit = {}): Promise<T> {
  const pre = typeof window !== 'undefined' ? window.__tracemapPrefetch : undefined;
  if (pre && pre.path === path) {
    window.__tracemapPrefetch = undefined;
    const r = await pre.result.catch(() => null);
    if (r) {
      performance.mark('tracemap:trace-parsed');
      return fromParsed<T>(r);
    }
  }
  return apiFetch<T>(path, init);
}
