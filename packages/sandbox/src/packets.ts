import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './exec';
import { toHex } from './frames';
import { scenarioByName, type Expectation } from './scenarios/index';

export interface ExamplePacket {
  scenario: string;
  name: string;
  description: string;
  /** Interface name on the bridge. */
  inPort: string;
  bridge: string;
  hex: string;
  /** Real `tcpdump -nn -XX` output for the frame (read back from a pcap file). */
  tcpdump: string;
  datapath: string | null;
  microflow: string | null;
  expect: Expectation;
  ovnTraceExpect: Expectation;
}

/** A classic pcap file (LINKTYPE_ETHERNET) holding the frames. */
export function pcapFile(frames: Uint8Array[]): Uint8Array {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(65535, 16);
  head.writeUInt32LE(1, 20);
  const parts: Buffer[] = [head];
  frames.forEach((f, i) => {
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(1_700_000_000 + i, 0);
    rec.writeUInt32LE(f.length, 8);
    rec.writeUInt32LE(f.length, 12);
    parts.push(rec, Buffer.from(f));
  });
  return Buffer.concat(parts);
}

/** Runs tcpdump over the frames and splits its output into one text per packet. */
export async function tcpdumpText(frames: Uint8Array[], flags = '-XX'): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tracemap-pcap-'));
  try {
    const file = join(dir, 'p.pcap');
    writeFileSync(file, pcapFile(frames));
    const r = await run(['tcpdump', '-nn', '-tttt', flags, '-r', file], { env: { TZ: 'UTC' } });
    const out: string[] = [];
    for (const line of r.stdout.split('\n')) {
      if (!line) continue;
      if (!/^\s/.test(line)) out.push(line + '\n');
      else if (out.length) out[out.length - 1] += line + '\n';
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function scenarioPackets(name: string, mode: 'dummy' | 'netns' = 'dummy'): Promise<ExamplePacket[]> {
  const scn = scenarioByName(name);
  if (!scn) throw new Error(`unknown scenario "${name}"`);
  const specs = scn.packets({ mode });
  const texts = await tcpdumpText(specs.map((s) => s.frame));
  return specs.map((s, i) => ({
    scenario: name,
    name: s.name,
    description: s.description,
    inPort: s.inPort,
    bridge: s.bridge ?? 'br-int',
    hex: toHex(s.frame),
    tcpdump: texts[i] ?? '',
    datapath: s.datapath,
    microflow: s.microflow,
    expect: s.expect,
    ovnTraceExpect: s.ovnTraceExpect ?? s.expect,
  }));
}
