// Captures real tool output from a running sandbox into packages/parsers/test/fixtures/sandbox/,
// each file with a .cmd beside it holding the exact command (socket paths as they were).
// usage: TRACEMAP_SANDBOX_DIR=... node --import tsx scripts/capture-fixtures.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox, SCENARIOS, scenarioPackets, run } from '@tracemap/sandbox';

const sb = new Sandbox(process.env.TRACEMAP_SANDBOX_DIR);
const st = sb.readState();
if (!st) throw new Error('sandbox not up');
const root = new URL('../packages/parsers/test/fixtures/sandbox/', import.meta.url).pathname;
const env = sb.env();
const versions = (await sb.tool(['ovs-vswitchd', '--version'])).stdout.split('\n')[0] + '; ' + (await sb.tool(['ovn-controller', '--version'])).stdout.split('\n')[0];

async function save(dir: string, file: string, argv: string[], input?: { from: string; text: string }) {
  const text = input
    ? (await run(argv, { input: input.text, allowFail: true, env: { OVS_RUNDIR: env.OVS_RUNDIR } })).stdout
    : (await sb.tool(argv, 1, true)).stdout;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), text);
  const shown = argv.map((a) => (/[\s"'&|$<>()*;]/.test(a) ? `'${a.replace(/'/g, `'\\''`)}'` : a)).join(' ');
  writeFileSync(join(dir, file.replace(/\.txt$|\.json$/, '') + '.cmd'), `# ${versions}; sandbox mode ${st!.mode}\n# env: OVS_RUNDIR=${env.OVS_RUNDIR}\n${input ? `${input.from} | ` : ''}${shown}\n`);
  return text;
}

const which = process.argv[2];
for (const s of SCENARIOS) {
  if (which ? s.name !== which : !s.coexists) continue;
  const dir = join(root, s.name);
  for (const p of await scenarioPackets(s.name, st.mode)) {
    writeFileSync(join(dir, `${p.name}.tcpdump.txt`), (mkdirSync(dir, { recursive: true }), p.tcpdump));
    writeFileSync(join(dir, `${p.name}.tcpdump.cmd`), `# frame built by packages/sandbox/src/frames.ts, written to a pcap, read back:\ntcpdump -nn -tttt -XX -r packet.pcap\n`);
    const ofArgv = ['ovs-appctl', 'ofproto/trace', p.bridge, `in_port=${p.inPort}`, p.hex];
    const of = await save(dir, `${p.name}.ofproto-trace.txt`, ofArgv);
    if (p.datapath && p.microflow) {
      await save(dir, `${p.name}.ovn-detrace.txt`, ['ovn-detrace', `--ovnnb=${env.OVN_NB_DB}`, `--ovnsb=${env.OVN_SB_DB}`, '--ovs', `--ovsdb=${env.OVS_DB}`], { from: ofArgv.join(' '), text: of });
      for (const [fmt, flags] of [['detailed', []], ['summary', ['--summary']], ['minimal', ['--minimal']], ['ovs', ['--ovs']], ['friendly', ['--friendly-names', '--ct=new']]] as const) {
        await save(dir, `${p.name}.ovn-trace-${fmt}.txt`, ['ovn-trace', `--db=${env.OVN_SB_DB}`, ...flags, p.datapath, p.microflow]);
      }
    }
  }
}
if (!which) {
  const dir = join(root, '_flows');
  await save(dir, 'br-int.dump-flows.txt', ['ovs-ofctl', 'dump-flows', 'br-int']);
  await save(dir, 'br-int.dump-flows-of13.txt', ['ovs-ofctl', '-O', 'OpenFlow13', 'dump-flows', 'br-int']);
  await save(dir, 'br-int.dump-flows-nostats.txt', ['ovs-ofctl', '--no-stats', 'dump-flows', 'br-int']);
  await save(dir, 'lflow-list.txt', ['ovn-sbctl', `--db=${env.OVN_SB_DB}`, 'lflow-list']);
  await save(dir, 'lflow-list-ports.txt', ['ovn-sbctl', `--db=${env.OVN_SB_DB}`, 'lflow-list', 'cj-network']);
  await save(dir, 'logical-flow.json', ['ovsdb-client', '-f', 'json', 'dump', env.OVN_SB_DB, 'OVN_Southbound', 'Logical_Flow']);
}
console.log('fixtures written to', root);
