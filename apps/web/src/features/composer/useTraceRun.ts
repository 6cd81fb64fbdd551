import { useEffect, useRef, useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router-dom';
import { createTrace, traceKeys } from '../../api/queries';
import type { TraceRequest } from '../../api/types';

/**
 * POST /api/traces with a Cancel button: the AbortController lives for one run. On success the
 * record is put in the cache under its permalink key, so /t/:id renders without a second fetch.
 */
export function useTraceRun() {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const ctrl = useRef<AbortController | null>(null);
  const [startedAt, setStartedAt] = useState<number | null>(null);
  const [elapsed, setElapsed] = useState(0);

  const mutation = useMutation({
    mutationFn: (req: TraceRequest) => {
      ctrl.current?.abort();
      ctrl.current = new AbortController();
      setStartedAt(Date.now());
      return createTrace(req, ctrl.current.signal);
    },
    onSuccess: (res) => {
      qc.setQueryData(traceKeys.detail(res.id), res.trace);
      void qc.invalidateQueries({ queryKey: traceKeys.lists() });
      navigate(`/t/${encodeURIComponent(res.id)}`);
    },
    onSettled: () => setStartedAt(null),
  });

  useEffect(() => {
    if (startedAt === null) return;
    const t = setInterval(() => setElapsed(Date.now() - startedAt), 200);
    return () => clearInterval(t);
  }, [startedAt]);

  useEffect(() => () => ctrl.current?.abort(), []);

  return {
    run: (req: TraceRequest) => {
      setElapsed(0);
      mutation.mutate(req);
    },
    cancel: () => ctrl.current?.abort(),
    pending: mutation.isPending,
    error: mutation.error,
    reset: mutation.reset,
    elapsedMs: elapsed,
  };
}

export type TraceRun = ReturnType<typeof useTraceRun>;
