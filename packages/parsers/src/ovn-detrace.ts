import type { OfprotoTrace, ParseResult } from '@tracemap/model';
import { parseTraceText } from './ofproto-trace';

/**
 * Parses `ovn-detrace` output: the ofproto/trace text echoed line by line, with
 * annotation lines inserted after each flow block whose cookie names an OVN
 * record (utilities/ovn_detrace.py.in):
 *
 *   resubmit(,9)
 *     * Logical datapaths:
 *     *     "sw0" (7b0bc8ca-984b-4ff0-b9b5-4d14999016bb) [ingress]
 *     * Logical flow: table=1 (ls_in_apply_port_sec), priority=50, match=(reg0[15] == 1), actions=(drop;)
 *   9. reg0=0x8000/0x8000,metadata=0x1, priority 50, cookie 0xce03e49d
 *
 * The block is flushed when the NEXT table line (or a blank line) is read, so
 * annotations belong to the step they follow, not the one after them. OVN up
 * to 23.06 prints every echoed line with `line.strip()`, so call depth has to
 * come from the resubmit structure alone; later versions keep the indentation
 * and get the exact reconstruction. All of that lives in the shared trace
 * parser; this entry point only labels the result.
 */
export function parseOvnDetrace(text: string): ParseResult<OfprotoTrace> {
  return parseTraceText(text, { kind: 'ovn-detrace' });
}
