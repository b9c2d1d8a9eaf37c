// Content ids, object ids (spec §8, §13.1), timestamps (§0) and directory entries (§16.2).
import { describe, expect, it } from 'vitest';

import { IntegrityError, UsageError } from '../../src/errors.js';
import { parseDirectoryText, parseGoInt, posixMode, toEntry } from '../../src/kopia/directory.js';
import type { ObjectId } from '../../src/kopia/ids.js';
import {
  contentIdToKey,
  keyToContentId,
  parseContentId,
  parseObjectId,
} from '../../src/kopia/ids.js';
import { parseTimeNs } from '../../src/util/rfc3339.js';

describe('content and object ids', () => {
  it('round-trips content ids through index keys', () => {
    for (const id of ['00ff'.repeat(8), 'k' + 'ab'.repeat(16), 'x' + '01'.repeat(32)]) {
      const key = contentIdToKey(id);
      expect(key[0]).toBe(id.length % 2 ? id.charCodeAt(0) : 0);
      expect(keyToContentId(key)).toBe(id);
    }
    expect(parseContentId('m' + 'aa'.repeat(16)).prefix).toBe('m');
    expect(() => parseContentId('a' + 'aa'.repeat(16))).toThrow(UsageError); // 'a' is hex, not a prefix
    expect(() => parseContentId('ZZ')).toThrow(UsageError);
    expect(() => keyToContentId(Uint8Array.of(0x41, 1, 2))).toThrow(IntegrityError);
  });

  it('parses object ids', () => {
    const c = 'ab'.repeat(16);
    expect(parseObjectId(c)).toEqual({ indirection: 0, compressed: false, content: c });
    expect(parseObjectId('Ix' + c)).toEqual({
      indirection: 1,
      compressed: false,
      content: 'x' + c,
    });
    expect(parseObjectId('IIk' + c).indirection).toBe(2);
    expect(parseObjectId('Z' + c).compressed).toBe(true);
    expect(parseObjectId('D' + c).content).toBe(c);
    expect(() => parseObjectId('IZ' + c)).toThrow(IntegrityError);
    expect(() => parseObjectId('')).toThrow(IntegrityError);
  });
});

describe('timestamps', () => {
  it('parses RFC 3339 to exact nanoseconds', () => {
    expect(parseTimeNs('1970-01-01T00:00:00Z')).toBe(0n);
    expect(parseTimeNs('2023-11-14T22:13:20.123456789Z')).toBe(1_700_000_000_123_456_789n);
    expect(parseTimeNs('2023-11-14T15:13:20.1-07:00')).toBe(1_700_000_000_100_000_000n);
    // kopia's "unset" time: Go's zero time.Time (year 1) whose UnixNano overflowed int64,
    // i.e. -6795364578871345152 ns; not the minimum int64 (that is 1677-09-21T00:12:43.145224192Z)
    expect(parseTimeNs('1754-08-30T22:43:41.128654848Z')).toBe(-6795364578871345152n);
    expect(parseTimeNs('1677-09-21T00:12:43.145224192Z')).toBe(-(2n ** 63n));
    expect(parseTimeNs('0001-01-01T00:00:00Z')).toBe(-62135596800n * 1_000_000_000n);
    expect(parseTimeNs('2023-13-01T00:00:00Z')).toBeUndefined();
    expect(parseTimeNs('yesterday')).toBeUndefined();
  });
});

describe('directory entries', () => {
  it('maps Go FileMode bits to POSIX', () => {
    expect(posixMode(0o755 | (1 << 23))).toBe(0o4755);
    expect(posixMode((0o2775 & 0o777) | (1 << 22))).toBe(0o2775);
    expect(posixMode(0o777 | (1 << 20))).toBe(0o1777);
    expect(parseGoInt('040000755')).toBe(0o40000755);
    expect(parseGoInt('0x1ff')).toBe(0o777);
    expect(parseGoInt('420')).toBe(420);
    expect(parseGoInt('09')).toBeUndefined();
    expect(parseGoInt('0644')).toBe(0o644);
    expect(parseGoInt('0')).toBe(0);
    expect(parseGoInt('017777777777')).toBe(2 ** 31 - 1);
    expect(parseGoInt('0o17')).toBe(0o17);
    expect(parseGoInt('0_7')).toBe(7);
    expect(parseGoInt('037777777777')).toBeUndefined(); // 2^32 - 1 does not fit int32
  });

  it('parses a directory whole or entry by entry with the same result', () => {
    const oid = 'ab'.repeat(16) as ObjectId;
    const entry = (i: number) =>
      `{"name":"f${i}","type":"f","mode":"0644","mtime":"2023-11-14T22:13:20.${String(i).padStart(9, '0')}Z","uid":1,"gid":2,"size":${i},"obj":"${'cd'.repeat(16)}"}`;
    const text = `{"stream":"kopia:directory","entries":[${[0, 1, 2].map(entry).join(',')}],"summary":{"size":3}}`;
    const whole = parseDirectoryText(text, 'd', oid);
    const scanned = parseDirectoryText(text, 'd', oid, 0);
    expect(whole.summary).toEqual({ size: 3 });
    expect(scanned.summary).toEqual({ size: 3 });
    const a = [...whole.entries()];
    expect(a.map((e) => e.size)).toEqual([0, 1, 2]);
    expect(a[2]!.mtimeNs).toBe(1_700_000_000_000_000_002n);
    expect([...scanned.entries()]).toEqual(a);
    for (const max of [Infinity, 0]) {
      expect([
        ...parseDirectoryText(
          '{"stream":"kopia:directory","entries":null}',
          'd',
          oid,
          max,
        ).entries(),
      ]).toEqual([]);
      for (const bad of [
        '{"stream":"kopia:file","entries":[]}',
        '{"entries":[]}',
        '{"stream":"kopia:directory","entries":{}}',
        '{"stream":"kopia:directory","entries":[1]}',
        '{"stream":"kopia:directory","entries":[',
        '[]',
      ])
        expect(() => [...parseDirectoryText(bad, 'd', oid, max).entries()], bad).toThrow(
          IntegrityError,
        );
    }
  });

  it('reads an entry as kopia writes it', () => {
    const e = toEntry(
      {
        name: 'suid',
        type: 'f',
        mode: '040000755',
        size: 5,
        mtime: '2023-11-14T22:13:20.123456789Z',
        uid: 1000,
        gid: 100,
        obj: 'ab'.repeat(16),
      },
      'test',
    );
    expect(e).toMatchObject({
      displayName: 'suid',
      type: 'file',
      mode: 0o4755,
      size: 5,
      uid: 1000,
      gid: 100,
    });
    expect(e.mtimeNs).toBe(1_700_000_000_123_456_789n);
    const d = toEntry(
      { name: 'd', type: 'd', obj: 'k' + 'ab'.repeat(16), summ: { size: 10 } },
      'test',
    );
    expect(d).toMatchObject({ type: 'dir', mode: 0, uid: 0, gid: 0, size: 0, mtimeNs: 0n });
    expect(toEntry({ name: 'x', type: 'p' }, 'test').type).toBe('unknown');
    expect(() => toEntry({ name: 'x', type: 'f', mode: 'rwx' }, 'test')).toThrow(IntegrityError);
    expect(() => toEntry({ name: 'x', type: 'f', size: -1 }, 'test')).toThrow(IntegrityError);
  });
});
