import type { FastifyInstance } from 'fastify';
import { MODEL_VERSION, type DecodedPacket, type LogicalFlow, type OfprotoTrace, type OvnTrace } from '@tracemap/model';
import { sslArgs, type Target, type ToolResult } from '@tracemap/host';
import {
  detectKind,
  packetToMicroflow,
  packetToOfprotoArgs,
  parseOfprotoTrace,
  parseOvnDetrace,
  parseOvnTrace,
  parsePacketText,
} from '@tracemap/parsers';
import { joinTraceToLogical, logicalFlowsForCookie, normalizeCookie, traceVerdict, type LogicalFlowIndex } from '@tracemap/analysis';
import type { AnnotateMode } from '../config';
import { ApiError, badRequest } from '../errors';
import { toolFailure } from '../plugins/hosts';
import { compareVerdicts, ofprotoVerdict, ovnTraceVerdict, type Comparison, type RecordVerdict } from './verdicts';

export type ToolName = 'ovn-trace' | 'ofproto-trace' | 'ovn-detrace' | 'lookup';

export interface RunRecord {
  tool: ToolName;
  argv: string[];
  output: string;
  stderr: string;
  exitCode: number | null;
  durationMs: number;
  startedAt: string;
  timedOut: boolean;
}

export interface AnnotationInfo {
  source: 'ovn-detrace' | 'native' | 'none';
  requested: AnnotateMode | 'both';
  fallbackReason?: string;
  detraceMs?: number;
  nativeMs?: number;
  /** Where the native join read the logical flows: the warm full index, or a lookup of the trace's cookies. */
  index?: 'warm' | 'cookies';
  /** With annotate "both": does tracemap's own join agree with ovn-detrace step by step? */
  check?: { agree: boolean; steps: number; differences: string[] };
}

/** The stored record, without the id/createdAt the store adds. */
export interface TraceBody {
  type: 'ovn-trace' | 'ofproto-trace' | 'packet' | 'import';
  host?: string;
  versions?: { ovs: string | null; ovn: string | null };
  modelVersion: number;
  request: Record<string, unknown>;
  runs: RunRecord[];
  ofproto?: OfprotoTrace;
  ovnTrace?: OvnTrace;
  packet?: DecodedPacket;
  verdict: RecordVerdict;
  comparison?: Comparison;
  annotation?: AnnotationInfo;
  lookup?: { interface: string; bridge: string; logicalPort?: string; datapath?: string; microflow?: string; ofport?: number | null };
  conjunctions?: { broken: unknown[] };
  notes: string[];
  startedAt: string;
  finishedAt: string;
}

const run = (tool: ToolName, r: ToolResult): RunRecord => ({
  tool,
  argv: r.argv,
  output: r.stdout,
  stderr: r.stderr,
  exitCode: r.exitCode,
  durationMs: r.durationMs,
  startedAt: r.startedAt,
  timedOut: r.timedOut,
});

/** The tool is out of time or can't reach its target: a 504/502 with what it printed; other failures stay in the record. */
function throwIfFatal(r: ToolResult): void {
  if (r.timedOut) throw toolFailure(r);
  const f = toolFailure(r);
  if (r.exitCode !== 0 && f.kind === 'host-unreachable') throw f;
}

// ------------------------------------------------------------------ ovn-trace

export interface OvnTraceRequest {
  datapath: string;
  microflow: string;
  format?: 'detailed' | 'summary' | 'minimal' | 'ovs';
  ct?: string[];
  friendlyNames?: boolean;
  ovs?: boolean;
}

export function ovnTraceArgv(target: Target, r: OvnTraceRequest): string[] {
  if (!target.ovnSb) throw new ApiError('bad-request', `host ${target.name} has no OVN Southbound connection configured`, { where: 'body.host' });
  const argv = ['ovn-trace', `--db=${target.ovnSb}`, ...sslArgs(target)];
  const format = r.format ?? 'detailed';
  if (format === 'ovs' || r.ovs) argv.push(target.ovsRundir ? `--ovs=unix:${target.ovsRundir}/${target.bridge}.mgmt` : '--ovs');
  if (format === 'summary' || format === 'minimal') argv.push(`--${format}`);
  if (r.friendlyNames === false) argv.push('--no-friendly-names');
  for (const f of r.ct ?? []) argv.push(`--ct=${f}`);
  // "--": the datapath and microflow can never be read as options.
  argv.push('--', r.datapath, r.microflow);
  return argv;
}

async function runOvnTrace(app: FastifyInstance, target: Target, r: OvnTraceRequest) {
  const res = await app.hosts.run(target, ovnTraceArgv(target, r));
  throwIfFatal(res);
  const parsed = parseOvnTrace(res.stdout + (res.exitCode !== 0 && !res.stdout.trim() ? res.stderr : '')).value;
  if (res.exitCode !== 0 && !parsed.error) parsed.error = res.stderr.trim().split('\n').at(-1) ?? `exit ${res.exitCode}`;
  return { res, parsed };
}

export async function traceOvn(app: FastifyInstance, target: Target, r: OvnTraceRequest): Promise<TraceBody> {
  const startedAt = new Date().toISOString();
  const [versions, { res, parsed }] = await Promise.all([app.hosts.versions(target), runOvnTrace(app, target, r)]);
  if (res.exitCode !== 0 || (parsed.error && parsed.sections.length === 0 && !parsed.nodes?.length)) {
    // "unknown datapath", "error parsing flow": the request named something the host doesn't have.
    throw new ApiError('tool-failed', `ovn-trace on ${target.name}: ${parsed.error ?? res.stderr.trim()}`, { argv: res.argv, partialOutput: res.stdout + res.stderr });
  }
  return {
    type: 'ovn-trace',
    host: target.name,
    versions,
    modelVersion: MODEL_VERSION,
    request: { ...r },
    runs: [run('ovn-trace', res)],
    ovnTrace: parsed,
    verdict: ovnTraceVerdict(parsed),
    notes: [],
    startedAt,
    finishedAt: new Date().toISOString(),
  };
}

// ------------------------------------------------------------------ ofproto/trace (+ ovn-detrace / native join)

/** ofproto/trace resumes each recirculation with ct_state trk|new unless told; say the same thing 4 times (OVN recirculates at most 2-3 times per chassis). */
export function ctNextArgs(ct: 'new' | 'est'): string[] {
  const flags = ct === 'est' ? 'trk,est' : 'trk,new';
  return Array.from({ length: 4 }, () => ['--ct-next', flags]).flat();
}

async function portNames(app: FastifyInstance, target: Target): Promise<Map<number, string>> {
  const r = await app.hosts.run(target, ['ovs-appctl', 'dpif/show'], { timeoutMs: app.config.timeouts.lookupMs });
  const map = new Map<number, string>();
  // "    rt-vm1 2/3: (dummy)" -> OpenFlow port 2, datapath port 3
  if (r.exitCode === 0) for (const m of r.stdout.matchAll(/^\s+(\S+) \d+\/(\d+):/gm)) map.set(Number(m[2]), m[1]!);
  return map;
}

/** Per app: hosts where ovn-detrace overran its auto-mode timeout, and when. */
const slowDetraceByApp = new WeakMap<FastifyInstance, Map<string, { at: number; timeoutMs: number }>>();
function slowDetraceOf(app: FastifyInstance): Map<string, { at: number; timeoutMs: number }> {
  let m = slowDetraceByApp.get(app);
  if (!m) slowDetraceByApp.set(app, (m = new Map()));
  return m;
}
const SLOW_DETRACE_MEMORY_MS = 10 * 60_000;

export async function annotateTrace(
  app: FastifyInstance,
  target: Target,
  ofText: string,
  mode: AnnotateMode | 'both',
  runs: RunRecord[],
  notes: string[],
): Promise<{ model: OfprotoTrace; annotation: AnnotationInfo }> {
  const plain = parseOfprotoTrace(ofText).value;
  const annotation: AnnotationInfo = { source: 'none', requested: mode };
  let detraced: OfprotoTrace | undefined;
  // In auto mode, a host where ovn-detrace overran its time lately is annotated natively at once
  // (on a large cloud it takes tens of seconds per trace: waiting out the timeout every time helps no one).
  const slow = mode === 'auto' ? slowDetraceOf(app).get(target.name) : undefined;
  const skipSlow = slow && Date.now() - slow.at < SLOW_DETRACE_MEMORY_MS;
  if (mode !== 'native') {
    if (!target.ovnNb || !target.ovnSb) annotation.fallbackReason = 'ovn-detrace needs the NB and SB connections of the host';
    else if (skipSlow) {
      annotation.fallbackReason = `ovn-detrace took longer than ${slow.timeoutMs} ms on ${target.name} ${Math.max(1, Math.round((Date.now() - slow.at) / 60_000))} min ago, so it was not run (annotate "detrace" or "both" runs it anyway)`;
    } else {
      const argv = ['ovn-detrace', `--ovnnb=${target.ovnNb}`, `--ovnsb=${target.ovnSb}`];
      if (target.ovsDb) argv.push('--ovs', `--ovsdb=${target.ovsDb}`);
      argv.push(...sslArgs(target));
      try {
        const timeoutMs = mode === 'auto' ? app.config.timeouts.detraceMs : app.config.timeouts.traceMs;
        const r = await app.hosts.run(target, argv, { input: ofText, timeoutMs });
        runs.push(run('ovn-detrace', r));
        annotation.detraceMs = r.durationMs;
        if (mode === 'auto' && r.timedOut) slowDetraceOf(app).set(target.name, { at: Date.now(), timeoutMs });
        if (r.exitCode === 0 && !r.timedOut) detraced = parseOvnDetrace(r.stdout).value;
        else annotation.fallbackReason = r.timedOut ? `ovn-detrace took longer than ${timeoutMs} ms` : `ovn-detrace failed: ${r.stderr.trim().split('\n').at(-1) ?? r.exitCode}`;
        if (mode === 'detrace' && !detraced) throw toolFailure(r, 'ovn-detrace');
      } catch (e) {
        if (mode === 'detrace' || !(e instanceof ApiError)) throw e;
        annotation.fallbackReason = e.message;
      }
    }
  }
  let native: OfprotoTrace | undefined;
  if (mode === 'native' || mode === 'both' || !detraced) {
    const t0 = performance.now();
    try {
      const cookies = [...new Set(plain.passes.flatMap((p) => p.steps.map((s) => s.cookie ?? '')).filter((c) => c && !/^0x0+$/.test(c)))];
      // The full index when it is in memory and knows every cookie of the trace; else (cold, or
      // northd recomputed flows since it was loaded) only these cookies' rows, read from the
      // Southbound now: never a whole-table dump on the way to an answer.
      const warm = app.flowIndex.peekLogical(target);
      const knows = (c: string) => warm && (logicalFlowsForCookie(warm.index, c).length > 0 || warm.otherCookies.has(normalizeCookie(c)));
      const lidx: { index: LogicalFlowIndex; flows: readonly LogicalFlow[] } = warm && cookies.every(knows) ? warm : await app.flowIndex.forCookies(target, cookies);
      annotation.index = lidx === warm ? 'warm' : 'cookies';
      native = joinTraceToLogical(plain, lidx.index);
      native.verdict = traceVerdict(native, { logicalFlows: lidx.flows });
      annotation.nativeMs = Math.round(performance.now() - t0);
    } catch (e) {
      notes.push(`native annotation unavailable: ${(e as Error).message}`);
    }
  }
  if (mode === 'both' && detraced && native) annotation.check = compareAnnotations(detraced, native);
  if (annotation.fallbackReason && mode !== 'native') notes.push(`annotated with tracemap's own index: ${annotation.fallbackReason}`);
  if (detraced && mode !== 'native') {
    annotation.source = 'ovn-detrace';
    return { model: detraced, annotation };
  }
  if (native) {
    annotation.source = 'native';
    return { model: native, annotation };
  }
  return { model: plain, annotation };
}

/** Step by step: the same logical flow (datapath, pipeline, table, stage) for every step both annotate. */
export function compareAnnotations(a: OfprotoTrace, b: OfprotoTrace): { agree: boolean; steps: number; differences: string[] } {
  const differences: string[] = [];
  let steps = 0;
  a.passes.forEach((pa, i) => {
    const pb = b.passes[i];
    pa.steps.forEach((sa, j) => {
      const sb = pb?.steps[j];
      if (!sb || sa.kind !== 'table') return;
      const la = sa.logical;
      const lb = sb.logical;
      if (!la?.stage && !lb?.stage) return;
      steps++;
      const key = (l: typeof la) => (l ? `${l.pipeline}/${l.table}/${l.stage}/${l.priority}/${(l.datapaths ?? [l.datapath]).slice().sort().join(',')}` : 'none');
      const ka = key(la);
      const kb = key(lb);
      if (ka !== kb && !(la && lb && la.uuid && lb.uuid && la.uuid === lb.uuid)) differences.push(`pass ${i} step ${j} (table ${sa.table}, cookie ${sa.cookie}): ovn-detrace ${ka} vs native ${kb}`);
    });
  });
  return { agree: differences.length === 0, steps, differences };
}

export interface OfprotoRequest {
  bridge?: string;
  inPort: number | string;
  packet?: string;
  flow?: string;
  detrace?: boolean;
  ct?: 'new' | 'est';
  annotate?: AnnotateMode | 'both';
}

function decodeOnePacket(text: string, where: string): DecodedPacket {
  const parsed = parsePacketText(text).value;
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
  const first = parsed.packets[0];
  if (!first || !first.length) throw badRequest(`${where}: no packet found (give tcpdump -xx/-XX text or hex digits)${errors[0] ? `: line ${errors[0].line}: ${errors[0].message}` : ''}`, where);
  if (errors.length) throw badRequest(`${where}: line ${errors[0]!.line}: ${errors[0]!.message}`, where);
  if (first.length < 14) throw badRequest(`${where}: ${first.length} bytes is too short for a packet`, where);
  return first;
}

export async function traceOfproto(app: FastifyInstance, target: Target, r: OfprotoRequest): Promise<TraceBody> {
  const startedAt = new Date().toISOString();
  const bridge = r.bridge ?? target.bridge;
  const notes: string[] = [];
  let argv: string[];
  let packet: DecodedPacket | undefined;
  const ct = r.ct ? ctNextArgs(r.ct) : [];
  if (r.packet !== undefined) {
    packet = decodeOnePacket(r.packet, 'body.packet');
    const a = packetToOfprotoArgs(packet, { bridge, inPort: r.inPort });
    notes.push(...a.notes);
    argv = ['ovs-appctl', 'ofproto/trace', a.bridge, a.flowArg, a.packetHex, ...ct];
  } else if (r.flow !== undefined) {
    const flow = /(^|,)in_port=/.test(r.flow) ? r.flow : `in_port=${r.inPort},${r.flow}`;
    argv = ['ovs-appctl', 'ofproto/trace', bridge, flow, ...ct];
  } else throw badRequest('give either body.packet (tcpdump text or hex) or body.flow', 'body.packet');
  // The versions and the port names (for the verdict) are asked alongside the trace, not before it.
  const [versions, names, res] = await Promise.all([app.hosts.versions(target), portNames(app, target), app.hosts.run(target, argv)]);
  throwIfFatal(res);
  const runs = [run('ofproto-trace', res)];
  if (res.exitCode !== 0) {
    throw new ApiError('tool-failed', `ofproto/trace on ${target.name}: ${(res.stderr || res.stdout).trim().split('\n').slice(0, 2).join(' ')}`, { argv, partialOutput: res.stdout + res.stderr });
  }
  const mode: AnnotateMode | 'both' = r.annotate ?? (r.detrace === false ? 'native' : r.detrace === true ? app.config.annotate : app.config.annotate);
  const { model, annotation } = await annotateTrace(app, target, res.stdout, mode, runs, notes);
  const body: TraceBody = {
    type: 'ofproto-trace',
    host: target.name,
    versions,
    modelVersion: MODEL_VERSION,
    request: { ...r, bridge },
    runs,
    ofproto: model,
    verdict: ofprotoVerdict(model, names),
    annotation,
    notes,
    startedAt,
    finishedAt: new Date().toISOString(),
  };
  if (packet) body.packet = packet;
  const conj = brokenConjunctionsOnPath(app, target, model);
  if (conj) body.conjunctions = conj;
  return body;
}

/** Broken conjunctions in the tables this trace went through, when the OpenFlow index is already loaded. */
function brokenConjunctionsOnPath(app: FastifyInstance, target: Target, model: OfprotoTrace): { broken: unknown[] } | undefined {
  const idx = app.flowIndex.peekOpenflow(target);
  if (!idx || idx.bridge !== target.bridge) return undefined;
  const tables = new Set(model.passes.flatMap((p) => p.steps.map((s) => s.table)));
  return { broken: idx.conjunctions.broken.filter((b) => tables.has(b.table)) };
}

// ------------------------------------------------------------------ packet: both tools, compared

export interface PacketRequest {
  packet: string;
  inPort: string;
  ct?: 'new' | 'est';
  annotate?: AnnotateMode | 'both';
}

const unquote = (s: string) => {
  const t = s.trim();
  try {
    return t.startsWith('"') ? (JSON.parse(t) as string) : t;
  } catch {
    return t;
  }
};

export async function tracePacket(app: FastifyInstance, target: Target, r: PacketRequest): Promise<TraceBody> {
  const startedAt = new Date().toISOString();
  const notes: string[] = [];
  const ct = r.ct ?? 'new';
  const packet = decodeOnePacket(r.packet, 'body.packet');
  const lookupT = { timeoutMs: app.config.timeouts.lookupMs };
  const vsctl = (...a: string[]) => ['ovs-vsctl', ...(target.ovsDb ? [`--db=${target.ovsDb}`] : []), ...a];

  // 1. The interface: which bridge, which logical port (external_ids:iface-id).
  // (asked at once, and the inventory alongside: over ssh each is a round trip)
  const inventory = app.inventory.get(target).catch(() => null);
  const [brRes, idRes] = await Promise.all([
    app.hosts.run(target, vsctl('iface-to-br', r.inPort), lookupT),
    app.hosts.run(target, vsctl('--if-exists', 'get', 'Interface', r.inPort, 'external_ids:iface-id'), lookupT),
  ]);
  throwIfFatal(brRes);
  if (brRes.exitCode !== 0) throw badRequest(`no interface named "${r.inPort}" on host ${target.name} (${brRes.stderr.trim()})`, 'body.inPort');
  const bridge = brRes.stdout.trim();
  throwIfFatal(idRes);
  const ifaceId = idRes.exitCode === 0 ? unquote(idRes.stdout) : '';
  const runs: RunRecord[] = [run('lookup', brRes), run('lookup', idRes)];
  const lookup: NonNullable<TraceBody['lookup']> = { interface: r.inPort, bridge };

  // 2. Its logical port and datapath. A VLAN-tagged frame on a parent port belongs to the child port with that tag.
  let microflow: string | undefined;
  if (ifaceId) {
    let lport = ifaceId;
    let layers = packet.layers;
    const vlan = packet.layers.find((l) => l.type === 'vlan' && (l.depth ?? 0) === 0);
    const inv = await inventory;
    const child = vlan && inv?.switches.flatMap((s) => s.ports).find((p) => p.parent === ifaceId && p.tag === vlan.vid);
    if (child) {
      lport = child.name;
      // ovn-controller pops the tag in the physical tables: the logical pipeline sees an untagged frame.
      layers = packet.layers.filter((l) => l !== vlan);
      notes.push(`VLAN ${String(vlan.vid)} on ${ifaceId} is child port ${child.name}`);
    }
    let datapath = inv?.switches.find((s) => s.ports.some((p) => p.name === lport))?.name;
    if (!datapath && target.ovnNb) {
      const ls = await app.hosts.run(target, ['ovn-nbctl', `--db=${target.ovnNb}`, ...sslArgs(target), 'lsp-get-ls', lport], lookupT);
      runs.push(run('lookup', ls));
      // "0525f29a-d8f0-4993-9a0f-f68e493a57d6 (ac-network)"
      datapath = /\(([^)]+)\)\s*$/.exec(ls.stdout.trim())?.[1] ?? (ls.stdout.trim().split(/\s/)[0] || undefined);
    }
    if (datapath) {
      microflow = packetToMicroflow({ layers }, { inport: lport });
      lookup.logicalPort = lport;
      lookup.datapath = datapath;
      lookup.microflow = microflow;
    } else notes.push(`logical port "${lport}" of ${r.inPort} is not in the Northbound database: ovn-trace skipped`);
  } else notes.push(`${r.inPort} has no external_ids:iface-id: not an OVN port, only ofproto/trace was run`);

  // 3. Both tools at once, with the same conntrack assumption.
  const ovnArgs = ct === 'est' ? ['est'] : ['new'];
  const ovnReq: OvnTraceRequest | undefined = microflow && lookup.datapath ? { datapath: lookup.datapath, microflow, ct: ovnArgs } : undefined;
  const ofReq: OfprotoRequest = { bridge, inPort: r.inPort, packet: r.packet, ct, annotate: r.annotate ?? app.config.annotate };
  const [of, ot] = await Promise.all([traceOfproto(app, target, ofReq), ovnReq ? runOvnTrace(app, target, ovnReq) : Promise.resolve(undefined)]);
  runs.push(...of.runs);
  notes.push(...of.notes);
  const body: TraceBody = {
    type: 'packet',
    host: target.name,
    versions: of.versions!,
    modelVersion: MODEL_VERSION,
    request: { ...r, ct },
    runs,
    ofproto: of.ofproto!,
    packet,
    verdict: of.verdict,
    annotation: of.annotation!,
    lookup,
    notes,
    startedAt,
    finishedAt: new Date().toISOString(),
  };
  if (of.conjunctions) body.conjunctions = of.conjunctions;
  if (ot) {
    runs.push(run('ovn-trace', ot.res));
    body.ovnTrace = ot.parsed;
    const inv = await inventory;
    body.comparison = compareVerdicts(of.verdict, ovnTraceVerdict(ot.parsed), inv, {
      ct,
      ovnTrace: ovnArgs.map((f) => `--ct=${f}`),
      ofproto: ctNextArgs(ct),
    });
  }
  return body;
}

// ------------------------------------------------------------------ import

export function importTrace(text: string): TraceBody {
  const startedAt = new Date().toISOString();
  const kind = detectKind(text);
  const base = { type: 'import' as const, modelVersion: MODEL_VERSION, request: { kind, bytes: text.length }, notes: [] as string[], startedAt, finishedAt: startedAt };
  const runs: RunRecord[] = [];
  if (kind === 'ovn-trace') {
    const t = parseOvnTrace(text).value;
    runs.push({ tool: 'ovn-trace', argv: t.command ? [t.command] : [], output: text, stderr: '', exitCode: null, durationMs: 0, startedAt, timedOut: false });
    return { ...base, runs, ovnTrace: t, verdict: ovnTraceVerdict(t) };
  }
  if (kind === 'ofproto-trace' || kind === 'ovn-detrace') {
    const t = kind === 'ovn-detrace' ? parseOvnDetrace(text).value : parseOfprotoTrace(text).value;
    runs.push({ tool: kind, argv: [], output: text, stderr: '', exitCode: null, durationMs: 0, startedAt, timedOut: false });
    return { ...base, runs, ofproto: t, verdict: ofprotoVerdict(t) };
  }
  throw badRequest(
    kind === 'unknown'
      ? 'body.text is not output of ofproto/trace, ovn-detrace or ovn-trace'
      : `body.text looks like ${kind} output; import takes ofproto/trace, ovn-detrace or ovn-trace output`,
    'body.text',
  );
}
