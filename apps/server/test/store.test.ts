import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DB_FILE, newId, openStore, StoreError } from '../src/plugins/store';
import { tempDir } from './helpers';

const meta = (summary = 's') => ({ type: 'import', host: null, summary, createdAt: new Date().toISOString() });

describe('trace store', () => {
  it('ids are 12 random base62 characters', () => {
    const ids = new Set(Array.from({ length: 10_000 }, newId));
    assert.equal(ids.size, 10_000);
    for (const id of ids) assert.match(id, /^[0-9A-Za-z]{12}$/);
  });
  it('stores, reads back, pages newest first, survives reopening', () => {
    const d = tempDir();
    try {
      const s = openStore(d.dir);
      const ids = Array.from({ length: 5 }, (_, i) => s.insert(meta(`t${i}`), (id) => ({ id, n: i })).id);
      assert.deepEqual(s.get(ids[2]!)!.record, { id: ids[2], n: 2 });
      const p1 = s.list(2);
      assert.deepEqual(p1.items.map((x) => x.id), [ids[4], ids[3]]);
      const p2 = s.list(2, p1.nextCursor);
      assert.deepEqual(p2.items.map((x) => x.id), [ids[2], ids[1]]);
      const p3 = s.list(2, p2.nextCursor);
      assert.deepEqual(p3.items.map((x) => x.id), [ids[0]]);
      assert.equal(p3.nextCursor, undefined);
      s.close();
      const again = openStore(d.dir);
      assert.equal(again.count(), 5);
      assert.equal(again.get(ids[0]!)!.summary, 't0');
      again.close();
    } finally {
      d.cleanup();
    }
  });
  it('records are immutable', () => {
    const d = tempDir();
    try {
      const s = openStore(d.dir);
      const { id } = s.insert(meta(), (id) => ({ id }));
      s.close();
      const db = new Database(join(d.dir, DB_FILE));
      assert.throws(() => db.prepare('UPDATE traces SET summary = ? WHERE id = ?').run('x', id), /immutable/);
      assert.throws(() => db.prepare('DELETE FROM traces WHERE id = ?').run(id), /immutable/);
      db.close();
    } finally {
      d.cleanup();
    }
  });
  it('a corrupt database is reported, and left untouched', () => {
    const d = tempDir();
    try {
      const path = join(d.dir, DB_FILE);
      const junk = 'this is not a database '.repeat(100);
      writeFileSync(path, junk);
      assert.throws(() => openStore(d.dir), (e: unknown) => e instanceof StoreError && e.message.includes(path) && /cannot be used/.test(e.message));
      assert.equal(readFileSync(path, 'utf8'), junk);
    } finally {
      d.cleanup();
    }
  });
  it('a missing database in a data directory that was in use is reported, not recreated', () => {
    const d = tempDir();
    try {
      openStore(d.dir).close();
      rmSync(join(d.dir, DB_FILE));
      for (const f of ['-wal', '-shm']) rmSync(join(d.dir, DB_FILE + f), { force: true });
      assert.throws(() => openStore(d.dir), (e: unknown) => e instanceof StoreError && /is missing/.test(e.message));
      assert.equal(existsSync(join(d.dir, DB_FILE)), false);
    } finally {
      d.cleanup();
    }
  });
});
