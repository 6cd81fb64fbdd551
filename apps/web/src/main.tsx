import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from 'react-router-dom';
import { ApiError } from './api/errors';
import { router } from './router';
import { traceKeys } from './api/queries';
import type { TraceRecord } from './api/types';
import './styles.css';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      refetchOnWindowFocus: false,
      // A 4xx will not get better by asking again.
      retry: (count, err) => !(err instanceof ApiError && (err.problem.status ?? 500) < 500) && count < 2,
    },
  },
});

/**
 * On a permalink, the trace that index.html requested (and parsed) while the bundle loaded is put
 * in the cache before the first render when it is there within a moment: the first commit then
 * draws the trace, instead of a "Loading" page and a second pass after the query resolves.
 */
async function seedPermalink(): Promise<void> {
  const pre = window.__tracemapPrefetch;
  const m = /^\/t\/([^/]+)$/.exec(window.location.pathname);
  if (!pre || !m) return;
  const r = await Promise.race([pre.result.catch(() => null), new Promise<null>((res) => setTimeout(() => res(null), 250))]);
  if (!r?.ok || r.data === undefined || r.data === null) return; // errors and slow answers go through the query
  window.__tracemapPrefetch = undefined;
  performance.mark('tracemap:trace-parsed');
  queryClient.setQueryData(traceKeys.detail(decodeURIComponent(m[1]!)), r.data as TraceRecord);
}

void seedPermalink().finally(() =>
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </StrictMode>,
  ),
);
