/**
 * Owner names → ids for `--owner name` (restore by user/group name, like tar's default), read
 * from /etc/passwd and /etc/group once; Node has no getpwnam. Unknown names fall back to the id.
 */

import { readFileSync } from 'node:fs';

function parse(file: string): Map<string, number> {
  const m = new Map<string, number>();
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return m;
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && f[0] && /^\d+$/.test(f[2]!)) m.set(f[0], Number(f[2]));
  }
  return m;
}

let users: Map<string, number> | undefined;
let groups: Map<string, number> | undefined;

export function uidForName(name: string | undefined): number | undefined {
  if (!name) return undefined;
  users ??= parse('/etc/passwd');
  return users.get(name);
}

export function gidForName(name: string | undefined): number | undefined {
  if (!name) return undefined;
  groups ??= parse('/etc/group');
  return groups.get(name);
}
