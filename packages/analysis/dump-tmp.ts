import { readFileSync } from 'node:fs';
import { parseOvnDetrace, parseOfprotoTrace } from '@tracemap/parsers';
const f = process.argv[2]!;
const t = f.includes('detrace') ? parseOvnDetrace(readFileSync(f,'utf8')).value : parseOfprotoTrace(readFileSync(f,'utf8')).value;
for (const p of t.passes) {
  console.log('PASS', p.index, p.banner, p.recircId, p.resumeTable, 'DA:', p.datapathActions, JSON.stringify(p.events?.map(e=>e.kind+':'+e.text)));
  p.steps.forEach((s,i)=>console.log(' ', i, s.kind, s.bridge, 't'+s.table, 'd'+s.depth, 'p'+s.priority, s.cookie, s.match.slice(0,60), '|', s.actions.map(a=>a.kind).join(','), s.dropped?'DROPPED':'', s.conjId??'', s.logical ? JSON.stringify({dp:s.logical.datapath, dps:s.logical.datapaths?.length, pl:s.logical.pipeline, st:s.logical.stage, a:s.logical.actions, notes:s.logical.notes?.map(n=>n.kind)}) : '', s.notes.join(';').slice(0,80)));
}
console.log(JSON.stringify(t.verdict));
