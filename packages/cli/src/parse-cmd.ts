import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { OpenFlowFlow } from '@tracemap/model';
import {
  createDumpFlowsParser,
  detectKind,
  parseLflowList,
  parseLogicalFlowJson,
  parseOfprotoTrace,
  parseOvnDetrace,
  parseOvnTrace,
  parsePacketText,
  type DetectedKind,
} from '@tracemap/parsers';
import { parseArgs, UsageError } from './args';

export const PARSE_USAGE = `usage: tracemap parse KIND [FILE|-] [--pretty]
  KIND: auto, ofproto-trace, ovn-detrace, ovn-trace, dump-flows, lflow-list, packet
  Reads FILE (or stdin when FILE is "-" or absent) and prints the parsed model as JSON.
  Exit 0 when it parsed (diagnostics are in the JSON), 2 on unusable arguments or input.`;

const KINDS = ['auto', 'ofproto-trace', 'ovn-detrace', 'ovn-trace', 'dump-flows', 'lflow-list', 'packet'] as const;
type Kind = (typeof KINDS)[number];
type ConcreteKind = Exclude<Kind, 'auto'>;

/** detectKind scans ~200 lines; 256 KiB holds them even for dump-flows' long lines. */
const SNIFF_BYTES = 256 * 1024;
/** Flush streamed JSON to stdout in pieces of about this size. */
const OUT_CHUNK = 1 << 20;

/** Text parsers (everything but dump-flows, which streams). Each returns the model, diagnostics inside. */
const TEXT_PARSERS: Record<Exclude<ConcreteKind, 'dump-flows'>, (text: string) => unknown> = {
  'ofproto-trace': (t) => parseOfprotoTrace(t).value,
  'ovn-detrace': (t) => parseOvnDetrace(t).value,
  'ovn-trace': (t) => parseOvnTrace(t).value,
  // `ovsdb-client -f json dump ... Logical_Flow` and `ovn-sbctl lflow-list` are both "logical flows".
  'lflow-list': (t) => (/^\s*[[{]/.test(t) ? parseLogicalFlowJson(t).value : parseLflowList(t).value),
  packet: (t) => parsePacketText(t).value,
};

export async function parseCommand(argv: string[]): Promise<number> {
  const a = parseArgs(argv);
  if (a.flags.help) {
    process.stdout.write(PARSE_USAGE + '\n');
    return 0;
  }
  const [kindArg, file, extra] = a._;
  if (!kindArg) throw new UsageError(`needs a KIND\n${PARSE_USAGE}`);
  if (!(KINDS as readonly string[]).includes(kindArg)) throw new UsageError(`unknown KIND "${kindArg}" (one of ${KINDS.join(', ')})`);
  if (extra !== undefined) throw new UsageError(`one FILE at most, got "${file}" and "${extra}"`);
  for (const f of Object.keys(a.flags)) if (f !== 'pretty') throw new UsageError(`unknown option --${f}\n${PARSE_USAGE}`);
  const pretty = a.flags.pretty === true;
  const kind = kindArg as Kind;
  const name = file === undefined || file === '-' ? 'stdin' : file;
  const input = openInput(file);

  // Read the head first: enough to detect the kind, and to decide whether to stream.
  const iter = input[Symbol.asyncIterator]() as AsyncIterator<string>;
  let head = '';
  let done = false;
  while (head.length < SNIFF_BYTES) {
    const r = await nextChunk(iter, name);
    if (r.done) {
      done = true;
      break;
    }
    head += r.value;
  }

  let concrete: ConcreteKind;
  if (kind === 'auto') {
    const seen: DetectedKind = detectKind(head);
    if (seen === 'unknown') throw new UsageError(`could not tell which tool printed ${name}: ${describeInput(head)}; name the KIND instead of auto`);
    concrete = seen;
  } else concrete = kind;

  if (concrete === 'dump-flows') {
    await streamDumpFlows(head, done ? null : iter, name, pretty);
    return 0;
  }
  let text = head;
  while (!done) {
    const r = await nextChunk(iter, name);
    if (r.done) break;
    text += r.value;
  }
  await write(JSON.stringify(TEXT_PARSERS[concrete](text), null, pretty ? 2 : undefined) + '\n');
  return 0;
}

function openInput(file: string | undefined): Readable {
  if (file === undefined || file === '-') {
    process.stdin.setEncoding('utf8');
    return process.stdin;
  }
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new UsageError(`${file} is a directory, not a file`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message}`);
  }
  return createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
}

async function nextChunk(iter: AsyncIterator<string>, name: string): Promise<IteratorResult<string>> {
  try {
    return await iter.next();
  } catch (e) {
    throw new UsageError(`cannot read ${name}: ${(e as Error).message}`);
  }
}

/** What the input looked like, for the "could not tell" message. */
function describeInput(head: string): string {
  if (head.trim() === '') return 'it is empty (ovn-trace --minimal prints nothing for a dropped packet: parse it as ovn-trace)';
  const first = head.split('\n').find((l) => l.trim() !== '')!.trim();
  const lines = head.split('\n').length;
  return `first line "${first.length > 80 ? `${first.slice(0, 77)}...` : first}" (${lines} lines read) looks like none of ofproto/trace, ovn-detrace, ovn-trace, dump-flows, lflow-list or packet hex`;
}

/**
 * dump-flows can be hundreds of MB (1.8M flows for 40k ACLs): parse while reading, and write each
 * flow's JSON as it comes, keeping only the conjunction flows the check needs. The output is the
 * same JSON document `JSON.stringify(parseDumpFlows(text).value)` would give, key order included.
 */
async function streamDumpFlows(head: string, iter: AsyncIterator<string> | null, name: string, pretty: boolean): Promise<void> {
  const ind = pretty ? '\n    ' : '';
  let out = `{${pretty ? '\n  ' : ''}"kind":${pretty ? ' ' : ''}"dump-flows",${pretty ? '\n  ' : ''}"flows":${pretty ? ' ' : ''}[`;
  let n = 0;
  const onFlow = (f: OpenFlowFlow) => {
    out += (n++ ? ',' : '') + ind + (pretty ? JSON.stringify(f, null, 2).replace(/\n/g, '\n    ') : JSON.stringify(f));
  };
  const parser = createDumpFlowsParser({ keepFlows: false, onFlow });
  parser.push(head);
  while (iter) {
    if (out.length >= OUT_CHUNK) {
      await write(out);
      out = '';
    }
    const r = await nextChunk(iter, name);
    if (r.done) break;
    parser.push(r.value);
  }
  const { value } = parser.end(); // end() may still emit the last line's flow
  out += (n && pretty ? '\n  ' : '') + ']';
  const rest = { conjunctions: value.conjunctions, diagnostics: value.diagnostics, lineCount: value.lineCount };
  // '{"conjunctions":...}' without its opening brace continues the document after "flows".
  out += ',' + JSON.stringify(rest, null, pretty ? 2 : undefined).slice(1);
  await write(out + '\n');
}

/** Writes with backpressure, so a slow pipe never makes the whole output sit in memory. */
function write(s: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = process.stdout.write(s, (err) => (err ? reject(err) : undefined));
    if (ok) resolve();
    else process.stdout.once('drain', resolve);
  });
}
