/** One value per host, built at most once at a time, rebuilt when older than ttl or on demand. */
export class HostCache<T> {
  private entries = new Map<string, { at: number; value: T }>();
  private building = new Map<string, Promise<T>>();
  constructor(
    private readonly ttlMs: number,
    private readonly build: (host: string) => Promise<T>,
  ) {}

  async get(host: string, refresh = false): Promise<{ value: T; builtAt: number; fresh: boolean }> {
    const e = this.entries.get(host);
    if (e && !refresh && Date.now() - e.at < this.ttlMs) return { value: e.value, builtAt: e.at, fresh: false };
    let p = this.building.get(host);
    if (!p) {
      p = this.build(host).then(
        (value) => {
          this.entries.set(host, { at: Date.now(), value });
          this.building.delete(host);
          return value;
        },
        (err) => {
          this.building.delete(host);
          throw err;
        },
      );
      this.building.set(host, p);
    }
    const value = await p;
    return { value, builtAt: this.entries.get(host)?.at ?? Date.now(), fresh: true };
  }

  peek(host: string): T | undefined {
    return this.entries.get(host)?.value;
  }
}
