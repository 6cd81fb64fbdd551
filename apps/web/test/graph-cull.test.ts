import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseOvnDetrace } from '@tracemap/parsers';
import { buildTraceGraph } from '@tracemap/analysis';
import {
  CULL_MAX_RATIO,
  chooseWrap,
  cullLayout,
  cullRegion,
  layoutGraph,
  lodFor,
  nodeBox,
  openingView,
  regionServes,
  viewBox,
  viewportBox,
  type Box,
} from '../src/viz/graph-layout';

/*
 * Viewport culling of the flow graph: whatever a viewport shows must be drawn, whatever is pinned
 * (the selection, the drop) must be drawn anywhere, and a region keeps serving pans within it.
 * The graph is the bench's: every real ovn-detrace capture of the sandbox joined, 2,000+ steps.
 */
const SB = join(import.meta.dirname, '../../../packages/parsers/test/fixtures/sandbox');
const one = readdirSync(SB)
  .filter((d) => !d.startsWith('_'))
  .flatMap((d) => readdirSync(join(SB, d)).filter((f) => f.endsWith('.ovn-detrace.txt')).map((f) => join(SB, d, f)))
  .sort()
  .map((f) => readFileSync(f, 'utf8').trimEnd())
  .join('\n');
let text = one;
while (parseOvnDetrace(text).value.passes.reduce((a, p) => a + p.steps.length, 0) < 2000) text += `\n${one}`;
const graph = buildTraceGraph(parseOvnDetrace(text).value, { compact: false, brokenConjunctions: [] });
const W = 1000;
const H = 460;
const layout = layoutGraph(graph, { wrap: chooseWrap(graph, W, H) });

const overlaps = (a: Box, b: Box) => a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];

describe('flow graph culling', () => {
  it('draws every node, edge and band the viewport shows, and not the whole graph', () => {
    assert.ok(layout.nodes.length > 2000, `${layout.nodes.length} nodes`);
    for (const [k, fx, fy] of [
      [0.55, 0.5, 0.95],
      [1, 0.1, 0.1],
      [0.3, 0.7, 0.5],
      [2, 0.9, 0.3],
    ] as const) {
      const t = { k, x: W / 2 - fx * layout.width * k, y: H / 2 - fy * layout.height * k };
      const vp = viewportBox(t, W, H);
      const c = cullLayout(layout, cullRegion(vp));
      const drawn = new Set(c.nodes.map((p) => p.node.id));
      for (const p of layout.nodes) if (overlaps(vp, nodeBox(p))) assert.ok(drawn.has(p.node.id), `node ${p.node.id} in view at k=${k} is drawn`);
      const edges = new Set(c.edges);
      for (const e of layout.edges) {
        const a = layout.byId.get(e.edge.from)!;
        const b = layout.byId.get(e.edge.to)!;
        if (overlaps(vp, nodeBox(a)) && overlaps(vp, nodeBox(b))) assert.ok(edges.has(e), `edge ${e.edge.id} between two nodes in view is drawn`);
      }
      const bands = new Set(c.segments);
      for (const s of layout.segments) if (overlaps(vp, [s.x, s.y, s.x + s.width, s.y + s.height])) assert.ok(bands.has(s), `band ${s.index} in view is drawn`);
      assert.ok(c.nodes.length < layout.nodes.length / 3, `k=${k}: ${c.nodes.length} of ${layout.nodes.length} nodes drawn`);
    }
  });

  it('keeps walk order and always draws pinned nodes', () => {
    const first = layout.nodes[0]!;
    const last = layout.nodes[layout.nodes.length - 1]!;
    const region = cullRegion(viewBox({ k: 1, cx: last.x, cy: last.y }, W, H));
    const c = cullLayout(layout, region, [first.node.id, null, undefined, 'no-such-node']);
    assert.equal(c.nodes[0], first, 'a pinned node far away is drawn');
    assert.ok(c.nodes.includes(last));
    for (let i = 1; i < c.nodes.length; i++) assert.ok(c.nodes[i]!.order > c.nodes[i - 1]!.order, 'walk order');
    const all = cullLayout(layout, null);
    assert.equal(all.nodes.length, layout.nodes.length);
    assert.equal(all.edges.length, layout.edges.length);
  });

  it('opens with the drawn region on the opening view', () => {
    const end = graph.path[graph.path.length - 1];
    const v = openingView(layout, W, H, end, false);
    const c = cullLayout(layout, cullRegion(viewBox(v, W, H)));
    assert.ok(c.nodes.some((p) => p.node.id === (v.reason === 'end' ? end : layout.nodes[0]!.node.id)));
  });

  it('a region serves pans inside it and not zooms far in or out of it', () => {
    const vp: Box = [1000, 2000, 2000, 2500];
    const region = cullRegion(vp);
    assert.ok(regionServes(region, vp));
    assert.ok(regionServes(region, [1300, 2100, 2300, 2600]), 'a pan within the margin');
    assert.ok(!regionServes(region, [1600, 2000, 2600, 2500]), 'a pan past the margin');
    assert.ok(!regionServes(region, [0, 1500, 3000, 3000]), 'zoomed out');
    const k = Math.sqrt(CULL_MAX_RATIO / 4) * 1.1;
    const cx = 1500;
    const cy = 2250;
    assert.ok(!regionServes(region, [cx - 500 / k, cy - 250 / k, cx + 500 / k, cy + 250 / k]), 'zoomed far in: a smaller region is due');
    assert.ok(regionServes(null, vp));
  });

  it('drops text by scale', () => {
    assert.equal(lodFor(1), 'full');
    assert.equal(lodFor(0.55), 'full');
    assert.equal(lodFor(0.3), 'label');
    assert.equal(lodFor(0.1), 'box');
  });
});
