import { ProblemBox } from '../../components/ProblemBox';
import { toProblem } from '../../api/errors';
import type { TraceRun } from './useTraceRun';

/** The Trace button, the pending state (elapsed time + Cancel) and the error of the last run. */
export function RunBar({ run, disabled, label = 'Trace', why }: { run: TraceRun; disabled?: boolean; label?: string; why?: string }) {
  const err = run.error && toProblem(run.error).kind !== 'aborted' ? run.error : null;
  const cancelled = run.error && toProblem(run.error).kind === 'aborted';
  return (
    <div className="runbar">
      <div className="row">
        <button type="submit" className="primary" disabled={disabled || run.pending} data-testid="trace-submit">
          {run.pending ? 'Tracing…' : label}
        </button>
        {run.pending && (
          <>
            <span className="progress" role="status" aria-live="polite" data-testid="trace-pending">
              <span className="spinner" aria-hidden="true" /> running on the host · {(run.elapsedMs / 1000).toFixed(1)} s
            </span>
            <button type="button" onClick={run.cancel} data-testid="trace-cancel">
              Cancel
            </button>
          </>
        )}
        {!run.pending && why && <span className="muted">{why}</span>}
        {cancelled && !run.pending && (
          <span className="muted" data-testid="trace-cancelled">
            Cancelled: the server stopped the tools it had started; nothing was stored.
          </span>
        )}
      </div>
      {err && !run.pending && <ProblemBox error={err} />}
    </div>
  );
}
