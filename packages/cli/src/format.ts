/** Human output helpers: sizes, times, modes, tables sized to the terminal, JSON of entries. */

import type { Entry, Snapshot } from '@salvage/repo-core';

export function formatSize(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[u]}`;
}

export function formatTime(d: Date): string {
  const p = (x: number): string => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function nsToDate(ns: bigint): Date {
  return new Date(Number(ns / 1_000_000n));
}

/** RFC 3339 with nanoseconds, UTC */
export function nsToIso(ns: bigint): string {
  const ms = ns / 1_000_000n;
  let frac = ns % 1_000_000_000n;
  if (frac < 0n) frac += 1_000_000_000n;
  const base = new Date(Number(ms)).toISOString().slice(0, 19);
  const f = frac.toString().padStart(9, '0').replace(/0+$/, '');
  return `${base}${f ? '.' + f : ''}Z`;
}

const TYPE_CHAR: Record<Entry['type'], string> = {
  file: '-',
  dir: 'd',
  symlink: 'l',
  fifo: 'p',
  socket: 's',
  chardev: 'c',
  blockdev: 'b',
  unknown: '?',
};

export function modeString(type: Entry['type'], mode: number): string {
  const r = (bits: number, s: number, x: string, X: string): string =>
    (bits & 4 ? 'r' : '-') +
    (bits & 2 ? 'w' : '-') +
    (s ? (bits & 1 ? x : X) : bits & 1 ? 'x' : '-');
  return (
    TYPE_CHAR[type] +
    r((mode >> 6) & 7, mode & 0o4000, 's', 'S') +
    r((mode >> 3) & 7, mode & 0o2000, 's', 'S') +
    r(mode & 7, mode & 0o1000, 't', 'T')
  );
}

/** columns padded to their widest cell; the last column is cut to the terminal width */
export function table(rows: string[][], width = process.stdout.columns ?? 0): string {
  if (rows.length === 0) return '';
  const cols = Math.max(...rows.map((r) => r.length));
  const w = Array.from({ length: cols }, (_, i) =>
    Math.max(...rows.map((r) => [...(r[i] ?? '')].length)),
  );
  return rows
    .map((r) => {
      let line = r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]!))).join('  ');
      if (width > 20 && [...line].length > width)
        line = [...line].slice(0, width - 1).join('') + '…';
      return line;
    })
    .join('\n');
}

export function entryJson(path: string, e: Entry): Record<string, unknown> {
  return {
    path,
    name: e.displayName,
    type: e.type,
    mode: e.mode,
    size: e.size,
    uid: e.uid,
    gid: e.gid,
    user: e.user,
    group: e.group,
    mtime: nsToIso(e.mtimeNs),
    mtimeNs: e.mtimeNs.toString(),
    linkTarget: e.linkTarget ? Buffer.from(e.linkTarget).toString('utf8') : undefined,
    device: e.device ? { major: e.device.major, minor: e.device.minor } : undefined,
    contentId: e.contentId,
  };
}

export function snapshotJson(s: Snapshot): Record<string, unknown> {
  return {
    id: s.id,
    short_id: s.shortId,
    time: s.time.toISOString(),
    hostname: s.hostname,
    username: s.username,
    paths: s.paths,
    tags: s.tags,
    description: s.description,
    parent: s.parent,
    summary: s.summary,
  };
}

export function longLine(path: string, e: Entry): string[] {
  const owner = `${e.user ?? e.uid ?? '?'}`;
  const group = `${e.group ?? e.gid ?? '?'}`;
  const target =
    e.type === 'symlink' && e.linkTarget ? ` -> ${Buffer.from(e.linkTarget).toString('utf8')}` : '';
  return [
    modeString(e.type, e.mode),
    owner,
    group,
    String(e.size),
    formatTime(nsToDate(e.mtimeNs)),
    path + target,
  ];
}
