/*
 * `ovsdb-client -f json dump SERVER DB TABLE [COLUMN...]` prints one object per table:
 *   {"caption":"Interface table","data":[[["uuid","5cba..."],"rt-vm1",2,["map",[["iface-id","rt-vm1"]]]]],"headings":["_uuid","name","ofport","external_ids"]}
 * OVSDB values are tagged: ["uuid", u], ["set", [...]], ["map", [[k, v], ...]]; a set of one
 * element is printed bare.
 */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Row = Record<string, Json>;

export function parseDump(text: string): Map<string, Row[]> {
  const out = new Map<string, Row[]>();
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    const obj = JSON.parse(t) as { caption?: string; data?: Json[][]; headings?: string[] };
    const table = (obj.caption ?? '').replace(/ table$/, '');
    const headings = obj.headings ?? [];
    const rows = (obj.data ?? []).map((d) => Object.fromEntries(headings.map((h, i) => [h, d[i] ?? null])) as Row);
    out.set(table, [...(out.get(table) ?? []), ...rows]);
  }
  return out;
}

export function uuidOf(v: Json | undefined): string | undefined {
  return Array.isArray(v) && v[0] === 'uuid' && typeof v[1] === 'string' ? v[1] : undefined;
}

export function setOf(v: Json | undefined): Json[] {
  if (Array.isArray(v) && v[0] === 'set' && Array.isArray(v[1])) return v[1];
  if (v === undefined || v === null) return [];
  return [v];
}

export function mapOf(v: Json | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(v) && v[0] === 'map' && Array.isArray(v[1])) {
    for (const kv of v[1]) if (Array.isArray(kv)) out[String(kv[0])] = String(kv[1]);
  }
  return out;
}

export function strOf(v: Json | undefined): string | undefined {
  const s = setOf(v)[0];
  return typeof s === 'string' ? s : undefined;
}

export function numOf(v: Json | undefined): number | undefined {
  const s = setOf(v)[0];
  return typeof s === 'number' ? s : undefined;
}

export function strings(v: Json | undefined): string[] {
  return setOf(v).filter((x): x is string => typeof x === 'string');
}
