/**
 * Wire types of the HTTP API (docs/api.md) that both apps/server and apps/web speak; the server's
 * TypeBox schemas describe the same shapes for validation and OpenAPI.
 */

export interface InventoryPort {
  name: string;
  ofport: number | null;
  ifaceId?: string;
  type: string;
  /** Patch ports: the peer interface. */
  peer?: string;
}

/** GET /api/inventory */
export interface Inventory {
  host: string;
  bridges: { name: string; ports: InventoryPort[] }[];
  switches: {
    name: string;
    uuid: string;
    tunnelKey?: number;
    ports: { name: string; type: string; addresses: string[]; tunnelKey?: number; parent?: string; tag?: number }[];
  }[];
  routers: { name: string; uuid: string; ports: { name: string; mac: string; networks: string[] }[] }[];
  chassis: { name: string; hostname: string; encaps: { type: string; ip: string }[] }[];
  /** What could not be read (a database not configured or not reachable). */
  warnings: string[];
  builtAt: string;
  buildMs: number;
}

export const CaptureIfaceKind = { ovsPort: 'ovs-port', vm: 'vm' } as const;
export type CaptureIfaceKind = (typeof CaptureIfaceKind)[keyof typeof CaptureIfaceKind];

/** One capturable interface of GET /api/captures/interfaces. */
export interface CaptureInterface {
  /** Interface name where tcpdump runs ("rt-vm1" on the OVS side, "eth0" inside a VM). */
  iface: string;
  /** Network namespace tcpdump runs in; absent = the host's root namespace. */
  namespace?: string;
  kind: CaptureIfaceKind;
  /** The OVS interface a packet seen here enters the bridge by: the in_port to trace it from. */
  port: string;
  bridge: string;
  ofport: number | null;
  mac?: string;
  up: boolean;
}

export interface CaptureListing {
  host: string;
  available: boolean;
  /** Why nothing can be captured (dummy sandbox, host not reachable). */
  reason?: string;
  /** ovs-vswitchd's network namespace; null = the root namespace. */
  vswitchdNamespace: string | null;
  interfaces: CaptureInterface[];
  warnings: string[];
}

/** The first message a client sends on the capture WebSocket (/api/captures/ws). */
export interface CaptureRequest {
  host?: string;
  iface: string;
  namespace?: string;
  filter?: string;
  count?: number;
  seconds?: number;
}
