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

/** An answer already read: parsed JSON (`data`), text that was not JSON (`text`), or a JSON body not parsed yet (`body`). */
export interface ParsedResponse {
  status: number;
  ok: boolean;
  data?: unknown;
  text?: string;
  body?: string;
}

function fromParsed<T>(r: ParsedResponse): T {
  if (r.body !== undefined) {
    try {
      return JSON.parse(r.body) as T;
    } catch {
      throw new ApiError({ kind: 'bad-response', status: r.status, message: `not JSON: ${r.body.slice(0, 120)}` });
    }
  }
  if (r.text !== undefined && r.ok) throw new ApiError({ kind: 'bad-response', status: r.status, message: `not JSON: ${r.text.slice(0, 120)}` });
  if (!r.ok) throw new ApiError(problemFromBody(r.status, r.data ?? null));
  return r.data as T;
}

declare global {
  interface Window {
    /** Started by the inline script in index.html for a /t/:id page, before the app's bundle loads: path -> answer. */
    __tracemapPrefetch?: Record<string, Promise<ParsedResponse>>;
  }
}

/** The answer index.html started for `path`, taken once (a refetch asks again), or undefined. */
export function takePrefetch(path: string): Promise<ParsedResponse> | undefined {
  const pre = typeof window !== 'undefined' ? window.__tracemapPrefetch : undefined;
  const p = pre?.[path];
  if (p) delete pre[path];
  return p;
}

/**
 * The GET of `path` that index.html started while the bundle was loading, or a new one. On a
 * permalink the requests (and the first view's parse) overlap loading and starting the app; a
 * body read but not parsed yet (the whole record) is parsed after the next paint, so the first
 * frame is not held up by megabytes of JSON.
 */
export async function prefetchedOr<T>(path: string, init: RequestInit = {}): Promise<T> {
  const pre = takePrefetch(path);
  const r = pre ? await pre.catch(() => null) : null;
  if (r) {
    if (r.body !== undefined) await afterPaint();
    return fromParsed<T>(r);
  }
  return apiFetch<T>(path, init);
}

/** Resolves after the browser has painted the current frame. */
export function afterPaint(): Promise<void> {
  return new Promise((res) => requestAnimationFrame(() => setTimeout(res, 0)));
}
