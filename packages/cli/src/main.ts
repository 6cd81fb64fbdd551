import { UsageError } from './args';
import { sandboxCommand, SANDBOX_USAGE } from './sandbox-cmd';

const USAGE = `usage: tracemap <command>
  sandbox ...            a real OVS/OVN on this machine (see \`tracemap sandbox\`)
  parse KIND [FILE|-]    parse tool output to JSON (KIND: auto, ofproto-trace, ovn-detrace, ovn-trace, dump-flows, lflow-list, packet)
  serve [--port 8080] [--host 127.0.0.1] [--data DIR] [--config FILE] [--sandbox DIR]`;

type Handler = (argv: string[]) => Promise<number>;
const commands: Record<string, () => Promise<Handler>> = {
  sandbox: async () => sandboxCommand,
  parse: async () => (await import('./parse-cmd')).parseCommand,
  serve: async () => (await import('./serve-cmd')).serveCommand,
};

// `tracemap ... | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const load = cmd ? commands[cmd] : undefined;
  if (!load) {
    process.stderr.write((cmd && cmd !== '--help' ? `unknown command "${cmd}"\n` : '') + USAGE + '\n');
    return cmd && cmd !== '--help' ? 2 : 0;
  }
  try {
    return await (await load())(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`tracemap ${cmd}: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`tracemap ${cmd}: ${(e as Error).message}\n`);
    return 1;
  }
}
export { SANDBOX_USAGE };
