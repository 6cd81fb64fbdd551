import type { DecodedPacket, Diagnostic, PacketLayer } from '@tracemap/model';

const SKIP = new Set(['type', 'offset', 'length', 'depth', 'truncated', 'payloadTruncated']);

function fmt(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') {
    if (Array.isArray(v)) return v.map(fmt).join(', ');
    return Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== false && x !== undefined)
      .map(([k, x]) => (x === true ? k : `${k}=${fmt(x)}`))
      .join(' ');
  }
  return String(v);
}

function LayerRow({ layer }: { layer: PacketLayer }) {
  const fields = Object.entries(layer).filter(([k]) => !SKIP.has(k));
  return (
    <li className="layer" data-layer={layer.type} style={{ marginLeft: `${(layer.depth ?? 0) * 1.2}em` }}>
      <span className="layer-name">{layer.type}</span>
      <span className="muted small">
        @{layer.offset}+{layer.length}
        {layer.truncated ? ' truncated' : ''}
        {layer.payloadTruncated ? ' payload cut' : ''}
      </span>
      <span className="fields">
        {fields.map(([k, v]) => (
          <span key={k} className="field">
            <span className="k">{k}</span>=<span className="v">{fmt(v)}</span>
          </span>
        ))}
      </span>
    </li>
  );
}

/** The packet as the browser decoded it, layer by layer, with the parser's diagnostics by line. */
export function PacketDecode({ packets, diagnostics }: { packets: DecodedPacket[]; diagnostics: Diagnostic[] }) {
  return (
    <div className="decode" data-testid="packet-decode" aria-live="polite">
      {diagnostics.length > 0 && (
        <ul className="diags" data-testid="packet-diagnostics">
          {diagnostics.map((d, i) => (
            <li key={i} className={`diag ${d.severity ?? 'error'}`}>
              <span className="sev">{d.severity === 'warning' ? '! warning' : d.severity === 'info' ? 'i note' : '✖ error'}</span>
              <span className="at">line {d.line}</span> {d.message}
            </li>
          ))}
        </ul>
      )}
      {packets.map((p, i) => (
        <section key={i} className="packet" data-testid="decoded-packet">
          <div className="packet-head">
            <strong>
              Packet {i + 1}
              {packets.length > 1 && i === 0 ? ' (traced)' : ''}
            </strong>{' '}
            <span className="muted">
              lines {p.line}–{p.lineEnd ?? p.line} · {p.length ?? p.hex.length / 2} bytes · {p.linkType ?? '?'}
            </span>
          </div>
          <div className="code small">{p.description}</div>
          {p.needsEthernet && (
            <div className="diag warning">
              ! This capture starts above the link layer; the server adds an Ethernet header before tracing.
            </div>
          )}
          <ul className="layers">
            {p.layers.map((l, j) => (
              <LayerRow key={j} layer={l} />
            ))}
          </ul>
          {p.checksums.length > 0 && (
            <div className="small">
              {p.checksums.map((c, j) => (
                <span key={j} className={c.ok ? 'ok' : c.partial ? 'warn' : 'bad'}>
                  {c.ok ? '✔' : '✖'} {c.layer} {c.field} 0x{c.found.toString(16).padStart(4, '0')}
                  {!c.ok && ` (expected 0x${c.expected.toString(16).padStart(4, '0')}${c.partial ? ', offload: not yet filled in' : ''})`}{' '}
                </span>
              ))}
            </div>
          )}
        </section>
      ))}
    </div>
  );
}
