// Timestamps as stored: UTC 'YYYY-MM-DD HH:MM:SS.ffffff'.

export function dbTime(d: Date): string {
  const iso = d.toISOString(); // 2026-01-02T03:04:05.678Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
}

export function parseDbTime(s: string): Date {
  return new Date(`${s.slice(0, 10)}T${s.slice(11, 23)}Z`);
}

/** Nova's usual record format: 'YYYY-MM-DDTHH:MM:SS.ffffff', no zone. */
export function apiTime(s: string | null): string | null {
  return s === null ? null : `${s.slice(0, 10)}T${s.slice(11)}`;
}

/** Server created/updated format: 'YYYY-MM-DDTHH:MM:SSZ'. */
export function apiTimeZ(s: string | null): string | null {
  return s === null ? null : `${s.slice(0, 10)}T${s.slice(11, 19)}Z`;
}
