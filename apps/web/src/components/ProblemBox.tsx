import { problemText, toProblem } from '../api/errors';

/** The edge where kind-tagged problems become words. */
export function ProblemBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const p = toProblem(error);
  const t = problemText(p);
  return (
    <div className="problem" role="alert" data-kind={p.kind}>
      <div className="problem-title">
        <span aria-hidden="true">⚠</span> {t.title}
      </div>
      <div className="problem-detail">{t.detail}</div>
      {t.hint && <div className="problem-hint">{t.hint}</div>}
      {p.partialOutput && (
        <details>
          <summary>Output before it stopped</summary>
          <pre className="code">{p.partialOutput}</pre>
        </details>
      )}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}
