import { createContext, useContext } from 'react';

export interface HostState {
  /** '' until the host list has loaded: the server then uses its default host. */
  host: string;
  setHost: (h: string) => void;
}

export const HostContext = createContext<HostState>({ host: '', setHost: () => {} });

export function useHost(): HostState {
  return useContext(HostContext);
}
