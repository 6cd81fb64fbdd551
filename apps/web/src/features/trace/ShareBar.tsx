import { copyStateText, type useCopy } from '../../components/CopyArea';

/** `report` is null until the whole record is in (the first view has no tool outputs). */
export function ShareBar({ copy, permalink, report }: { copy: ReturnType<typeof useCopy>; permalink: string; report: (() => string) | null }) {
  return (
    <div className="share">
      <button type="button" onClick={() => void copy.copy('Permalink', permalink)} data-testid="copy-permalink">
        Copy permalink
      </button>
      <button type="button" onClick={() => report && void copy.copy('Bug report', report())} disabled={!report} data-testid="copy-bug-report">
        Copy for bug report
      </button>
      <span className="muted small" role="status" aria-live="polite" data-testid="copy-status">
        {copyStateText(copy.state)}
      </span>
    </div>
  );
}

export function ShareText({ copy }: { copy: ReturnType<typeof useCopy> }) {
  if (!copy.text) return null;
  return (
    <section className="share-text">
      <h3>{copy.state.kind !== 'idle' ? copy.state.what : 'Copied'} (as copied)</h3>
      <textarea className="code" readOnly value={copy.text} rows={Math.min(18, copy.text.split('\n').length + 1)} data-testid="share-text" onFocus={(e) => e.currentTarget.select()} />
    </section>
  );
}
