import { useCallback, useLayoutEffect, useRef, type RefObject } from 'react';
import { select, zoom, zoomIdentity, type ZoomBehavior, type ZoomTransform } from 'd3';

/*
 * d3-zoom on an <svg>, applied to one <g> by attribute: panning touches a single transform
 * attribute per frame (no React render per wheel event). What is under the <g> is the caller's
 * business (FlowGraph culls to the viewport, re-rendering only when a pan nears the drawn
 * region's edge). The behaviour is removed on unmount.
 */
export interface ZoomApi {
  /** Centre (x, y) in graph coordinates at scale k. */
  centerOn(x: number, y: number, k?: number, animate?: boolean): void;
  /** Fit the box [x0, y0, x1, y1] in view, never zooming in beyond maxK. */
  fit(box: [number, number, number, number], maxK?: number, animate?: boolean): void;
  /** Pan just enough that the box is visible. */
  reveal(box: [number, number, number, number]): void;
  zoomBy(factor: number): void;
  current(): ZoomTransform;
}

export interface ZoomOptions {
  scaleExtent?: [number, number];
  /** Called when the scale changes (not on pans): for level-of-detail styling outside React. */
  onScale?: (k: number) => void;
  /** Called on every change (pans too), after the <g> moved: keep it cheap (FlowGraph's culling check). */
  onTransform?: (t: ZoomTransform) => void;
  /**
   * The svg's size, if the caller keeps it (a ResizeObserver): else it is read from clientWidth,
   * which right after React commits a large drawing forces a synchronous layout of all of it.
   */
  size?: () => { w: number; h: number };
}

export function useZoom(svgRef: RefObject<SVGSVGElement>, gRef: RefObject<SVGGElement>, { scaleExtent = [0.05, 3], onScale, onTransform, size: knownSize }: ZoomOptions = {}): ZoomApi {
  const behaviour = useRef<ZoomBehavior<SVGSVGElement, unknown> | null>(null);
  const transform = useRef<ZoomTransform>(zoomIdentity);
  const scaleCb = useRef(onScale);
  scaleCb.current = onScale;
  const transformCb = useRef(onTransform);
  transformCb.current = onTransform;
  const sizeCb = useRef(knownSize);
  sizeCb.current = knownSize;
  const lastK = useRef<number | null>(null);

  // A layout effect, so that callers' own layout effects (open on the drop) find the behaviour ready.
  useLayoutEffect(() => {
    const svg = svgRef.current;
    const g = gRef.current;
    if (!svg || !g) return;
    const z = zoom<SVGSVGElement, unknown>()
      .scaleExtent(scaleExtent)
      // Plain wheel pans sideways through a long trace; ctrl/⌘ + wheel (and pinch) zooms.
      .filter((ev: Event) => {
        const e = ev as MouseEvent;
        return (!e.ctrlKey || ev.type === 'wheel') && !e.button;
      })
      .on('zoom', (ev: { transform: ZoomTransform }) => {
        transform.current = ev.transform;
        g.setAttribute('transform', ev.transform.toString());
        svg.dataset.zoom = `${ev.transform.k.toFixed(3)},${ev.transform.x.toFixed(0)},${ev.transform.y.toFixed(0)}`;
        if (ev.transform.k !== lastK.current) {
          lastK.current = ev.transform.k;
          scaleCb.current?.(ev.transform.k);
        }
        transformCb.current?.(ev.transform);
      });
    // d3's default extent reads the svg's clientWidth on every call, including the one that opens
    // the view right after React commits the drawing (a forced layout of all of it).
    if (sizeCb.current) {
      z.extent(() => {
        const { w, h } = sizeCb.current!();
        return [
          [0, 0],
          [w, h],
        ];
      });
    }
    behaviour.current = z;
    const sel = select(svg);
    sel.call(z).on('dblclick.zoom', null);
    sel.call(z.transform, transform.current);
    return () => {
      sel.on('.zoom', null);
      sel.interrupt();
      behaviour.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [svgRef, gRef, scaleExtent[0], scaleExtent[1]]);

  const apply = useCallback(
    (t: ZoomTransform, animate: boolean) => {
      const svg = svgRef.current;
      const z = behaviour.current;
      if (!svg || !z) return;
      const sel = select(svg);
      if (animate) sel.transition().duration(250).call(z.transform, t);
      else sel.call(z.transform, t);
    },
    [svgRef],
  );

  const size = useCallback(() => {
    if (sizeCb.current) return sizeCb.current();
    const svg = svgRef.current;
    return svg ? { w: svg.clientWidth || 800, h: svg.clientHeight || 400 } : { w: 800, h: 400 };
  }, [svgRef]);

  return {
    centerOn(x, y, k = transform.current.k, animate = true) {
      const { w, h } = size();
      apply(zoomIdentity.translate(w / 2 - x * k, h / 2 - y * k).scale(k), animate);
    },
    fit([x0, y0, x1, y1], maxK = 1, animate = false) {
      const { w, h } = size();
      const pad = 24;
      const k = Math.max(scaleExtent[0], Math.min(maxK, (w - 2 * pad) / Math.max(1, x1 - x0), (h - 2 * pad) / Math.max(1, y1 - y0)));
      const tx = (w - (x1 - x0) * k) / 2 - x0 * k;
      const ty = (h - (y1 - y0) * k) / 2 - y0 * k;
      apply(zoomIdentity.translate(tx, ty).scale(k), animate);
    },
    reveal([x0, y0, x1, y1]) {
      const t = transform.current;
      const { w, h } = size();
      const [sx0, sy0] = t.apply([x0, y0]);
      const [sx1, sy1] = t.apply([x1, y1]);
      const m = 40;
      let dx = 0;
      let dy = 0;
      if (sx0 < m) dx = m - sx0;
      else if (sx1 > w - m) dx = w - m - sx1;
      if (sy0 < m) dy = m - sy0;
      else if (sy1 > h - m) dy = h - m - sy1;
      if (dx || dy) apply(zoomIdentity.translate(t.x + dx, t.y + dy).scale(t.k), true);
    },
    zoomBy(factor) {
      const svg = svgRef.current;
      const z = behaviour.current;
      if (svg && z) select(svg).transition().duration(150).call(z.scaleBy, factor);
    },
    current: () => transform.current,
  };
}
