import { useEffect, useMemo, useState } from 'react';
import { NavLink, Outlet } from 'react-router-dom';
import { useQuery } from '@tanstack/react-query';
import { healthQuery, hostsQuery } from '../api/queries';
import { getToken, setToken } from '../api/client';
import { toProblem } from '../api/errors';
import { HostContext } from './useHost';
import { useTheme, type Theme } from './useTheme';

const HOST_KEY = 'tracemap.host';

export function AppLayout() {
  const hosts = useQuery(hostsQuery());
  const health = useQuery(healthQuery());
  const [host, setHostState] = useState<string>(() => {
    try {
      return localStorage.getItem(HOST_KEY) ?? '';
    } catch {
      return '';
    }
  });
  const [theme, setTheme] = useTheme();
  const [token, setTokenState] = useState(getToken);

  // Fall back to the server's default host when the remembered one is gone.
  useEffect(() => {
    const list = hosts.data?.hosts;
    if (!list?.length) return;
    if (!list.some((h) => h.name === host)) setHostState((list.find((h) => h.default) ?? list[0])!.name);
  }, [hosts.data, host]);

  const ctx = useMemo(
    () => ({
      host,
      setHost: (h: string) => {
        setHostState(h);
        try {
          localStorage.setItem(HOST_KEY, h);
        } catch {
          /* ignore */
        }
      },
    }),
    [host],
  );

  const unauthorized = hosts.error ? toProblem(hosts.error).kind === 'unauthorized' : false;
  const nextTheme: Record<Theme, Theme> = { system: 'dark', dark: 'light', light: 'system' };

  return (
    <HostContext.Provider value={ctx}>
      <div className="app">
        <header className="topbar">
          <NavLink to="/" className="brand" end>
            <svg width="18" height="18" viewBox="0 0 16 16" aria-hidden="true">
              <circle cx="3" cy="8" r="2.5" fill="var(--accent)" />
              <circle cx="13" cy="8" r="2.5" fill="var(--drop)" />
              <path d="M5 8h6" stroke="currentColor" strokeWidth="1.5" />
            </svg>
            tracemap
          </NavLink>
          <nav aria-label="Main">
            <NavLink to="/" end>
              Trace
            </NavLink>
            <NavLink to="/flows">Mappings</NavLink>
          </nav>
          <div className="spacer" />
          {health.data && (
            <span className="versions muted" title="Versions on the server's default host">
              OVS {health.data.ovs ?? '?'} · OVN {health.data.ovn ?? '?'}
            </span>
          )}
          <label className="hostpick">
            <span>Host</span>
            <select
              data-testid="host-picker"
              value={host}
              onChange={(e) => ctx.setHost(e.target.value)}
              disabled={!hosts.data?.hosts.length}
            >
              {!hosts.data?.hosts.length && <option value="">{hosts.isLoading ? 'loading…' : 'default'}</option>}
              {hosts.data?.hosts.map((h) => (
                <option key={h.name} value={h.name}>
                  {h.name} ({h.kind})
                </option>
              ))}
            </select>
          </label>
          {(unauthorized || token) && (
            <label className="hostpick">
              <span>Token</span>
              <input
                type="password"
                value={token}
                size={10}
                onChange={(e) => {
                  setTokenState(e.target.value);
                  setToken(e.target.value);
                }}
                onBlur={() => void hosts.refetch()}
              />
            </label>
          )}
          <button
            type="button"
            className="ghost"
            onClick={() => setTheme(nextTheme[theme])}
            aria-label={`Colour theme: ${theme}. Switch to ${nextTheme[theme]}`}
            title={`Theme: ${theme}`}
            data-testid="theme-toggle"
          >
            {theme === 'dark' ? '☾ dark' : theme === 'light' ? '☀ light' : '◐ auto'}
          </button>
        </header>
        <main>
          <Outlet />
        </main>
      </div>
    </HostContext.Provider>
  );
}
