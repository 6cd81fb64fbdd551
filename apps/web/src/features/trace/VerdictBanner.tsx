import type { ReactNode } from 'react';
import type { VerdictView } from './verdict-text';

export function VerdictBanner({ v, onShowDrop, children }: { v: VerdictView; onShowDrop?: () => void; children?: ReactNode }) {
  return (
    <div className={`verdict ${v.dropped ? 'dropped' : 'delivered'}`} data-testid="verdict" data-dropped={v.dropped ? 'true' : 'false'} role="status">
      <span className="verdict-icon" aria-hidden="true">
        {v.dropped ? '✖' : '✔'}
      </span>
      <div className="verdict-body">
        <div className="verdict-head">
          <span className="sr-only">{v.dropped ? 'Verdict: dropped. ' : 'Verdict: delivered. '}</span>
          {v.headline}
          {v.reason && <span className="verdict-reason">: {v.reason}</span>}
        </div>
        {v.notes.length > 0 && <div className="verdict-notes">{v.notes.join(' · ')}</div>}
        {v.disagreement && (
          <div className="verdict-disagree" data-testid="disagreement">
            <span aria-hidden="true">≠</span> The logical and physical traces disagree: {v.disagreement}
          </div>
        )}
      </div>
      {v.dropped && onShowDrop && (
        <button type="button" onClick={onShowDrop}>
          Show the drop
        </button>
      )}
      {children}
    </div>
  );
}
