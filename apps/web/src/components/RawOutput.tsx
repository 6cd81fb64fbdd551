import { forwardRef, useCallback, useImperativeHandle, useMemo, useRef } from 'react';
import { VirtualList, type VirtualListHandle } from './VirtualList';

/*
 * A tool's output, monospace with line numbers. Lines in [highlight.from, highlight.to] are
 * marked; scrollToLine centres a line. Virtualised: long traces have tens of thousands of lines.
 */
export interface RawOutputHandle {
  scrollToLine(line: number): void;
}

export interface RawOutputProps {
  text: string;
  highlight?: { from: number; to: number } | null;
  /** Lines to mark as problems (diagnostics). */
  marks?: Map<number, string>;
  onLineClick?: (line: number) => void;
  label: string;
  testId?: string;
}

const ROW = 18;

export const RawOutput = forwardRef<RawOutputHandle, RawOutputProps>(function RawOutput(
  { text, highlight, marks, onLineClick, label, testId = 'raw-output' },
  ref,
) {
  const lines = useMemo(() => text.replace(/\n$/, '').split('\n'), [text]);
  const list = useRef<VirtualListHandle>(null);
  useImperativeHandle(ref, () => ({ scrollToLine: (line) => list.current?.scrollToIndex(line - 1, 'center') }), []);
  const width = String(lines.length).length;
  const renderRow = useCallback(
    (i: number) => {
      const n = i + 1;
      const hit = highlight && n >= highlight.from && n <= highlight.to;
      const mark = marks?.get(n);
      return (
        <div
          className={`raw-line${hit ? ' hit' : ''}${mark ? ' marked' : ''}`}
          data-line={n}
          data-hit={hit ? 'true' : undefined}
          title={mark}
          onClick={onLineClick ? () => onLineClick(n) : undefined}
        >
          <span className="ln" aria-hidden="true">
            {String(n).padStart(width, ' ')}
          </span>
          <span className="lt">{lines[i] || ' '}</span>
        </div>
      );
    },
    [lines, highlight, marks, onLineClick, width],
  );
  return <VirtualList ref={list} className="raw" count={lines.length} rowHeight={ROW} renderRow={renderRow} data-testid={testId} aria-label={label} role="log" />;
});
