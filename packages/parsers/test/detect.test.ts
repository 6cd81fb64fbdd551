import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectKind, matchShellPrompt } from '../src/detect';

// Every fixture folder names the kind of its files; sandbox fixtures are "<name>.<kind>.txt".
const root = join(import.meta.dirname, 'fixtures');
const KINDS = ['ofproto-trace', 'ovn-detrace', 'ovn-trace', 'dump-flows', 'lflow-list', 'packet'] as const;

function cases(): { file: string; kind: string }[] {
  const out: { file: string; kind: string }[] = [];
  for (const kind of KINDS) {
    const d = join(root, kind);
    if (!existsSync(d)) continue;
    // .hex: plain hex, xxd and Wireshark dumps, which `tracemap parse auto` must recognise too
    for (const f of readdirSync(d)) if (f.endsWith('.txt') || (kind === 'packet' && f.endsWith('.hex'))) out.push({ file: join(d, f), kind });
  }
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const n of readdirSync(d, { withFileTypes: true })) {
      if (n.isDirectory()) walk(join(d, n.name));
      else {
        const m = /\.([a-z-]+)\.txt$/.exec(n.name);
        const kind = m?.[1] === 'tcpdump' || m?.[1] === 'hex' ? 'packet' : m?.[1];
        if (kind && (KINDS as readonly string[]).includes(kind)) out.push({ file: join(d, n.name), kind });
      }
    }
  };
  walk(join(root, 'sandbox'));
  return out;
}

/** Outputs that are only an error message carry no sign of their tool. */
const ERROR_ONLY = /no-such-bridge|err-no-bridge|error-unknown-port|err-garbage/;

describe('detectKind over every fixture', () => {
  for (const c of cases()) {
    const rel = c.file.slice(root.length + 1);
    it(rel, () => {
      const got = detectKind(readFileSync(c.file, 'utf8'));
      if (ERROR_ONLY.test(rel)) assert.ok(got === c.kind || got === 'unknown', got);
      else assert.equal(got, c.kind);
    });
  }
});

describe('detectKind', () => {
  it('heuristics', () => {
    assert.equal(detectKind(''), 'unknown');
    assert.equal(detectKind('hello world\n'), 'unknown');
    assert.equal(detectKind('# ip,reg14=0x1,vlan_tci=0x0000\noutput("vm2");\n'), 'ovn-trace');
    assert.equal(detectKind('fa163e1e5a0fb6c9b96e504886dd6000000000203aff20010db800000000f8163efffe1e5a0f\n'), 'packet');
    assert.equal(detectKind('\t0x0000:  4500 0054 0000 4000 4001 b6a5 0a00 000b\n\t0x0010:  0a00 000c 0800 f7ff 0000 0000 0000 0000\n'), 'packet');
    assert.equal(
      detectKind('Flow: in_port=1\n\nbridge("br-int")\n----------------\n 0. in_port=1, priority 100, cookie 0x43245c9\n    resubmit(,8)\n  * Logical datapath: "sw0"\n'),
      'ovn-detrace',
    );
  });
  it('shell prompts', () => {
    assert.equal(matchShellPrompt('[root@central vagrant]# ovn-trace --summary n1 x'), 'ovn-trace --summary n1 x');
    assert.equal(matchShellPrompt('# ovn-trace sw0 x'), 'ovn-trace sw0 x');
    assert.equal(matchShellPrompt('# tcp,reg14=0x1,vlan_tci=0x0000'), null);
    assert.equal(matchShellPrompt('$ head flows.txt'), 'head flows.txt');
  });
});
