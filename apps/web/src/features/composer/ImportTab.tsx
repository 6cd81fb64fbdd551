import { useDeferredValue, useMemo, useState } from 'react';
import { detectKind } from '@tracemap/parsers';
import { RunBar } from './RunBar';
import { useTraceRun } from './useTraceRun';

const KIND_TEXT: Record<string, string> = {
  'ofproto-trace': 'ofproto/trace output',
  'ovn-detrace': 'ofproto/trace annotated by ovn-detrace',
  'ovn-trace': 'ovn-trace output',
  'dump-flows': 'ovs-ofctl dump-flows (not a trace)',
  'lflow-list': 'ovn-sbctl lflow-list (not a trace)',
  packet: 'a packet (use the Packet tab to trace it)',
  unknown: 'not recognised yet',
};

export function ImportTab() {
  const [text, setText] = useState('');
  const run = useTraceRun();
  const deferred = useDeferredValue(text);
  const kind = useMemo(() => (deferred.trim() ? detectKind(deferred) : null), [deferred]);
  return (
    <form
      className="tabpanel"
      onSubmit={(e) => {
        e.preventDefault();
        if (text.trim()) run.run({ type: 'import', text });
      }}
    >
      <p className="muted">Paste the output of ovn-trace, ofproto/trace or ovn-detrace from any machine. Nothing runs on a host.</p>
      <textarea className="code" rows={16} spellCheck={false} value={text} onChange={(e) => setText(e.target.value)} data-testid="import-input" aria-label="Tool output" wrap="off" />
      <div className="row">
        {kind && (
          <span data-testid="import-kind" className={kind === 'unknown' ? 'warn' : 'ok'}>
            {kind === 'unknown' ? '?' : '✔'} Looks like {KIND_TEXT[kind] ?? kind}
          </span>
        )}
      </div>
      <RunBar run={run} disabled={!text.trim()} label="Import" {...(!text.trim() ? { why: 'Paste some output.' } : {})} />
    </form>
  );
}
