import type { Sandbox } from './sandbox';
import type { ExamplePacket } from './packets';

/**
 * What the tools themselves say about an example packet, read as plainly as possible (the last
 * "Datapath actions:" line, ovn-trace --minimal's output() calls). The full parsers live in
 * @tracemap/parsers; this is the sandbox's own ground truth for its scenarios.
 */
export interface ToolVerdicts {
  ofproto: { dropped: boolean; outputs: string[]; datapathActions: string; text: string; argv: string[] };
  ovnTrace?: { dropped: boolean; outputs: string[]; text: string; argv: string[] };
}

/** Datapath port number -> interface name, from `ovs-appctl dpif/show`. */
export async function datapathPorts(sb: Sandbox): Promise<Map<number, string>> {
  const out = await sb.appctl('ovs-vswitchd', ['dpif/show']);
  const map = new Map<number, string>();
  // "    rt-vm1 2/3: (dummy)"  -> ofport 2, datapath port 3
  for (const m of out.matchAll(/^\s+(\S+) \d+\/(\d+):/gm)) map.set(Number(m[2]), m[1]!);
  return map;
}

export async function traceExample(sb: Sandbox, p: ExamplePacket): Promise<ToolVerdicts> {
  const argv = ['ovs-appctl', 'ofproto/trace', p.bridge, `in_port=${p.inPort}`, p.hex];
  const text = (await sb.tool(argv, 1, true)).stdout;
  const dpLines = [...text.matchAll(/^Datapath actions: (.*)$/gm)].map((m) => m[1]!);
  const last = dpLines.at(-1) ?? '';
  const ports = await datapathPorts(sb);
  const outputs = new Set<string>();
  // Top-level datapath port numbers are outputs ("3", "pop_vlan,3"; "ct(...),recirc(0x1)" is not),
  // and so is the tunnel port of a native tunnel push: "tnl_push(tnl_port(5),header(...),out_port(3)),4".
  for (const a of topLevel(last)) {
    const n = /^(\d+)$/.exec(a.trim());
    if (n) outputs.add(ports.get(Number(n[1])) ?? `dp:${n[1]}`);
    const t = /^tnl_push\(tnl_port\((\d+)\)/.exec(a.trim());
    if (t) outputs.add(ports.get(Number(t[1])) ?? `dp:${t[1]}`);
  }
  const ofproto = { dropped: outputs.size === 0, outputs: [...outputs].sort(), datapathActions: last, text, argv };
  if (!p.datapath || !p.microflow) return { ofproto };
  const targv = ['ovn-trace', `--db=${sb.env().OVN_SB_DB}`, '--minimal', p.datapath, p.microflow];
  const ttext = (await sb.tool(targv, 1, true)).stdout;
  const touts = [...new Set([...ttext.matchAll(/output\("([^"]+)"\)/g)].map((m) => m[1]!))].sort();
  return { ofproto, ovnTrace: { dropped: touts.length === 0, outputs: touts, text: ttext, argv: targv } };
}

/** Splits an action list on the commas that are not inside parentheses. */
function topLevel(actions: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < actions.length; i++) {
    const c = actions[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(actions.slice(start, i));
      start = i + 1;
    }
  }
  out.push(actions.slice(start));
  return out;
}
