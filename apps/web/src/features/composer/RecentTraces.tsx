import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { tracesQuery } from '../../api/queries';
import { utcTime } from '../../components/time';
import { ProblemBox } from '../../components/ProblemBox';

export function RecentTraces() {
  const q = useQuery(tracesQuery(25));
  return (
    <aside className="recent" aria-label="Recent traces">
      <h2>Recent traces</h2>
      {q.isLoading && <p className="muted">loading…</p>}
      {q.error && <ProblemBox error={q.error} onRetry={() => void q.refetch()} />}
      {q.data && q.data.items.length === 0 && <p className="muted">None yet.</p>}
      <ul data-testid="recent-traces">
        {q.data?.items.map((t) => {
          const dropped = /drop/i.test(t.summary);
          return (
            <li key={t.id}>
              <Link to={`/t/${encodeURIComponent(t.id)}`}>
                <span className={dropped ? 'bad' : 'ok'} aria-hidden="true">
                  {dropped ? '✖' : '✔'}
                </span>{' '}
                <span className="summary">{t.summary}</span>
              </Link>
              <div className="muted small">
                {t.type}
                {t.host ? ` · ${t.host}` : ''} · {utcTime(t.createdAt)}
              </div>
            </li>
          );
        })}
      </ul>
    </aside>
  );
}
