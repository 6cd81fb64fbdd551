/*
 * `/flows?synthetic=500000`: rows made up on demand (nothing is allocated per row) so the
 * virtual list can be checked at scale without a host that has half a million logical flows.
 */
import type { LogicalFlow } from '@tracemap/model';

const STAGES = ['ls_in_check_port_sec', 'ls_in_apply_port_sec', 'ls_in_acl', 'ls_in_l2_lkup', 'ls_out_acl', 'lr_in_ip_routing', 'lr_in_arp_resolve'];

export function syntheticFlow(i: number): LogicalFlow {
  const stage = STAGES[i % STAGES.length]!;
  const hex = ((i * 2654435761) >>> 0).toString(16).padStart(8, '0');
  return {
    uuid: `${hex}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
    cookie: `0x${hex}`,
    datapath: `sw${i % 97}`,
    pipeline: stage.includes('_out_') ? 'egress' : 'ingress',
    table: i % 30,
    stage,
    priority: (i * 7) % 65535,
    match: `ip4.dst == 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255} && tcp.dst == ${i % 65535}`,
    actions: 'next;',
    line: i + 1,
  };
}
