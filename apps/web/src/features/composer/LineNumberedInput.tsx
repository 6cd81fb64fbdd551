import { useRef } from 'react';

/** A textarea with a line-number gutter; lines that have a diagnostic are marked in the gutter. */
export function LineNumberedInput({
  value,
  onChange,
  marks,
  placeholder,
  rows = 12,
  testId,
  label,
}: {
  value: string;
  onChange: (v: string) => void;
  marks: Map<number, 'error' | 'warning' | 'info'>;
  placeholder?: string;
  rows?: number;
  testId?: string;
  label: string;
}) {
  const gutter = useRef<HTMLDivElement>(null);
  const n = Math.max(rows, value.split('\n').length);
  const nums = [];
  for (let i = 1; i <= n; i++) {
    const m = marks.get(i);
    nums.push(
      <div key={i} className={m ? `gl ${m}` : 'gl'} title={m}>
        {m === 'error' ? '✖' : m === 'warning' ? '!' : ''}
        {i}
      </div>,
    );
  }
  return (
    <div className="lninput" style={{ height: `${rows * 1.45 + 0.8}em` }}>
      <div className="gutter" ref={gutter} aria-hidden="true">
        {nums}
      </div>
      <textarea
        aria-label={label}
        data-testid={testId}
        spellCheck={false}
        wrap="off"
        value={value}
        placeholder={placeholder}
        onChange={(e) => onChange(e.target.value)}
        onScroll={(e) => {
          if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop;
        }}
      />
    </div>
  );
}
