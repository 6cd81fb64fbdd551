import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from 'react-router-dom';
import { ApiError } from './api/errors';
import { router } from './router';
import { traceKeys, traceViewPath } from './api/queries';
import { takePrefetch } from './api/client';
import type { TraceFirstView } from './api/types';
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
 * On a permalink, the first view that index.html requested (and parsed) while the bundle loaded is
 * put in the cache before the first render when it is there within a moment: the first commit
 * then draws the verdict and the graph, instead of a "Loading" page and a second pass.
 */
async function seedPermalink(): Promise<void> {
  const m = /^\/t\/([^/]+)$/.exec(window.location.pathname);
  if (!m) return;
  const id = decodeURIComponent(m[1]!);
  const compact = new URLSearchParams(window.location.search).get('compact') === '1';
  const path = traceViewPath(id, compact);
  const pre = window.__tracemapPrefetch?.[path];
  if (!pre) return;
  const r = await Promise.race([pre.catch(() => null), new Promise<null>((res) => setTimeout(() => res(null), 250))]);
  if (!r?.ok || r.data === undefined || r.data === null) return; // errors and slow answers go through the query
  takePrefetch(path);
  performance.mark('tracemap:trace-parsed');
  queryClient.setQueryData(traceKeys.view(id, compact), r.data as TraceFirstView);
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
