/*
 * One query-options factory per resource, and key factories so that every key is written once
 * (invalidate traceKeys.lists() after a new trace, read traceKeys.detail(id) for the permalink).
 */
import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query';
import type { BrokenConjunction } from '@tracemap/model';
import { apiFetch, prefetchedOr, withQuery } from './client';
import type {
  CreatedTrace,
  Health,
  Host,
  Inventory,
  LflowFilter,
  LflowOpenflow,
  LflowPage,
  LflowStats,
  OpenflowSearch,
  Page,
  TraceFirstView,
  TraceListItem,
  TraceRecord,
  TraceRequest,
} from './types';

export const healthKeys = { all: ['health'] as const };

export const hostKeys = {
  all: ['hosts'] as const,
  list: () => [...hostKeys.all, 'list'] as const,
};

export const inventoryKeys = {
  all: ['inventory'] as const,
  detail: (host: string) => [...inventoryKeys.all, host] as const,
};

export const traceKeys = {
  all: ['traces'] as const,
  lists: () => [...traceKeys.all, 'list'] as const,
  list: (limit: number) => [...traceKeys.lists(), { limit }] as const,
  details: () => [...traceKeys.all, 'detail'] as const,
  detail: (id: string) => [...traceKeys.details(), id] as const,
  view: (id: string, compact = false) => [...traceKeys.all, 'view', id, compact] as const,
};

export const lflowKeys = {
  all: ['lflows'] as const,
  lists: () => [...lflowKeys.all, 'list'] as const,
  list: (f: LflowFilter) => [...lflowKeys.lists(), f] as const,
  openflow: (uuid: string, host: string) => [...lflowKeys.all, 'openflow', uuid, host] as const,
  stats: (host: string) => [...lflowKeys.all, 'stats', host] as const,
};

export const conjunctionKeys = {
  all: ['conjunctions'] as const,
  detail: (host: string, fresh: boolean) => [...conjunctionKeys.all, host, { fresh }] as const,
};

export const openflowKeys = {
  all: ['openflow'] as const,
  search: (host: string, cookie: string) => [...openflowKeys.all, 'search', host, cookie] as const,
};

export function healthQuery() {
  return queryOptions({
    queryKey: healthKeys.all,
    queryFn: ({ signal }) => apiFetch<Health>('/api/health', { signal }),
    staleTime: 60_000,
  });
}

export function hostsQuery() {
  return queryOptions({
    queryKey: hostKeys.list(),
    queryFn: ({ signal }) => apiFetch<{ hosts: Host[] }>('/api/hosts', { signal }),
    staleTime: 60_000,
  });
}

export function inventoryQuery(host: string) {
  return queryOptions({
    queryKey: inventoryKeys.detail(host),
    queryFn: ({ signal }) => apiFetch<Inventory>(withQuery('/api/inventory', { host }), { signal }),
    staleTime: 30_000,
  });
}

export function traceQuery(id: string) {
  return queryOptions({
    queryKey: traceKeys.detail(id),
    queryFn: ({ signal }) => prefetchedOr<TraceRecord>(`/api/traces/${encodeURIComponent(id)}`, { signal }),
    // A stored trace never changes.
    staleTime: Infinity,
  });
}

export const traceViewPath = (id: string, compact = false) => `/api/traces/${encodeURIComponent(id)}/view${compact ? '?compact=1' : ''}`;

/** The permalink's first view (light record, default graph, comparison): small, drawn at once. */
export function traceViewQuery(id: string, compact = false) {
  return queryOptions({
    queryKey: traceKeys.view(id, compact),
    queryFn: ({ signal }) => prefetchedOr<TraceFirstView>(traceViewPath(id, compact), { signal }),
    staleTime: Infinity,
    retry: false,
  });
}

export function tracesQuery(limit = 20) {
  return queryOptions({
    queryKey: traceKeys.list(limit),
    queryFn: ({ signal }) => apiFetch<Page<TraceListItem>>(withQuery('/api/traces', { limit }), { signal }),
  });
}

export function createTrace(req: TraceRequest, signal?: AbortSignal): Promise<CreatedTrace> {
  return apiFetch<CreatedTrace>('/api/traces', { method: 'POST', json: req, ...(signal ? { signal } : {}) });
}

export const LFLOW_PAGE = 1000;

export function lflowsQuery(f: LflowFilter) {
  return infiniteQueryOptions({
    queryKey: lflowKeys.list(f),
    queryFn: ({ signal, pageParam }) =>
      apiFetch<LflowPage>(
        withQuery('/api/lflows', { ...f, pipeline: f.pipeline || undefined, cursor: pageParam, limit: LFLOW_PAGE }),
        { signal },
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor,
    staleTime: 30_000,
  });
}

export function lflowOpenflowQuery(uuid: string, host: string) {
  return queryOptions({
    queryKey: lflowKeys.openflow(uuid, host),
    queryFn: ({ signal }) =>
      apiFetch<LflowOpenflow>(withQuery(`/api/lflows/${encodeURIComponent(uuid)}/openflow`, { host }), { signal }),
  });
}

export function lflowStatsQuery(host: string) {
  return queryOptions({
    queryKey: lflowKeys.stats(host),
    queryFn: ({ signal }) => apiFetch<LflowStats>(withQuery('/api/stats/lflows', { host }), { signal }),
    staleTime: 30_000,
  });
}

/** `fresh`: have the server re-read the flow table instead of answering from its cached index. */
export function conjunctionsQuery(host: string, fresh = false) {
  return queryOptions({
    queryKey: conjunctionKeys.detail(host, fresh),
    queryFn: ({ signal }) =>
      apiFetch<{ broken: BrokenConjunction[]; flows: number; conjunctionFlows: number }>(
        withQuery('/api/conjunctions', { host, refresh: fresh ? '1' : undefined }),
        { signal },
      ),
    staleTime: 10_000,
  });
}

export function openflowByCookieQuery(host: string, cookie: string) {
  return queryOptions({
    queryKey: openflowKeys.search(host, cookie),
    queryFn: ({ signal }) => apiFetch<OpenflowSearch>(withQuery('/api/openflow', { host, cookie, limit: 200 }), { signal }),
  });
}
