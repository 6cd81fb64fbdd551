import type { OfAction } from '@tracemap/model';
import type { NodeDetail } from './trace-model';

function Row({ k, v, code = true }: { k: string; v: string | number | undefined | null; code?: boolean }) {
  if (v === undefined || v === null || v === '') return null;
  return (
    <>
      <dt>{k}</dt>
      <dd className={code ? 'code' : ''}>{String(v)}</dd>
    </>
  );
}

function flatActions(actions: OfAction[], depth = 0): { text: string; depth: number; kind: string }[] {
  const out: { text: string; depth: number; kind: string }[] = [];
  for (const a of actions) {
    out.push({ text: a.text, depth, kind: a.kind });
    if (a.nested) out.push(...flatActions(a.nested, depth + 1));
  }
  return out;
}

/** ovn-detrace annotations already shown as the logical flow's own fields above. */
const ECHOED_NOTES = /^(logical-datapaths?|datapath|logical-flow)$/;

const CHANGE_KINDS = new Set(['set_field', 'load', 'move', 'mod_dl_src', 'mod_dl_dst', 'mod_nw_src', 'mod_nw_dst', 'dec_ttl', 'push_vlan', 'strip_vlan', 'pop_vlan', 'ct_clear']);

/** The selected node: OpenFlow flow, logical flow, annotations and what changed. */
export function NodeDetails({ detail }: { detail: NodeDetail | null }) {
  if (!detail) {
    return (
      <div className="details empty" data-testid="node-details">
        <p className="muted">Select a node (click, or focus the graph and use the arrow keys) to see its flows.</p>
      </div>
    );
  }
  const n = detail.node;
  return (
    <div className="details" data-testid="node-details" data-node-id={n.id}>
      <h3>
        {n.drop && <span className="badge drop">✖ drop</span>} {n.label}
        {n.stage && <span className="stage"> · {n.stage}</span>}
      </h3>
      {n.folded && n.folded > 1 && <p className="muted small">Stands for {n.folded} pass-through tables (compact mode).</p>}
      {n.conjBroken && (
        <div className="conj-explain" role="note" data-testid="conj-explanation">
          <strong>⚠ Broken conjunction {n.conjBroken.id}</strong>
          <p>{n.conjBroken.explanation}</p>
        </div>
      )}
      {detail.kind === 'of-step' && <OfStep d={detail} />}
      {detail.kind === 'ovn-step' && <OvnStep d={detail} />}
      {detail.kind === 'synthetic' && (
        <dl>
          <Row k="kind" v={n.kind} />
          <Row k="what" v={n.sublabel} />
          <Row k="lines" v={`${n.line}–${n.endLine}`} code={false} />
        </dl>
      )}
    </div>
  );
}

function OfStep({ d }: { d: Extract<NodeDetail, { kind: 'of-step' }> }) {
  const s = d.step;
  const acts = flatActions(s.actions);
  const changes = [
    ...acts.filter((a) => CHANGE_KINDS.has(a.kind)).map((a) => a.text),
    ...s.notes.filter((x) => / is now /.test(x)),
  ];
  const lg = s.logical;
  return (
    <>
      <h4>OpenFlow</h4>
      <dl>
        <Row k="bridge" v={s.bridge} />
        <Row k="table" v={s.table} />
        <Row k="priority" v={s.priority} />
        <Row k="cookie" v={s.cookie} />
        <Row k="match" v={s.match || '(any)'} />
        <Row k="pass" v={d.pass.index > 0 ? `${d.pass.index + 1} (${d.pass.banner ?? 'after recirculation'})` : undefined} />
        <Row k="lines" v={`${s.line}–${s.endLine}`} code={false} />
      </dl>
      {acts.length > 0 && (
        <>
          <h5>Actions</h5>
          <ul className="code actions">
            {acts.map((a, i) => (
              <li key={i} style={{ paddingLeft: `${a.depth}em` }} className={a.kind === 'drop' ? 'bad' : ''}>
                {a.text}
              </li>
            ))}
          </ul>
        </>
      )}
      {changes.length > 0 && (
        <>
          <h5>Registers and fields that changed</h5>
          <ul className="code actions">
            {changes.map((c, i) => (
              <li key={i}>{c}</li>
            ))}
          </ul>
        </>
      )}
      {s.notes.length > 0 && (
        <>
          <h5>Notes</h5>
          <ul className="code actions">
            {s.notes.map((x, i) => (
              <li key={i}>-&gt; {x}</li>
            ))}
          </ul>
        </>
      )}
      {lg && (
        <>
          <h4>Logical flow</h4>
          <dl>
            <Row k="datapath" v={lg.datapath ?? (lg.datapaths?.length ? `${lg.datapaths.length} datapaths (group)` : undefined)} />
            <Row k="pipeline" v={lg.pipeline} />
            <Row k="table" v={lg.table} />
            <Row k="stage" v={lg.stage} />
            <Row k="priority" v={lg.priority} />
            <Row k="match" v={lg.match} />
            <Row k="actions" v={lg.actions} />
            <Row k="uuid" v={lg.uuid} />
            <Row k="source" v={lg.source} />
          </dl>
          {lg.notes && lg.notes.some((x) => !ECHOED_NOTES.test(x.kind)) && (
            <>
              <h5>Bindings, ACLs, interfaces</h5>
              <ul className="code actions">
                {lg.notes.filter((x) => !ECHOED_NOTES.test(x.kind)).map((x, i) => (
                  <li key={i}>
                    <span className="muted">{x.kind}:</span> {x.text}
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
      {!lg && <p className="muted small">No logical flow attached (no ovn-detrace annotation for this cookie).</p>}
    </>
  );
}

function OvnStep({ d }: { d: Extract<NodeDetail, { kind: 'ovn-step' }> }) {
  const s = d.step;
  return (
    <>
      <h4>Logical flow</h4>
      <dl>
        <Row k="datapath" v={d.section.datapath} />
        <Row k="pipeline" v={d.section.pipeline} />
        <Row k="inport" v={d.section.inport} />
        <Row k="outport" v={d.section.outport} />
        <Row k="table" v={s.table} />
        <Row k="stage" v={s.stage} />
        <Row k="priority" v={s.priority} />
        <Row k="match" v={s.match} />
        <Row k="uuid" v={s.uuid} />
        <Row k="source" v={s.source} />
        <Row k="lines" v={`${s.line}–${s.endLine ?? s.line}`} code={false} />
      </dl>
      {s.noMatch && <p className="bad">✖ no match: implicit drop</p>}
      {s.actions.length > 0 && (
        <>
          <h5>Actions</h5>
          <ul className="code actions">
            {s.actions.map((a, i) => (
              <li key={i}>{a}</li>
            ))}
          </ul>
        </>
      )}
      {s.notes && s.notes.length > 0 && (
        <>
          <h5>Notes</h5>
          <ul className="code actions">
            {s.notes.map((a, i) => (
              <li key={i}>{a}</li>
            ))}
          </ul>
        </>
      )}
      {s.openflow && s.openflow.length > 0 && (
        <>
          <h5>OpenFlow flows</h5>
          <ul className="code actions">
            {s.openflow.map((a, i) => (
              <li key={i}>{a}</li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}
