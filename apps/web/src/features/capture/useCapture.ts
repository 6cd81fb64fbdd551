import { getToken } from '../../api/client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { captureSocketUrl, type CaptureErrorKind, type CaptureEvent, type CapturedPacket, type CaptureStart } from './capture-api';

type Started = Extract<CaptureEvent, { type: 'started' }>;
type Ended = Extract<CaptureEvent, { type: 'ended' }>;

export interface CaptureProblem {
  kind: CaptureErrorKind;
  message: string;
  where?: string;
  output?: string;
}

export interface CaptureState {
  phase: 'idle' | 'starting' | 'running' | 'ended' | 'failed';
  started?: Started;
  packets: CapturedPacket[];
  info: string[];
  ended?: Ended;
  problem?: CaptureProblem;
}

const IDLE: CaptureState = { phase: 'idle', packets: [], info: [] };

/**
 * One WebSocket per capture: opened by start(), closed by stop(), by the next start() and on
 * unmount, so closing the tab or leaving the page ends the capture on the server too.
 */
export function useCapture() {
  const [state, setState] = useState<CaptureState>(IDLE);
  const ws = useRef<WebSocket | null>(null);

  const close = useCallback(() => {
    const s = ws.current;
    ws.current = null;
    if (s && s.readyState <= WebSocket.OPEN) s.close();
  }, []);

  useEffect(() => close, [close]);

  const start = useCallback(
    (req: CaptureStart) => {
      close();
      setState({ ...IDLE, phase: 'starting' });
      const token = getToken();
      // Browsers cannot send an Authorization header on a WebSocket: the server takes the token
      // as a hex-encoded subprotocol on this one route.
      const s = token ? new WebSocket(captureSocketUrl(), [`tracemap.bearer.${toHex(token)}`]) : new WebSocket(captureSocketUrl());
      ws.current = s;
      const mine = (f: (st: CaptureState) => CaptureState) => setState((st) => (ws.current === s ? f(st) : st));
      s.onopen = () => s.send(JSON.stringify(req));
      s.onmessage = (m) => {
        let e: CaptureEvent;
        try {
          e = JSON.parse(String(m.data)) as CaptureEvent;
        } catch {
          return;
        }
        switch (e.type) {
          case 'started':
            mine((st) => ({ ...st, phase: 'running', started: e }));
            break;
          case 'packet':
            mine((st) => ({ ...st, packets: [...st.packets, e] }));
            break;
          case 'info':
            mine((st) => ({ ...st, info: [...st.info.slice(-20), e.text] }));
            break;
          case 'ended':
            mine((st) => ({ ...st, phase: 'ended', ended: e }));
            s.close();
            break;
          case 'error': {
            const problem: CaptureProblem = { kind: e.kind, message: e.message };
            if (e.where) problem.where = e.where;
            if (e.output) problem.output = e.output;
            mine((st) => ({ ...st, phase: 'failed', problem }));
            s.close();
            break;
          }
        }
      };
      s.onerror = () => mine((st) => (st.phase === 'starting' || st.phase === 'running' ? { ...st, phase: 'failed', problem: { kind: 'network', message: 'the capture connection failed (is the server reachable?)' } } : st));
      s.onclose = () => mine((st) => (st.phase === 'starting' || st.phase === 'running' ? { ...st, phase: 'ended', ended: st.ended ?? { type: 'ended', reason: 'closed', packets: st.packets.length, bytes: 0, durationMs: 0, exitCode: null, message: 'the connection closed' } } : st));
    },
    [close],
  );

  const stop = useCallback(() => {
    const s = ws.current;
    if (s && s.readyState === WebSocket.OPEN) s.send(JSON.stringify({ type: 'stop' }));
    else close();
  }, [close]);

  return { state, start, stop, running: state.phase === 'starting' || state.phase === 'running' };
}

const toHex = (s: string) => Array.from(new TextEncoder().encode(s), (b) => b.toString(16).padStart(2, '0')).join('');
