/*
 * Live capture (GET /api/captures/interfaces, WebSocket /api/captures/ws): the wire types, the
 * query options for the interface list, and the socket URL. Mirrors apps/server's capture plugin.
 */
import { queryOptions } from '@tanstack/react-query';
import type { CaptureInterface, CaptureListing as ModelCaptureListing, CaptureRequest } from '@tracemap/model';
import { apiFetch, withQuery } from '../../api/client';

export type { CaptureInterface };

/** The route adds its caps to the service's listing. */
export interface CaptureListing extends ModelCaptureListing {
  limits: { maxCount: number; defaultCount: number; defaultSeconds: number; maxSeconds: number; maxBytes: number };
}

/** The socket's opening message (the server's CaptureRequest). */
export type CaptureStart = CaptureRequest;

export type CaptureErrorKind = 'bad-request' | 'not-found' | 'bad-filter' | 'busy' | 'limit' | 'unavailable' | 'tool-failed' | 'internal' | 'network';

export type CaptureEvent =
  | { type: 'started'; id: string; host: string; iface: string; namespace?: string; inPort: string; filter: string; count: number; seconds: number; argv: string[] }
  | { type: 'packet'; index: number; text: string; hex: string; summary: string; tcpdump?: string; timestamp?: string; length: number; diagnostics: string[] }
  | { type: 'info'; text: string }
  | { type: 'ended'; reason: 'count' | 'time' | 'bytes' | 'stopped' | 'closed' | 'server-closing' | 'exited'; packets: number; bytes: number; durationMs: number; exitCode: number | null; message: string }
  | { type: 'error'; kind: CaptureErrorKind; message: string; where?: string; output?: string };

export type CapturedPacket = Extract<CaptureEvent, { type: 'packet' }>;

export const captureKeys = {
  all: ['captures'] as const,
  interfaces: (host: string) => [...captureKeys.all, 'interfaces', host] as const,
};

export function captureInterfacesQuery(host: string) {
  return queryOptions({
    queryKey: captureKeys.interfaces(host),
    queryFn: ({ signal }) => apiFetch<CaptureListing>(withQuery('/api/captures/interfaces', { host }), { signal }),
    staleTime: 15_000,
  });
}

export function captureSocketUrl(loc: Pick<Location, 'protocol' | 'host'> = window.location): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/api/captures/ws`;
}

/** "eth0 in tm-rt-vm1 (VM of rt-vm1)" / "rt-vm1 (br-int ofport 1)": how an interface reads in the picker. */
export function interfaceLabel(i: CaptureInterface): string {
  if (i.kind === 'vm') return `${i.iface} inside ${i.namespace} (VM side of ${i.port})${i.up ? '' : ' · down'}`;
  return `${i.iface} (${i.bridge} ofport ${i.ofport ?? '?'}${i.namespace ? `, netns ${i.namespace}` : ''})${i.up ? '' : ' · down'}`;
}

/** One value per interface for a <select>: "namespace|iface". */
export const interfaceKey = (i: Pick<CaptureInterface, 'iface' | 'namespace'>) => `${i.namespace ?? ''}|${i.iface}`;
