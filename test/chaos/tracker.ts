// The servers the campaign made and the ones it deleted, so that "nothing
// lost" can be checked: every server it made and did not delete is listed,
// none it deleted is.
export class Tracker {
  /** id → name of servers that must exist. */
  readonly alive = new Map<string, string>();
  /** ids of servers whose delete was asked for. */
  readonly deleted = new Set<string>();
  created = 0;

  add(id: string, name: string): void {
    if (!this.alive.has(id)) this.created++;
    this.alive.set(id, name);
  }

  remove(id: string): void {
    this.alive.delete(id);
    this.deleted.add(id);
  }
}
