import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import fp from 'fastify-plugin';

/*
 * Traces under permalinks. SQLite in WAL mode in the data directory; records are immutable
 * (triggers refuse UPDATE and DELETE), ids are 12 random base62 characters (~71 bits).
 * A data directory that was initialised once keeps a marker file: if its database then goes
 * missing, or does not open, or fails its integrity check, start-up stops with a message instead
 * of quietly starting a fresh, empty database over the user's permalinks.
 */

export const DB_FILE = 'tracemap.db';
export const MARKER_FILE = 'tracemap-data.json';
const SCHEMA_VERSION = 1;

export class StoreError extends Error {}

export interface StoredTrace {
  id: string;
  type: string;
  createdAt: string;
  host: string | null;
  summary: string;
  record: Record<string, unknown>;
}

export interface TraceListItem {
  id: string;
  type: string;
  createdAt: string;
  host: string | null;
  summary: string;
}

export interface TraceStore {
  readonly path: string;
  /** Stores a new record under a fresh id; `build` receives the id and returns the record. */
  insert(meta: { type: string; host: string | null; summary: string; createdAt: string }, build: (id: string) => Record<string, unknown>): StoredTrace & { text: string };
  get(id: string): StoredTrace | null;
  /** The record as stored (JSON text): records are immutable, so it can be sent as is. */
  getRaw(id: string): string | null;
  list(limit: number, cursor?: string): { items: TraceListItem[]; nextCursor?: string };
  count(): number;
  close(): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    store: TraceStore;
  }
}

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const ID_PATTERN = '^[0-9A-Za-z]{12}$';

export function newId(): string {
  // Rejection sampling keeps every character uniform (256 % 62 != 0).
  let out = '';
  while (out.length < 12) {
    for (const b of randomBytes(16)) {
      if (b < 248 && out.length < 12) out += ALPHABET[b % 62];
    }
  }
  return out;
}

export function openStore(dataDir: string): TraceStore {
  const path = join(dataDir, DB_FILE);
  const marker = join(dataDir, MARKER_FILE);
  const fresh = !existsSync(path);
  if (fresh && existsSync(marker)) {
    let since = '';
    try {
      since = ` (initialised ${JSON.parse(readFileSync(marker, 'utf8')).createdAt})`;
    } catch {
      /* marker unreadable: still refuse */
    }
    throw new StoreError(
      `the trace database ${path} is missing but ${dataDir} was already in use${since}. ` +
        `tracemap will not create an empty one over lost permalinks: restore ${DB_FILE} from a backup, ` +
        `or remove ${marker} to start afresh.`,
    );
  }
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (e) {
    throw new StoreError(`cannot create the data directory ${dataDir}: ${(e as Error).message}`);
  }
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: !fresh });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`integrity check: ${String(check)}`);
  } catch (e) {
    throw new StoreError(
      `the trace database ${path} cannot be used: ${(e as Error).message}. ` +
        `It was left untouched; restore it from a backup or move it away to start with an empty one.`,
    );
  }
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (fresh || version === 0) {
      const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type='table' AND name='traces'").get();
      if (!fresh && !hasTable) {
        const other = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type='table'").get() as { n: number };
        if (other.n > 0) throw new Error('it holds tables that are not tracemap\'s');
      }
      db.exec(`
        CREATE TABLE IF NOT EXISTS traces (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          id TEXT NOT NULL UNIQUE,
          type TEXT NOT NULL,
          created_at TEXT NOT NULL,
          host TEXT,
          summary TEXT NOT NULL,
          record TEXT NOT NULL
        );
        CREATE TRIGGER IF NOT EXISTS traces_no_update BEFORE UPDATE ON traces BEGIN SELECT RAISE(ABORT, 'trace records are immutable'); END;
        CREATE TRIGGER IF NOT EXISTS traces_no_delete BEFORE DELETE ON traces BEGIN SELECT RAISE(ABORT, 'trace records are immutable'); END;
      `);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    } else if (version > SCHEMA_VERSION) {
      throw new Error(`schema version ${version} is newer than this tracemap understands (${SCHEMA_VERSION})`);
    }
    if (!existsSync(marker)) writeFileSync(marker, JSON.stringify({ createdAt: new Date().toISOString(), db: DB_FILE }) + '\n');
  } catch (e) {
    db.close();
    throw new StoreError(`the trace database ${path} cannot be used: ${(e as Error).message}`);
  }

  const ins = db.prepare('INSERT INTO traces (id, type, created_at, host, summary, record) VALUES (?, ?, ?, ?, ?, ?)');
  const byId = db.prepare('SELECT id, type, created_at, host, summary, record FROM traces WHERE id = ?');
  const byRaw = db.prepare('SELECT record FROM traces WHERE id = ?');
  const page = db.prepare('SELECT seq, id, type, created_at, host, summary FROM traces WHERE seq < ? ORDER BY seq DESC LIMIT ?');
  const cnt = db.prepare('SELECT count(*) AS n FROM traces');

  type Row = { id: string; type: string; created_at: string; host: string | null; summary: string; record: string };

  return {
    path,
    insert(meta, build) {
      for (let attempt = 0; ; attempt++) {
        const id = newId();
        const record = build(id);
        try {
          const text = JSON.stringify(record);
          ins.run(id, meta.type, meta.createdAt, meta.host, meta.summary, text);
          return { id, ...meta, record, text };
        } catch (e) {
          // A collision of 71 random bits is not going to happen, but never overwrite if it does.
          if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' && attempt < 3) continue;
          throw e;
        }
      }
    },
    get(id) {
      const r = byId.get(id) as Row | undefined;
      if (!r) return null;
      return { id: r.id, type: r.type, createdAt: r.created_at, host: r.host, summary: r.summary, record: JSON.parse(r.record) as Record<string, unknown> };
    },
    getRaw(id) {
      const r = byRaw.get(id) as { record: string } | undefined;
      return r ? r.record : null;
    },
    list(limit, cursor) {
      const before = cursor ? Number.parseInt(cursor, 36) : Number.MAX_SAFE_INTEGER;
      const rows = page.all(Number.isFinite(before) ? before : 0, limit + 1) as (Omit<Row, 'record'> & { seq: number })[];
      const items = rows.slice(0, limit).map((r) => ({ id: r.id, type: r.type, createdAt: r.created_at, host: r.host, summary: r.summary }));
      const out: { items: TraceListItem[]; nextCursor?: string } = { items };
      if (rows.length > limit) out.nextCursor = rows[limit - 1]!.seq.toString(36);
      return out;
    },
    count: () => (cnt.get() as { n: number }).n,
    close: () => db.close(),
  };
}

export const storePlugin = fp(
  async (app) => {
    const store = openStore(app.config.dataDir);
    app.log.info({ path: store.path, traces: store.count() }, 'trace store open');
    app.decorate('store', store);
    app.addHook('onClose', async () => store.close());
  },
  { name: 'store', dependencies: ['config'] },
);
