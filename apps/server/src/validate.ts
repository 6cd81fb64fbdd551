import { Type } from '@sinclair/typebox';
import { badRequest } from './errors';

/*
 * Every user string that reaches a tool is checked here and then passed as ONE argv element.
 * The patterns refuse what a tool could read as an option ("-t", "--help": getopt permutes, so an
 * option can hide after a positional) and anything outside the names OVS/OVN use. The
 * `description` is what a 400 says when the pattern fails.
 */

const NAME = '^[A-Za-z0-9_][A-Za-z0-9_.:@+/-]{0,254}$';
const NAME_DESC = 'a name of letters, digits and _ . : @ + / - (no spaces, not starting with "-"), at most 255 characters';

/** Bridge, interface, datapath, logical port, host names. */
export const Name = (what?: string) => Type.String({ pattern: NAME, minLength: 1, maxLength: 255, description: what ? `${what}: ${NAME_DESC}` : NAME_DESC });

export const Uuid = Type.String({
  pattern: '^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$|^(0x)?[0-9a-fA-F]{1,8}$',
  description: 'a logical flow UUID (or its first 8 hex digits, the OpenFlow cookie)',
});

/** OVN microflow expressions: printable text, no control characters, not option-like. */
export const Microflow = Type.String({
  pattern: '^[^\\x00-\\x1f\\x7f-][^\\x00-\\x1f\\x7f]{0,4095}$',
  minLength: 1,
  maxLength: 4096,
  description: 'an OVN microflow expression: printable characters only, not starting with "-", at most 4096 characters',
});

/** An OVS flow ("in_port=1,tcp,nw_dst=10.0.0.1"), for ofproto/trace BRIDGE FLOW. */
export const OfFlow = Type.String({
  pattern: '^[A-Za-z0-9_][A-Za-z0-9_=,.:/()\\[\\]|+*!x -]{0,4095}$',
  maxLength: 4096,
  description: 'an OVS flow such as "in_port=1,tcp,nw_dst=10.0.0.1": letters, digits and _ = , . : / ( ) [ ] | + * ! -, not starting with "-"',
});

/** Packet text: tcpdump -xx/-XX output or hex. It is decoded here; only tracemap's own hex reaches a tool. */
export const PacketText = Type.String({
  minLength: 1,
  maxLength: 1_000_000,
  pattern: '^[^\\x00]*$',
  description: 'tcpdump -xx/-XX text or hex digits (no NUL bytes)',
});

export const CT_FLAGS = ['trk', 'new', 'est', 'rel', 'rpl', 'inv', 'dnat', 'snat'] as const;
export const CtFlags = Type.String({
  pattern: `^(${CT_FLAGS.join('|')})([,|](${CT_FLAGS.join('|')}))*$`,
  maxLength: 64,
  description: `conntrack flags for ovn-trace --ct: ${CT_FLAGS.join(', ')}, comma separated`,
});

/** In-code double check for values that did not come through a route schema. */
export function assertName(value: string, where: string): string {
  if (!new RegExp(NAME).test(value)) throw badRequest(`${where} must be ${NAME_DESC}; got ${JSON.stringify(value.slice(0, 80))}`, where);
  return value;
}
