/**
 * The walk (ops/walk/walk.ts) reads each directory LOOKAHEAD entries ahead and hints the
 * subdirectories it will enter to the repository's prefetchDirs: the hints come before those
 * directories are listed, skip what the walk will not enter (excluded, unsafe names), and the
 * walk itself (what its sink sees, in which order) is the same with or without them.
 */
import { expect, it } from 'vitest';

import type { Entry, Repository } from '../../src/model.js';
import { buildSelect } from '../../src/ops/filter/select.js';
import { LOOKAHEAD, walk, type WalkSink } from '../../src/ops/walk/walk.js';

interface Node {
  name: string;
  children?: Node[];
}

function entry(n: Node): Entry {
  const name = new TextEncoder().encode(n.name);
  return {
    name,
    displayName: n.name,
    type: n.children ? 'dir' : 'file',
    mode: n.children ? 0o755 : 0o644,
    size: 0,
    mtimeNs: 0n,
    ref: n.children?.map(entry) ?? [],
  };
}

/** a repository of `root` whose events (hints and lists, by name) are logged in order */
function repoOf(root: Node, withHints: boolean) {
  const log: string[] = [];
  const repo: Pick<Repository, 'list' | 'prefetchDirs'> = {
    async *list(dir: Entry) {
      log.push(`list ${dir.displayName}`);
      for (const c of dir.ref as Entry[]) yield c;
    },
  };
  if (withHints) repo.prefetchDirs = (dirs) => log.push(`hint ${dirs.map((d) => d.displayName)}`);
  return { repo, log, root: entry(root) };
}

function recorder(): { sink: WalkSink; seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    sink: {
      enterDir: (i) => void seen.push(`enter ${i.location}`),
      leaveDir: (i) => void seen.push(`leave ${i.location}`),
      visit: (i) => void seen.push(`visit ${i.location}`),
      refuse: (l, why) => void seen.push(`refuse ${l} ${why}`),
    },
  };
}

// 150 entries: directories at 3 and 100 (two look-ahead batches), one excluded, one unsafe
const children: Node[] = Array.from({ length: 150 }, (_, i) => ({ name: `f${i}` }));
children[3] = {
  name: 'd3',
  children: [{ name: 'a' }, { name: 'inner', children: [{ name: 'b' }] }],
};
children[100] = { name: 'd100', children: [{ name: 'c' }] };
children[120] = { name: 'skip', children: [{ name: 'x' }] };
children[130] = { name: '..', children: [{ name: 'escape' }] };
const tree: Node = { name: '/', children };

it('hints the directories it will enter before listing them, batch by batch', async () => {
  expect(LOOKAHEAD).toBeLessThan(100);
  const { repo, log, root } = repoOf(tree, true);
  await walk(repo, root, {}, { select: buildSelect({ exclude: ['/skip'] }) });
  expect(log).toEqual([
    'list /',
    'hint d3',
    'list d3',
    'hint inner',
    'list inner',
    'hint d100',
    'list d100',
  ]);
});

it('gives its sink the same calls in the same order with hints as without', async () => {
  const select = buildSelect({ exclude: ['/skip'] });
  const runs = [];
  for (const withHints of [true, false]) {
    const { repo, root } = repoOf(tree, withHints);
    const r = recorder();
    await walk(repo, root, r.sink, { select });
    runs.push(r.seen);
  }
  expect(runs[0]).toEqual(runs[1]);
  expect(runs[0]).toContain('refuse /.. name is ".."');
  expect(runs[0]!.filter((s) => s.startsWith('visit')).length).toBe(146 + 1 + 1 + 1);
});
