import { useCallback, useEffect, useImperativeHandle, useLayoutEffect, useRef, useState, forwardRef, type ReactNode } from 'react';

/*
 * A fixed-row-height virtual list: only the rows in view (plus a little overscan) exist in the
 * DOM, so 500,000 rows cost the same as 50. The scroll position is read in a rAF so a fast
 * wheel does not re-render more than once a frame.
 */
export interface VirtualListHandle {
  scrollToIndex(index: number, align?: 'start' | 'center'): void;
}

export interface VirtualListProps {
  count: number;
  rowHeight: number;
  renderRow: (index: number) => ReactNode;
  overscan?: number;
  className?: string;
  /** Called with the visible range; used to fetch the next page near the end. */
  onRange?: (first: number, last: number) => void;
  'data-testid'?: string;
  role?: string;
  'aria-label'?: string;
}

export const VirtualList = forwardRef<VirtualListHandle, VirtualListProps>(function VirtualList(
  { count, rowHeight, renderRow, overscan = 8, className, onRange, role, ...rest },
  ref,
) {
  const outer = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  const frame = useRef(0);

  useLayoutEffect(() => {
    const el = outer.current;
    if (!el) return;
    setHeight(el.clientHeight);
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useEffect(() => () => cancelAnimationFrame(frame.current), []);

  const onScroll = useCallback(() => {
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => {
      if (outer.current) setScrollTop(outer.current.scrollTop);
    });
  }, []);

  useImperativeHandle(
    ref,
    () => ({
      scrollToIndex(index, align = 'center') {
        const el = outer.current;
        if (!el) return;
        const top = index * rowHeight - (align === 'center' ? el.clientHeight / 2 - rowHeight : 0);
        el.scrollTop = Math.max(0, top);
        setScrollTop(el.scrollTop);
      },
    }),
    [rowHeight],
  );

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count - 1, Math.ceil((scrollTop + height) / rowHeight) + overscan);

  useEffect(() => {
    onRange?.(first, last);
  }, [first, last, onRange]);

  const rows: ReactNode[] = [];
  for (let i = first; i <= last; i++) {
    rows.push(
      <div key={i} className="vrow" style={{ transform: `translateY(${i * rowHeight}px)`, height: rowHeight }}>
        {renderRow(i)}
      </div>,
    );
  }
  return (
    <div ref={outer} className={`vlist ${className ?? ''}`} onScroll={onScroll} role={role} aria-label={rest['aria-label']} data-testid={rest['data-testid']} data-count={count}>
      <div className="vlist-inner" style={{ height: count * rowHeight }}>
        {rows}
      </div>
    </div>
  );
});
