import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

/** Does the Accept-Encoding header take gzip (named, else `*`; not with q=0)? */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header.join(',') : header ?? '';
  const q = new Map<string, number>();
  for (const part of value.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const qv = params.map((x) => x.trim()).find((x) => x.startsWith('q='));
    if (name) q.set(name, qv ? Number(qv.slice(2)) : 1);
  }
  return (q.get('gzip') ?? q.get('*') ?? 0) > 0;
}

/**
 * gzip bodies of immutable records by key, compressed once (off the event loop) and kept while
 * they fit a byte budget, oldest use evicted first. A stored trace never changes, so an entry is
 * never stale; a permalink of a 2,000-step trace (5 MB of JSON) then costs no compression per GET.
 */
export class GzipCache {
  private entries = new Map<string, Promise<Buffer>>();
  private sizes = new Map<string, number>();
  private bytes = 0;
  constructor(
    private readonly budgetBytes: number,
    private readonly level = 6,
  ) {}

  /** The gzip of what `load` returns under `key`: compressed now, or the one compressed before; null (not kept) when `load` has nothing. */
  get(key: string, load: () => string | null): Promise<Buffer | null> {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key); // re-insert: most recently used last
      this.entries.set(key, hit);
      return hit;
    }
    const text = load();
    if (text === null) return Promise.resolve(null);
    const p: Promise<Buffer> = gzipAsync(text, { level: this.level }).then(
      (buf) => {
        if (this.entries.get(key) === p) this.account(key, buf.length);
        return buf;
      },
      (e: unknown) => {
        this.entries.delete(key);
        throw e;
      },
    );
    this.entries.set(key, p);
    return p;
  }

  delete(key: string): void {
    if (!this.entries.delete(key)) return;
    this.bytes -= this.sizes.get(key) ?? 0;
    this.sizes.delete(key);
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  private account(key: string, n: number) {
    this.sizes.set(key, n);
    this.bytes += n;
    for (const k of this.entries.keys()) {
      if (this.bytes <= this.budgetBytes || k === key) break;
      this.bytes -= this.sizes.get(k) ?? 0;
      this.sizes.delete(k);
      this.entries.delete(k);
    }
  }
}
