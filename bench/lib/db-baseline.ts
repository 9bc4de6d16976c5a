// A machine-speed yardstick for the admin-action benchmark: how many trivial
// single-row UPDATEs (one autocommit transaction each) SQLite does per second
// on this machine, with the pragmas Magnetar uses (WAL, synchronous=NORMAL).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export function sqliteUpdatesPerSecond(seconds = 1.5, rows = 1000): number {
  const dir = mkdtempSync(join(tmpdir(), 'magnetar-bench-db-'));
  const db = new Database(join(dir, 'baseline.sqlite'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, task_state TEXT, updated_at TEXT)');
    const ins = db.prepare('INSERT INTO t (id, task_state, updated_at) VALUES (?, NULL, ?)');
    db.transaction(() => {
      for (let i = 1; i <= rows; i++) ins.run(i, new Date().toISOString());
    })();
    const upd = db.prepare('UPDATE t SET task_state = ?, updated_at = ? WHERE id = ?');
    const end = performance.now() + seconds * 1000;
    const t0 = performance.now();
    let n = 0;
    while (performance.now() < end) {
      upd.run(n % 2 === 0 ? 'migrating' : null, new Date().toISOString(), (n % rows) + 1);
      n++;
    }
    return n / ((performance.now() - t0) / 1000);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
