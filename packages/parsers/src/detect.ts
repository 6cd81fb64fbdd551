/**
 * Which tool printed a pasted text. Heuristics over the first ~200 lines: each kind has a table
 * of signals with weights; the best score wins, and ties go to the more specific kind.
 */
export type DetectedKind = 'ofproto-trace' | 'ovn-detrace' | 'ovn-trace' | 'dump-flows' | 'lflow-list' | 'packet' | 'unknown';

const SCAN_LINES = 200;

/**
 * A shell prompt with a command: "[root@central vagrant]# ovn-trace ...", "$ ovs-ofctl dump-flows br-int",
 * "# ovn-trace --summary ...", "user@host:~$ sudo ovs-appctl ofproto/trace ...".
 * Only prompts followed by a known tool count, so "# tcp,reg14=0x1,..." (ovn-trace's flow line) is not one.
 */
const TOOLS = String.raw`(?:sudo\s+(?:-\S+\s+)*)?(?:ovn-|ovs-|ovsdb-|ovn_|ovs_|kubectl|oc|docker|podman|ip\s|tcpdump|tshark|flow=|echo)\S*.*`;
/** "[root@central vagrant]# ...", "user@host:~$ ...", "$ ...": any command. A bare "#"/">" only before a known tool. */
const PROMPT = new RegExp(
  String.raw`^\s*(?:(?:\[[^\]
]{1,80}\]\s?[#$]|[\w.-]+@[\w.-]+(?::[^\s#$]*)?\s?[#$]|\$)\s+(\S.*)|[#%>]\s*(` + TOOLS + `))$`,
);

/** The command of a pasted shell prompt line, or null when the line is not one. */
export function matchShellPrompt(line: string): string | null {
  const m = PROMPT.exec(line);
  return m ? (m[1] ?? m[2] ?? '').trim() : null;
}

interface Signal {
  kind: Exclude<DetectedKind, 'unknown'>;
  re: RegExp;
  weight: number;
}

/** Order matters only for ties: earlier kinds are more specific. */
const KIND_ORDER: Exclude<DetectedKind, 'unknown'>[] = ['ovn-detrace', 'ovn-trace', 'ofproto-trace', 'lflow-list', 'dump-flows', 'packet'];

const SIGNALS: Signal[] = [
  // ofproto/trace: "Flow: in_port=1,...", "bridge(\"br-int\")", " 0. in_port=1, priority 100, cookie 0x43245c9", "Datapath actions: 2"
  { kind: 'ofproto-trace', re: /^Flow: /, weight: 5 },
  { kind: 'ofproto-trace', re: /^bridge\("[^"]*"\)\s*$/, weight: 5 },
  { kind: 'ofproto-trace', re: /^\s*\d+\. .*, priority \d+, cookie 0x[0-9a-f]+\s*$/, weight: 3 },
  { kind: 'ofproto-trace', re: /^(Final flow|Megaflow|Datapath actions): /, weight: 5 },
  { kind: 'ofproto-trace', re: /^\s*(resubmit|set_field|output|ct|load|move)\b.*$/, weight: 0.2 },
  { kind: 'ofproto-trace', re: /^\s*-> /, weight: 0.5 },
  // ovn-detrace: the same trace, annotated "  * Logical datapath: ...", "  * Logical flow: table=..."
  { kind: 'ovn-detrace', re: /^\s*\* Logical (datapath|flow|Switch Port|Router Port)\b/, weight: 12 },
  { kind: 'ovn-detrace', re: /^\s*\* (Port Binding|ACL|OVS Interface|Logical_Flow)\b/, weight: 6 },
  // ovn-trace: 'ingress(dp="sw0", inport="vm1")', " 0. ls_in_check_port_sec (northd.c:8432): 1, priority 50, uuid 0fdd57d3"
  { kind: 'ovn-trace', re: /^\s*(ingress|egress)\(dp=["\u201c\u201d]/, weight: 8 },
  { kind: 'ovn-trace', re: /^\s*multicast\(dp=/, weight: 5 },
  { kind: 'ovn-trace', re: /^\s*\d+\. [a-z_0-9]+(?: \([^)]*\))?: .*, priority \d+(, uuid [0-9a-f]+)?\s*$/, weight: 5 },
  { kind: 'ovn-trace', re: /^\s*\d+\. [a-z_0-9]+: no match \(implicit drop\)/, weight: 5 },
  { kind: 'ovn-trace', re: /^\s*ct_next\(ct_state=/, weight: 4 },
  { kind: 'ovn-trace', re: /^\s*output\(".*"\);\s*$/, weight: 6 },
  { kind: 'ovn-trace', re: /^\s*\/\* output to ".*", type ".*" \*\/;?\s*$/, weight: 5 },
  { kind: 'ovn-trace', re: /^# [a-z0-9_]+(?:,[a-z0-9_]+=\S*)+\s*$/, weight: 3 },
  // dump-flows: " cookie=0x0, duration=1.2s, table=0, n_packets=0, ... actions=drop", "NXST_FLOW reply (xid=0x4):"
  { kind: 'dump-flows', re: /^(NXST|OFPST)_FLOW reply\b/, weight: 10 },
  { kind: 'dump-flows', re: /^\s*cookie=0x[0-9a-f]+, (duration|priority|table)=.* actions=/, weight: 2 },
  { kind: 'dump-flows', re: /^\s*(table=\d+, )?priority=\d+.* actions=/, weight: 1 },
  // lflow-list: 'Datapath: "sw0" (uuid)  Pipeline: ingress', '  table=0 (ls_in_...), priority=100  , match=(...), action=(...)'
  { kind: 'lflow-list', re: /^Datapath: .*\(([0-9a-f-]{36})\)\s+Pipeline: (ingress|egress)\s*$/, weight: 10 },
  { kind: 'lflow-list', re: /^\s*(uuid=0x[0-9a-f]+, )?table=\s*\d+\s*\([^)]*\), priority=\s*\d+\s*, match=\(/, weight: 3 },
  { kind: 'lflow-list', re: /"caption":"Logical_Flow table"|"logical_datapath"|"Logical_Flow":/, weight: 10 },
  // packets: tcpdump -x/-X "\t0x0000:  4500 0054 ...", Wireshark "0000  00 00 ...", plain hex
  { kind: 'packet', re: /^\s*0x[0-9a-f]{4}:\s+[0-9a-f]{2,4}(\s+[0-9a-f]{2,4})+/i, weight: 3 },
  // Wireshark "0000   40 44 00 ..." (three spaces) and xxd "00000000: 4044 0000 ..." too
  { kind: 'packet', re: /^[0-9a-f]{4,8}:?\s{1,3}([0-9a-f]{2,4}\s){2,16}/i, weight: 2 },
  { kind: 'packet', re: /^\s*([0-9a-f]{2}[\s:]?){20,}\s*$/i, weight: 3 },
  { kind: 'packet', re: /^\d\d:\d\d:\d\d\.\d+ .*(>|ethertype|IP6?|ARP)/, weight: 2 },
];

export function detectKind(text: string): DetectedKind {
  const score = new Map<string, number>();
  let start = 0;
  for (let i = 0; i < SCAN_LINES && start <= text.length; i++) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).replace(/\r$/, '');
    start = end + 1;
    if (line.trim() === '' || matchShellPrompt(line) !== null) continue;
    for (const s of SIGNALS) {
      if (s.re.test(line)) score.set(s.kind, (score.get(s.kind) ?? 0) + s.weight);
    }
    if (end === text.length) break;
  }
  // ovn-detrace output is an ofproto/trace with annotations: decided after the others below.
  const detrace = score.get('ovn-detrace') ?? 0;
  score.delete('ovn-detrace');
  // ovn-trace --ovs lists OpenFlow flows ("cookie=0x...") under each stage: those are not a dump.
  if ((score.get('ovn-trace') ?? 0) >= 8) score.set('dump-flows', Math.min(score.get('dump-flows') ?? 0, 1));
  // lflow-list --ovs lists flows too.
  if ((score.get('lflow-list') ?? 0) >= 10) score.set('dump-flows', 0);
  let best: DetectedKind = 'unknown';
  let bestScore = 0;
  for (const k of KIND_ORDER) {
    const v = score.get(k) ?? 0;
    if (v > bestScore) {
      best = k;
      bestScore = v;
    }
  }
  if (detrace > 0 && (best === 'ofproto-trace' || (best === 'unknown' && detrace >= 12))) return 'ovn-detrace';
  return bestScore >= 2 ? best : 'unknown';
}
