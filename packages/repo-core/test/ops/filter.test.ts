// Include/exclude matching against restic's own known answers (vectors from restic
// internal/filter/filter_test.go: matchTests, childMatchTests, filterListTests), plus the
// restore select semantics of cmd/restic/cmd_restore.go.
import { describe, expect, it } from 'vitest';
import { compileGlob } from '../../src/ops/filter/go-glob.js';
import {
  childMatchPattern,
  matchList,
  matchPattern,
  parsePattern,
} from '../../src/ops/filter/pattern.js';
import { buildSelect, expandEnv } from '../../src/ops/filter/select.js';
import { UsageError } from '../../src/errors.js';

const matchVectors: [string, string, boolean][] = [
  ['', 'foo', true],
  ['*.go', '/foo/bar/test.go', true],
  ['*.c', '/foo/bar/test.go', false],
  ['*', '/foo/bar/test.go', true],
  ['**', '/foo/bar/test.go', true],
  ['foo*', '/foo/bar/test.go', true],
  ['bar*', '/foo/bar/test.go', true],
  ['/bar*', '/foo/bar/test.go', false],
  ['bar/*', '/foo/bar/test.go', true],
  ['baz/*', '/foo/bar/test.go', false],
  ['bar/test.go', '/foo/bar/test.go', true],
  ['ba*/*.go', '/foo/bar/test.go', true],
  ['bb*/*.go', '/foo/bar/test.go', false],
  ['tesT.*', '/foo/bar/test.go', false],
  ['/foo/bar/', '/foo/bar', true],
  ['/foo/bar', '/foo/baz/', false],
  ['/foo///bar', '/foo/bar', true],
  ['/foo/../bar', '/foo/bar', false],
  ['/foo/../bar', '/bar', true],
  ['/foo', '/foo/baz', true],
  ['/foo/*', '/foo', false],
  ['/foo/*test.*', '/foo/bar/test.go', false],
  ['/foo/*/test.*', '/foo/bar/test.go', true],
  ['/*/*/bar/test.*', '/foo/bar/baz/test.go', false],
  ['/*/*/baz/test.*', '/foo/bar/baz/test.go', true],
  ['/foo/bar/test.*', 'bar/baz/test.go', false],
  ['baz/test.*', 'bar/baz/test.go', true],
  ['sdk', '/foo/bar/sdk/test/sdk_foo.go', true],
  ['sdk/*/cpp/*/*vars*.html', '/usr/share/doc/libreoffice/sdk/docs/cpp/ref/a00517.html', false],
  ['foo/**/bar/*.go', '/home/user/foo/work/special/project/bar/test.go', true],
  ['foo/**/bar/*.go', '/home/user/foo/bar/test.go', true],
  ['foo/**/bar/*.go', 'foo/bar/baz/bar/test.go', true],
  ['foo/**/bar/*.go', 'bar/foo/main.go', false],
  ['foo/**/bar/*.go', '/foo/bar/main.go', true],
  ['foo/**/bar', '/home/user/foo/x/y/bar/main.go', true],
  ['foo/**/bar/**/x', '/home/user/foo/blaaa/blaz/bar/shared/work/x', true],
  ['user/**/important*', '/home/user/work/x/y/hidden/x', false],
  ['user/**/hidden*/**/c', '/home/user/work/x/y/hidden/z/a/b/c', true],
  ['/home/[uU]ser/?.go', '/home/user/F.go', true],
];

const childVectors: [string, string, boolean][] = [
  ['foo/bar', '/foo', true],
  ['/foo/bar/baz', '/foo/bar', true],
  ['/foo/bar/baz', '/foo/baz', false],
  ['/foo/**/qux', '/foo/bar/baz/boo', true],
  ['/foo/*/qux', '/foo/bar', true],
  ['/foo/*/qux', '/foo/bar/boo', false],
  ['/foo/*/qux', '/foo/bar/boo/xx', false],
  ['/baz/bar', '/foo', false],
  ['/*/**', '/foo/bar', true],
  ['/bar/*', '/foo', false],
  ['/foo/*/baz', '/bar/baz', false],
  ['/**/bar', '/foo/bar', true],
];

describe('restic pattern matching', () => {
  it.each(matchVectors)('Match(%j, %j) = %s', (p, s, want) => {
    expect(matchPattern(p, s)).toBe(want);
  });
  it.each(childVectors)('ChildMatch(%j, %j) = %s', (p, s, want) => {
    expect(childMatchPattern(p, s)).toBe(want);
  });
  it('lists with negation and child matches like restic List', () => {
    const l = (ps: string[], path: string) =>
      matchList(ps.filter(Boolean).map(parsePattern), path, true);
    expect(l(['*.c'], '/foo/bar/test.go')).toEqual({ matched: false, childMayMatch: true });
    expect(l(['/*/*/bar/test.*'], '/foo/bar/test.go')).toEqual({
      matched: false,
      childMayMatch: false,
    });
    expect(l(['/*/*/bar/test.*', '*.go'], '/foo/bar/test.go')).toEqual({
      matched: true,
      childMayMatch: true,
    });
    expect(l(['*.go', '!keep.go'], '/a/keep.go').matched).toBe(false);
    expect(l(['*.go', '!keep.go'], '/a/drop.go').matched).toBe(true);
  });
  it('rejects malformed globs as usage errors', () => {
    expect(() => compileGlob('test[')).toThrow(UsageError);
    expect(() => compileGlob('a\\')).toThrow(UsageError);
    expect(() => compileGlob('[]a]')).toThrow(UsageError);
    expect(compileGlob('[\\]a]').test(']')).toBe(true);
    expect(compileGlob('[^a-c]x').test('dx')).toBe(true);
    expect(compileGlob('[^a-c]x').test('bx')).toBe(false);
    expect(compileGlob('ü?').test('üñ')).toBe(true);
  });
});

describe('restore select (cmd_restore semantics)', () => {
  it('include selects the matched directory, its children and the path down to it', () => {
    const s = buildSelect({ include: ['/work/foo'] });
    expect(s('/work', true)).toEqual({ selected: false, descend: true });
    expect(s('/work/foo', true)).toEqual({ selected: true, descend: true });
    expect(s('/work/foo/x.txt', false)).toEqual({ selected: true, descend: false });
    expect(s('/other', true)).toEqual({ selected: false, descend: false });
  });
  it('exclude prunes matched directories', () => {
    const s = buildSelect({ exclude: ['*.log', 'cache'] });
    expect(s('/a/b.log', false).selected).toBe(false);
    expect(s('/a/cache', true)).toEqual({ selected: false, descend: false });
    expect(s('/a/keep', true)).toEqual({ selected: true, descend: true });
  });
  it('case-insensitive variants lower-case pattern and path', () => {
    expect(buildSelect({ iinclude: ['*.JPG'] })('/Photos/A.jpg', false).selected).toBe(true);
    expect(buildSelect({ iexclude: ['TMP'] })('/x/tmp', true).selected).toBe(false);
    expect(buildSelect({ include: ['*.JPG'] })('/Photos/A.jpg', false).selected).toBe(false);
  });
  it('include and exclude together are a usage error', () => {
    expect(() => buildSelect({ include: ['a'], exclude: ['b'] })).toThrow(UsageError);
  });
  it('expands environment variables in pattern files like os.Expand', () => {
    expect(expandEnv('$HOME/x/${USER}/$$y', { HOME: '/h', USER: 'u' })).toBe('/h/x/u/$y');
  });
});
