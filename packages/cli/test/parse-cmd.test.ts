import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { SCENARIOS, type Expectation } from '../../sandbox/src/scenarios/index';

// Runs the real command (`node packages/cli/bin/tracemap.mjs parse ...`) over every capture of
// the sandbox and checks the JSON contract of issue 3 item 9 and each scenario's verdict.
const root = join(new URL('.', import.meta.url).pathname, '..', '..', '..');
const bin = join(root, 'packages', 'cli', 'bin', 'tracemap.mjs');
const sb = join(root, 'packages', 'parsers', 'test', 'fixtures', 'sandbox');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function tracemap(args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [bin, ...args], { cwd: root, maxBuffer: 256 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    if (stdin !== undefined) child.stdin!.end(stdin);
    else child.stdin!.end();
  });
}

/** Runs many CLI invocations, two or three at a time (the machine has two cores). */
async function pool<T, R>(items: T[], limit: number, f: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i]!);
      }
    }),
  );
  return out;
}

/** Which tool printed a capture, from its file name. */
function kindOf(file: string): string | null {
  if (file.endsWith('.ofproto-trace.txt')) return 'ofproto-trace';
  if (file.endsWith('.ovn-detrace.txt')) return 'ovn-detrace';
  if (/\.ovn-trace-\w+\.txt$/.test(file)) return 'ovn-trace';
  if (file.endsWith('.tcpdump.txt')) return 'packet';
  if (/dump-flows[\w-]*\.txt$/.test(file)) return 'dump-flows';
  if (/lflow-list[\w-]*\.txt$/.test(file) || file.endsWith('logical-flow.json')) return 'lflow-list';
  return null;
}

const files: { rel: string; kind: string }[] = [];
for (const dir of readdirSync(sb).sort()) {
  for (const f of readdirSync(join(sb, dir)).sort()) {
    const kind = kindOf(f);
    if (kind) files.push({ rel: `${dir}/${f}`, kind });
  }
}

const expectations = new Map<string, { expect: Expectation; ovn: Expectation }>();
for (const s of SCENARIOS) for (const p of s.packets({ mode: 'dummy' })) expectations.set(`${s.name}/${p.name}`, { expect: p.expect, ovn: p.ovnTraceExpect ?? p.expect });

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

/** The contract outside checks rely on (fields may be added freely). */
function checkContract(kind: string, j: Record<string, unknown>, name: string) {
  assert.ok(Array.isArray(j.diagnostics), `${name}: diagnostics[]`);
  for (const d of j.diagnostics as unknown[]) assert.ok(isObj(d) && isNum(d.line) && typeof d.message === 'string', `${name}: diagnostic {line, message}`);
  switch (kind) {
    case 'ofproto-trace':
    case 'ovn-detrace': {
      assert.ok(Array.isArray(j.passes) && j.passes.length > 0, `${name}: passes`);
      for (const p of j.passes as Record<string, unknown>[]) {
        assert.equal(typeof p.flow, 'string');
        assert.equal(typeof p.datapathActions, 'string');
        assert.ok(Array.isArray(p.steps));
        for (const s of p.steps as Record<string, unknown>[]) {
          for (const k of ['table', 'priority', 'cookie']) assert.ok(k in s, `${name}: step.${k}`);
          assert.ok(isNum(s.depth) && isNum(s.line), `${name}: step depth/line`);
          assert.equal(typeof s.match, 'string');
          assert.ok(Array.isArray(s.actions));
          if (s.logical !== undefined) assert.ok(isObj(s.logical));
        }
      }
      const v = j.verdict as Record<string, unknown>;
      assert.equal(typeof v.dropped, 'boolean');
      if (v.drop !== null) assert.ok(isObj(v.drop) && isNum(v.drop.pass) && 'table' in v.drop, `${name}: verdict.drop {pass, table}`);
      else assert.equal(v.dropped, false);
      break;
    }
    case 'ovn-trace': {
      assert.equal(typeof j.format, 'string');
      assert.ok(Array.isArray(j.sections));
      for (const s of j.sections as Record<string, unknown>[]) {
        assert.ok(s.pipeline === 'ingress' || s.pipeline === 'egress');
        assert.equal(typeof s.datapath, 'string');
        for (const st of s.steps as Record<string, unknown>[]) {
          for (const k of ['table', 'stage', 'priority', 'match']) assert.ok(k in st, `${name}: step.${k}`);
          assert.ok(Array.isArray(st.actions));
        }
      }
      const v = j.verdict as Record<string, unknown>;
      assert.equal(typeof v.dropped, 'boolean');
      assert.ok(Array.isArray(v.outputs));
      break;
    }
    case 'dump-flows': {
      assert.ok(Array.isArray(j.flows) && j.flows.length > 0);
      for (const f of j.flows as Record<string, unknown>[]) {
        assert.ok(isNum(f.table) && isNum(f.priority), `${name}: flow table/priority`);
        for (const k of ['cookie', 'match', 'actions']) assert.equal(typeof f[k], 'string');
        if ('nPackets' in f) assert.ok(isNum(f.nPackets));
      }
      const c = j.conjunctions as Record<string, unknown>;
      assert.ok(isObj(c) && Array.isArray(c.broken));
      for (const b of c.broken as Record<string, unknown>[]) assert.ok(isNum(b.id) && isNum(b.table) && typeof b.problem === 'string');
      break;
    }
    case 'packet': {
      assert.ok(Array.isArray(j.packets) && j.packets.length > 0);
      for (const p of j.packets as Record<string, unknown>[]) {
        assert.match(p.hex as string, /^[0-9a-f]+$/, 'hex: lowercase, no spaces');
        assert.ok(Array.isArray(p.layers) && p.layers.length > 0);
        for (const l of p.layers as Record<string, unknown>[]) assert.equal(typeof l.type, 'string');
      }
      break;
    }
    case 'lflow-list':
      assert.ok(Array.isArray(j.flows) && j.flows.length > 0);
      break;
  }
}

describe('tracemap parse auto FILE: every sandbox capture', () => {
  let runs: Run[] = [];
  before(async () => {
    runs = await pool(files, 3, (f) => tracemap(['parse', 'auto', join(sb, f.rel)]));
  });

  files.forEach((f, i) => {
    it(`${f.rel} -> ${f.kind}`, () => {
      const r = runs[i]!;
      assert.equal(r.code, 0, r.stderr);
      const j = JSON.parse(r.stdout) as Record<string, unknown>;
      assert.equal(j.kind, f.kind, 'auto detects the tool');
      checkContract(f.kind, j, f.rel);
      const m = /^([\w-]+)\/([\w-]+)\./.exec(f.rel);
      const exp = m ? expectations.get(`${m[1]}/${m[2]}`) : undefined;
      if (!exp || (f.kind !== 'ofproto-trace' && f.kind !== 'ovn-detrace' && f.kind !== 'ovn-trace')) return;
      const v = j.verdict as { dropped: boolean; outputs: unknown[]; drop?: { table: number | null; stage?: string | null } | null };
      if (f.kind === 'ovn-trace') {
        assert.equal(v.dropped, exp.ovn.dropped, 'ovn-trace verdict');
        // --minimal prints no port names, and --friendly-names shortens nothing here; the rest name them.
        if (!exp.ovn.dropped && !f.rel.endsWith('minimal.txt')) for (const o of exp.ovn.outputs ?? []) assert.ok((v.outputs as string[]).includes(o), `output ${o} in ${JSON.stringify(v.outputs)}`);
        if (exp.ovn.dropped && exp.ovn.dropStage && /(detailed|ovs|friendly)\.txt$/.test(f.rel)) assert.equal(v.drop?.stage, exp.ovn.dropStage);
        return;
      }
      assert.equal(v.dropped, exp.expect.dropped, 'trace verdict');
      if (exp.expect.dropped) {
        if (exp.expect.dropTable !== undefined) assert.equal(v.drop?.table, exp.expect.dropTable);
        if (exp.expect.dropStage && f.kind === 'ovn-detrace') assert.equal(v.drop?.stage, exp.expect.dropStage);
      } else assert.ok(v.outputs.length > 0, 'delivered somewhere');
    });
  });
});

describe('tracemap parse: explicit kinds, stdin and exit codes', () => {
  it('every KIND by name, from a file and from stdin', async () => {
    const pick = (kind: string) => files.find((f) => f.kind === kind)!;
    const kinds = ['ofproto-trace', 'ovn-detrace', 'ovn-trace', 'dump-flows', 'lflow-list', 'packet'];
    const results = await pool(kinds, 3, async (kind) => {
      const f = pick(kind);
      const text = readFileSync(join(sb, f.rel), 'utf8');
      return [kind, await tracemap(['parse', kind, join(sb, f.rel)]), await tracemap(['parse', kind, '-'], text), await tracemap(['parse', kind], text)] as const;
    });
    for (const [kind, file, dash, bare] of results) {
      assert.equal(file.code, 0, file.stderr);
      assert.equal(JSON.parse(file.stdout).kind, kind);
      assert.equal(dash.stdout, file.stdout, `${kind}: stdin gives the same JSON`);
      assert.equal(bare.stdout, file.stdout, `${kind}: no FILE reads stdin`);
    }
  });

  it('dump-flows streams from stdin to the same JSON the parser gives, broken conjunctions included', async () => {
    const text = readFileSync(join(sb, 'broken-conjunction/br-int.dump-flows.txt'), 'utf8');
    const r = await tracemap(['parse', 'auto', '-'], text);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    const { parseDumpFlows } = await import('../../parsers/src/dump-flows');
    assert.deepEqual(j, JSON.parse(JSON.stringify(parseDumpFlows(text).value)));
    assert.deepEqual(
      j.conjunctions.broken.map((b: { id: number; table: number; problem: string }) => [b.id, b.table, b.problem]),
      [[1098895684, 46, 'no-conj-id-flow'], [1098896684, 46, 'no-clauses'], [3812335140, 46, 'no-conj-id-flow'], [3812336140, 46, 'no-clauses']],
    );
    const pretty = await tracemap(['parse', 'dump-flows', '-', '--pretty'], text);
    assert.equal(pretty.stdout, JSON.stringify(parseDumpFlows(text).value, null, 2) + '\n');
  });

  it('exit 2 with a message on unusable arguments or input', async () => {
    const cases: [string[], string | undefined, RegExp][] = [
      [['parse'], undefined, /needs a KIND/],
      [['parse', 'tcpdump', 'x'], undefined, /unknown KIND "tcpdump"/],
      [['parse', 'auto', '/no/such/capture.txt'], undefined, /cannot read \/no\/such\/capture\.txt: no such file/],
      [['parse', 'ovn-trace', sb], undefined, /is a directory/],
      [['parse', 'auto', 'a', 'b'], undefined, /one FILE at most/],
      [['parse', 'auto', '--color'], undefined, /unknown option --color/],
      [['parse', 'auto', '-'], 'hello world\nthis is not a trace\n', /could not tell which tool printed stdin: first line "hello world"/],
      [['parse', 'auto', '-'], '', /it is empty/],
    ];
    const runs = await pool(cases, 3, ([args, stdin]) => tracemap(args, stdin));
    cases.forEach(([args, , re], i) => {
      assert.equal(runs[i]!.code, 2, `${args.join(' ')}: ${runs[i]!.stderr}`);
      assert.match(runs[i]!.stderr, re);
      assert.equal(runs[i]!.stdout, '');
    });
  });

  it('exit 0 with diagnostics for damaged input of a named kind', async () => {
    const r = await tracemap(['parse', 'ofproto-trace', '-'], 'Flow: in_port=1\n\nbridge("br-int")\n----------------\n 0. in_port=1, priority 100\n    resubmit(,8)\nthis line is garbage\n');
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.kind, 'ofproto-trace');
    assert.ok(j.diagnostics.length > 0);
  });
});
