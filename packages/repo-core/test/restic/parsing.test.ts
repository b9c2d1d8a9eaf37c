/**
 * Known answers for the restic text formats: Go-quoted names (spec §12.2), RFC 3339 times with
 * nanoseconds (§12.4), node fields (§12.3–12.7, restic internal/data/node_test.go), tree
 * scanning (§11), and format-agnostic snapshot selection (§18).
 */
import { expect, it } from 'vitest';

import {
  AmbiguousSnapshotError,
  selectSnapshot,
  SnapshotNotFoundError,
  filterSnapshots,
  type Snapshot,
} from '../../src/index.js';
import { goUnquote } from '../../src/restic/go-quote.js';
import { scanTreeNodes } from '../../src/restic/json-scan.js';
import { linuxDevice, parseNodeText } from '../../src/restic/node.js';
import { parseTimeNs } from '../../src/util/rfc3339.js';
import { parseTree } from '../../src/restic/tree.js';
import { IntegrityError } from '../../src/errors.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

it('unquotes Go names to raw bytes', () => {
  expect(hex(goUnquote('bad\\xffname.txt'))).toBe('626164ff6e616d652e747874');
  expect(Buffer.from(goUnquote('we\\"ird\\\\na\\nme\\t.txt')).toString()).toBe(
    'we"ird\\na\nme\t.txt',
  );
  expect(hex(goUnquote('ctrl\\x01char\\x7f.txt'))).toBe('6374726c01636861727f2e747874');
  expect(hex(goUnquote('nbsp\\u00a0and\\u2028sep.txt'))).toBe(
    hex(Buffer.from('nbsp\u00a0and\u2028sep.txt')),
  );
  expect(hex(goUnquote('\\377\\a\\U0001F600'))).toBe('ff07f09f9880');
  expect(Buffer.from(goUnquote('ünïcødé 😀.txt')).toString()).toBe('ünïcødé 😀.txt');
});

it('parses RFC 3339 times to exact nanoseconds', () => {
  expect(parseTimeNs('1970-01-01T00:00:00Z')).toBe(0n);
  expect(parseTimeNs('2021-06-15T12:34:56.123456789Z')).toBe(1623760496123456789n);
  expect(parseTimeNs('2021-01-01T10:00:00+05:30')).toBe(1609475400000000000n);
  expect(parseTimeNs('1960-01-01T00:00:00.123456789Z')).toBe(-315619199876543211n);
  expect(parseTimeNs('2024-10-08T08:11:00.5239522+02:00')).toBe(1728367860523952200n);
  expect(parseTimeNs('0000-01-02T03:04:05.000000006+00:00')).toBe(-62167121755000000000n + 6n);
  expect(parseTimeNs('yesterday')).toBeUndefined();
  // the other spellings RFC 3339 allows, and more than nine fraction digits (truncated)
  expect(parseTimeNs('2021-06-15t12:34:56.1z')).toBe(1623760496100000000n);
  expect(parseTimeNs('2021-06-15 12:34:56.1234567891Z')).toBe(1623760496123456789n);
  expect(parseTimeNs('2021-01-01T10:00:00-0530')).toBe(1609515000000000000n);
  // repeated texts (mtime = atime = ctime) give the same value, interleaved ones their own
  for (const t of ['1970-01-01T00:00:01Z', '1970-01-01T00:00:01Z', '1970-01-01T00:00:02Z'])
    expect(parseTimeNs(t)).toBe(BigInt(t.slice(-2, -1)) * 1_000_000_000n);
  for (const bad of [
    '2021-06-15T12:34:56',
    '2021-06-15T12:34:56.Z',
    '2021-06-15T12:34:5xZ',
    '2021-13-15T12:34:56Z',
    '2021-06-00T12:34:56Z',
    '2021-06-15X12:34:56Z',
    '2021-06-15T12:34:56Zjunk',
    '2021-06-15T12:34:56+05:3',
    '2021-06-15T12:34:56+05:300',
    '21-06-15T12:34:56Z',
  ])
    expect(parseTimeNs(bad), bad).toBeUndefined();
});

it('maps node fields (mode, device, link target, xattrs, hard links, big numbers)', () => {
  const e = parseNodeText(
    '{"name":"x","type":"file","mode":8389101,"mtime":"2021-06-15T12:34:56.123456789Z","uid":1,"gid":2,"inode":18446744073709551615,"device_id":65024,"links":2,"size":5,"extended_attributes":[{"name":"user.a","value":"AAEC/w=="},{"name":"user.e","value":null}],"content":["07854d2fef297a06ba81685e660c332de36d5d18d546927d30daad6d7fda1541"]}',
    't',
  );
  expect(e.mode).toBe(0o4755);
  expect(e.hardlinkKey).toBe('65024:18446744073709551615');
  expect(e.xattrs?.map((x) => [x.name, hex(x.value)])).toEqual([
    ['user.a', '000102ff'],
    ['user.e', ''],
  ]);
  const link = parseNodeText(
    '{"name":"l","type":"symlink","linktarget":"\\u0000\\u0001\\u0002\\ufffd\\ufffd\\ufffd","linktarget_raw":"AAEC+vv8","content":null}',
    't',
  );
  expect(hex(link.linkTarget!)).toBe('000102fafbfc');
  expect(linuxDevice(1792n)).toMatchObject({ major: 7, minor: 0 });
  expect(linuxDevice(259n)).toMatchObject({ major: 1, minor: 3 });
  const dir = parseNodeText(
    '{"name":"d","type":"dir","mode":2151678440,"subtree":"ac08ce34ba4f8123618661bef2425f7028ffb9ac740578a3ee88684d2523fee8"}',
    't',
  );
  expect([dir.type, dir.mode]).toEqual(['dir', 0o2750]);
  expect(parseNodeText('{"name":"w","type":"irregular"}', 't').type).toBe('unknown');
});

it('scans tree nodes one by one, tolerating unknown keys and null', () => {
  const nodes = [
    ...scanTreeNodes('{"x":[1,{"a":"]"}],"nodes":[{"name":"a\\"]"} , {"name":"b"}],"y":2}\n'),
  ];
  expect(nodes).toEqual(['{"name":"a\\"]"}', '{"name":"b"}']);
  expect([...scanTreeNodes('{"nodes":null}')]).toEqual([]);
  expect([...scanTreeNodes('{"nodes":[]}\n')]).toEqual([]);
  expect(() => [...scanTreeNodes('{"nodes":[{"name":"a"}')]).toThrow();
});

it('parses a tree whole or node by node with the same result, big integers exact', () => {
  const id = '07854d2fef297a06ba81685e660c332de36d5d18d546927d30daad6d7fda1541';
  const node = (i: number, inode: string) =>
    `{"name":"f${i}","type":"file","mode":420,"mtime":"2021-06-15T12:34:56.${String(i).padStart(9, '0')}Z","inode":${inode},"device_id":18446744073709551615,"links":2,"size":5,"content":["${id}"]}`;
  const text = (n: number) =>
    `{"nodes":[${Array.from({ length: n }, (_, i) => node(i, i === 1 ? '9007199254740993' : String(i))).join(',')}]}\n`;
  const bytes = (t: string) => new TextEncoder().encode(t);
  const small = [...parseTree(bytes(text(3)), 't')];
  expect(small.map((e) => e.hardlinkKey)).toEqual([
    '18446744073709551615:0',
    '18446744073709551615:9007199254740993',
    '18446744073709551615:2',
  ]);
  expect(small[2]!.mtimeNs).toBe(1623760496000000002n);
  expect(small[0]!.contentId).toBe(`file:${id}`);
  // more than 4 Mi characters: scanned node by node, same entries
  const bigText = text(25_000);
  expect(bigText.length).toBeGreaterThan(4 * 1024 * 1024);
  const big = [...parseTree(bytes(bigText), 't')];
  expect(big.length).toBe(25_000);
  expect(big.slice(0, 3)).toEqual(small);
  for (const t of ['{"nodes":null}', '{"nodes":[]}\n', '{"other":1}'])
    expect([...parseTree(bytes(t), 't')]).toEqual([]);
  for (const bad of [
    '{"nodes":[{"name":"a"}',
    '[]',
    '{"nodes":{}}',
    '{"nodes":[1]}',
    '{"nodes":[]} x',
  ])
    expect(() => [...parseTree(bytes(bad), 't')], bad).toThrow(IntegrityError);
});

function snap(id: string, t: number, host: string, tags: string[], paths: string[]): Snapshot {
  return {
    id,
    shortId: id.slice(0, 8),
    time: new Date(t * 1000),
    timeNs: BigInt(t) * 1_000_000_000n,
    hostname: host,
    username: '',
    paths,
    tags,
    ref: {},
  };
}

it('selects snapshots with restic semantics', () => {
  const list = [
    snap('aaaa1111', 1, 'a', ['alpha', 'beta'], ['/src']),
    snap('aaaa2222', 2, 'b', ['beta'], ['/src']),
    snap('bbbb3333', 3, 'a', [], ['/src/dir']),
    snap('cccc4444', 3, 'a', [], ['/src/dir']),
  ];
  expect(selectSnapshot(list, 'latest').id).toBe('cccc4444'); // tie on time: highest id
  expect(selectSnapshot(list, 'latest~1').id).toBe('bbbb3333');
  expect(selectSnapshot(list, 'latest', { hosts: ['b'] }).id).toBe('aaaa2222');
  expect(selectSnapshot(list, 'latest', { tags: ['alpha,beta'] }).id).toBe('aaaa1111');
  expect(selectSnapshot(list, 'latest', { tags: ['beta'] }).id).toBe('aaaa2222');
  expect(selectSnapshot(list, 'latest', { tags: ['nope', 'alpha'] }).id).toBe('aaaa1111');
  expect(filterSnapshots(list, { tags: [''] }).map((s) => s.id)).toEqual(['bbbb3333', 'cccc4444']);
  expect(selectSnapshot(list, 'latest', { paths: ['/src'] }).id).toBe('aaaa2222');
  expect(selectSnapshot(list, 'bbbb').id).toBe('bbbb3333');
  expect(() => selectSnapshot(list, 'aaaa')).toThrow(AmbiguousSnapshotError);
  expect(() => selectSnapshot(list, 'dddd')).toThrow(SnapshotNotFoundError);
  expect(() => selectSnapshot(list, 'latest', { hosts: ['zz'] })).toThrow(SnapshotNotFoundError);
});
