/**
 * Entry names come from storage an attacker may control. A name is safe to create inside a
 * directory only when it is one plain component: not empty, not `.` or `..`, no `/`, no NUL.
 * Anything else is refused (never sanitised into a different name).
 */

/** why a name is unsafe, or undefined when it is a plain component */
export function unsafeNameReason(name: Uint8Array): string | undefined {
  if (name.length === 0) return 'empty name';
  if (name.length === 1 && name[0] === 0x2e) return 'name is "."';
  if (name.length === 2 && name[0] === 0x2e && name[1] === 0x2e) return 'name is ".."';
  if (name.includes(0x2f)) return name[0] === 0x2f ? 'absolute name' : 'name contains "/"';
  if (name.includes(0)) return 'name contains a NUL byte';
  if (name.length > 255) return 'name longer than 255 bytes';
  return undefined;
}

const SLASH = Buffer.from('/');

/** joins raw path bytes with one component (both already safe) */
export function joinBytes(dir: Buffer, name: Uint8Array): Buffer {
  if (dir.length === 0) return Buffer.from(name);
  return Buffer.concat([dir, SLASH, name]);
}

/** the display form of an entry's location, for filters and messages */
export function joinLocation(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}
