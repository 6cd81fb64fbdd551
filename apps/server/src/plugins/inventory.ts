import fp from 'fastify-plugin';
import type { Inventory, InventoryPort } from '@tracemap/model';
import type { Target } from '@tracemap/host';
import { sslArgs } from '@tracemap/host';
import { HostCache } from '../services/cache';
import { mapOf, numOf, parseDump, setOf, strOf, strings, uuidOf, type Row } from '../services/ovsdb';

export type { Inventory, InventoryPort } from '@tracemap/model';

export interface InventoryService {
  get(target: Target, refresh?: boolean): Promise<Inventory>;
}

declare module 'fastify' {
  interface FastifyInstance {
    inventory: InventoryService;
  }
}

const NB_TABLES: [string, string[]][] = [
  ['Logical_Switch', ['_uuid', 'name', 'ports']],
  ['Logical_Switch_Port', ['_uuid', 'name', 'type', 'addresses', 'parent_name', 'tag', 'options']],
  ['Logical_Router', ['_uuid', 'name', 'ports']],
  ['Logical_Router_Port', ['_uuid', 'name', 'mac', 'networks']],
];
const SB_TABLES: [string, string[]][] = [
  ['Chassis', ['_uuid', 'name', 'hostname', 'encaps']],
  ['Encap', ['_uuid', 'type', 'ip']],
  ['Port_Binding', ['logical_port', 'tunnel_key', 'datapath']],
  ['Datapath_Binding', ['_uuid', 'tunnel_key', 'external_ids']],
];

export const inventoryPlugin = fp(
  async (app) => {
    const cfg = app.config;
    const dump = async (target: Target, server: string | undefined, db: string, tables: [string, string[]][], warnings: string[]) => {
      if (!server) {
        warnings.push(`${db}: no connection configured for host ${target.name}`);
        return new Map<string, Row[]>();
      }
      const texts = await Promise.all(
        tables.map(async ([table, cols]) => {
          const r = await app.hosts.run(target, ['ovsdb-client', ...sslArgs(target), '-f', 'json', 'dump', server, db, table, ...cols], { timeoutMs: cfg.timeouts.indexMs });
          if (r.exitCode !== 0) {
            warnings.push(`${db} ${table}: ${r.timedOut ? 'timed out' : r.stderr.trim().slice(0, 300)}`);
            return '';
          }
          return r.stdout;
        }),
      );
      return parseDump(texts.join('\n'));
    };

    const build = async (target: Target): Promise<Inventory> => {
      const t0 = performance.now();
      const warnings: string[] = [];
      const [ovs, nb, sb] = await Promise.all([
        dump(target, target.ovsDb, 'Open_vSwitch', [['Bridge', ['_uuid', 'name', 'ports']], ['Port', ['_uuid', 'name', 'interfaces']], ['Interface', ['_uuid', 'name', 'ofport', 'external_ids', 'type', 'options']]], warnings),
        dump(target, target.ovnNb, 'OVN_Northbound', NB_TABLES, warnings),
        dump(target, target.ovnSb, 'OVN_Southbound', SB_TABLES, warnings),
      ]);
      const ifaces = new Map((ovs.get('Interface') ?? []).map((r) => [uuidOf(r._uuid)!, r]));
      const ports = new Map((ovs.get('Port') ?? []).map((r) => [uuidOf(r._uuid)!, r]));
      const bridges = (ovs.get('Bridge') ?? [])
        .map((b) => ({
          name: strOf(b.name) ?? '',
          ports: setOf(b.ports)
            .flatMap((p) => setOf(ports.get(uuidOf(p) ?? '')?.interfaces))
            .map((i) => ifaces.get(uuidOf(i) ?? ''))
            .filter((r): r is Row => !!r)
            .map((r) => {
              const ids = mapOf(r.external_ids);
              const ofport = numOf(r.ofport);
              const port: InventoryPort = { name: strOf(r.name) ?? '', ofport: ofport ?? null, type: strOf(r.type) || 'system' };
              if (ids['iface-id']) port.ifaceId = ids['iface-id'];
              const peer = mapOf(r.options).peer;
              if (peer) port.peer = peer;
              return port;
            })
            .sort((a, b) => a.name.localeCompare(b.name)),
        }))
        .sort((a, b) => a.name.localeCompare(b.name));

      const pbKey = new Map((sb.get('Port_Binding') ?? []).map((r) => [strOf(r.logical_port) ?? '', numOf(r.tunnel_key)]));
      const dpKey = new Map(
        (sb.get('Datapath_Binding') ?? []).map((r) => {
          const ids = mapOf(r.external_ids);
          return [ids['logical-switch'] ?? ids['logical-router'] ?? '', numOf(r.tunnel_key)];
        }),
      );
      const lsps = new Map((nb.get('Logical_Switch_Port') ?? []).map((r) => [uuidOf(r._uuid)!, r]));
      const switches = (nb.get('Logical_Switch') ?? [])
        .map((s) => {
          const uuid = uuidOf(s._uuid) ?? '';
          const sw: Inventory['switches'][number] = {
            name: strOf(s.name) ?? '',
            uuid,
            ports: setOf(s.ports)
              .map((p) => lsps.get(uuidOf(p) ?? ''))
              .filter((r): r is Row => !!r)
              .map((r) => {
                const name = strOf(r.name) ?? '';
                const port: Inventory['switches'][number]['ports'][number] = { name, type: strOf(r.type) ?? '', addresses: strings(r.addresses) };
                const key = pbKey.get(name);
                if (key !== undefined) port.tunnelKey = key;
                const parent = strOf(r.parent_name);
                if (parent) port.parent = parent;
                const tag = numOf(r.tag);
                if (tag !== undefined) port.tag = tag;
                return port;
              })
              .sort((a, b) => a.name.localeCompare(b.name)),
          };
          const k = dpKey.get(uuid);
          if (k !== undefined) sw.tunnelKey = k;
          return sw;
        })
        .sort((a, b) => a.name.localeCompare(b.name));
      const lrps = new Map((nb.get('Logical_Router_Port') ?? []).map((r) => [uuidOf(r._uuid)!, r]));
      const routers = (nb.get('Logical_Router') ?? [])
        .map((r) => ({
          name: strOf(r.name) ?? '',
          uuid: uuidOf(r._uuid) ?? '',
          ports: setOf(r.ports)
            .map((p) => lrps.get(uuidOf(p) ?? ''))
            .filter((x): x is Row => !!x)
            .map((x) => ({ name: strOf(x.name) ?? '', mac: strOf(x.mac) ?? '', networks: strings(x.networks) })),
        }))
        .sort((a, b) => a.name.localeCompare(b.name));
      const encaps = new Map((sb.get('Encap') ?? []).map((r) => [uuidOf(r._uuid)!, r]));
      const chassis = (sb.get('Chassis') ?? []).map((c) => ({
        name: strOf(c.name) ?? '',
        hostname: strOf(c.hostname) ?? '',
        encaps: setOf(c.encaps)
          .map((e) => encaps.get(uuidOf(e) ?? ''))
          .filter((x): x is Row => !!x)
          .map((e) => ({ type: strOf(e.type) ?? '', ip: strOf(e.ip) ?? '' })),
      }));
      return { host: target.name, bridges, switches, routers, chassis, warnings, builtAt: new Date().toISOString(), buildMs: Math.round(performance.now() - t0) };
    };

    const cache = new HostCache<Inventory>(Math.min(cfg.indexTtlMs, 30_000), (name) => build(app.hosts.get(name)));
    app.decorate('inventory', {
      get: async (target: Target, refresh = false) => (await cache.get(target.name, refresh)).value,
    } satisfies InventoryService);
  },
  { name: 'inventory', dependencies: ['config', 'hosts'] },
);
