import { Sandbox, SCENARIOS, COEXISTING, scenarioPackets, defaultSandboxDir, type SandboxMode } from '@tracemap/sandbox';
import { parseArgs, str, int, UsageError } from './args';

export const SANDBOX_USAGE = `usage: tracemap sandbox <command> [--dir DIR]
  up [--mode dummy|netns] [--chassis N] [--scenarios all|none|a,b]   start OVS/OVN (idempotent) and build scenarios
  down                                       stop exactly what up started; remove namespaces and links
  status [--json]                            daemons, pids, scenarios
  list                                       scenarios and their stories
  scenario NAME [--repair]                   apply one scenario (broken-conjunction is on demand)
  packets SCENARIO --json                    the scenario's example packets
  env                                        shell exports for the sandbox's sockets`;

const out = (s: string) => process.stdout.write(s + '\n');
const err = (s: string) => process.stderr.write(s + '\n');

export async function sandboxCommand(argv: string[]): Promise<number> {
  const a = parseArgs(argv, ['dir', 'mode', 'chassis', 'scenarios']);
  const [cmd, name] = a._;
  const sb = new Sandbox(str(a, 'dir') ?? defaultSandboxDir());
  const log = (m: string) => err(`sandbox: ${m}`);
  switch (cmd) {
    case 'up': {
      const mode = str(a, 'mode');
      if (mode !== undefined && mode !== 'dummy' && mode !== 'netns') throw new UsageError(`--mode must be dummy or netns, got "${mode}"`);
      const chassis = int(a, 'chassis', 1, 8);
      const list = str(a, 'scenarios') ?? 'all';
      const scenarios = list === 'all' ? COEXISTING : list === 'none' ? [] : list.split(',').filter(Boolean);
      for (const s of scenarios) if (!SCENARIOS.some((x) => x.name === s)) throw new UsageError(`unknown scenario "${s}"`);
      await sb.up({ mode: mode as SandboxMode | undefined, chassis, scenarios, log });
      printEnv(sb);
      return 0;
    }
    case 'down':
      await sb.down(log);
      log('down');
      return 0;
    case 'status': {
      const st = sb.status();
      if (a.flags.json) {
        out(JSON.stringify({ dir: sb.dir, healthy: st.healthy, mode: st.state?.mode, chassis: st.state?.chassis, scenarios: st.state?.scenarios ?? [], applied: st.state?.applied ?? [], daemons: st.daemons, namespaces: st.state?.namespaces ?? [] }, null, 2));
      } else if (!st.state) out(`no sandbox in ${sb.dir}`);
      else {
        out(`${sb.dir}: ${st.healthy ? 'up' : 'NOT healthy'} (${st.state.mode}, ${st.state.chassis} chassis)`);
        for (const d of st.daemons) out(`  ${d.running ? 'running' : 'stopped'}  ${d.name}${d.pid ? ` pid ${d.pid}` : ''}${!d.running && !d.expected ? ' (stopped on purpose by broken-conjunction; --repair restarts it)' : ''}`);
        for (const d of st.daemons) if (d.lastError && d.expected) out(`  ${d.name} died: ${d.lastError}\n  run \`tracemap sandbox up\` to rebuild the sandbox`);
        out(`  scenarios: ${st.state.scenarios.join(', ') || '(none)'}`);
      }
      return st.healthy ? 0 : 1;
    }
    case 'list':
      for (const s of SCENARIOS) out(`${s.name.padEnd(20)} ${s.title}${s.coexists ? '' : ' (on demand)'}\n${' '.repeat(21)}${s.story}\n`);
      return 0;
    case 'scenario':
      if (!name) throw new UsageError('sandbox scenario needs a NAME; see `tracemap sandbox list`');
      await sb.applyScenario(name, log, { repair: a.flags.repair === true });
      return 0;
    case 'packets': {
      if (!name) throw new UsageError('sandbox packets needs a SCENARIO; see `tracemap sandbox list`');
      const mode = sb.readState()?.mode ?? 'dummy';
      const pk = await scenarioPackets(name, mode);
      if (a.flags.json) out(JSON.stringify(pk, null, 2));
      else for (const p of pk) out(`# ${p.name}: ${p.description}\n# in_port=${p.inPort} expect ${p.expect.dropped ? 'dropped' : 'delivered to ' + (p.expect.outputs ?? []).join(',')}\n${p.tcpdump}`);
      return 0;
    }
    case 'env':
      printEnv(sb, true);
      return 0;
    default:
      throw new UsageError(cmd ? `unknown sandbox command "${cmd}"\n${SANDBOX_USAGE}` : SANDBOX_USAGE);
  }
}

function printEnv(sb: Sandbox, toStdout = false) {
  const e = sb.env();
  const lines = Object.entries({ OVS_RUNDIR: e.OVS_RUNDIR, OVN_RUNDIR: e.OVN_RUNDIR, OVN_NB_DB: e.OVN_NB_DB, OVN_SB_DB: e.OVN_SB_DB }).map(([k, v]) => `export ${k}=${v}`);
  (toStdout ? out : err)(lines.join('\n'));
}
