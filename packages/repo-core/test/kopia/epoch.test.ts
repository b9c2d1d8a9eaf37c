// Live index selection (spec §11.2, §11.3), pinned against kopia's rules in
// internal/epoch/epoch_manager.go, epoch_range.go, internal/completeset/complete_set.go and
// repo/content/indexblob/index_blob_manager_v0.go.
import { describe, expect, it } from 'vitest';

import {
  completeSets,
  epochNumberOf,
  epochRangeOf,
  selectEpochIndexSet,
} from '../../src/kopia/epoch.js';
import { selectLegacyIndexSet } from '../../src/kopia/legacy-index.js';

const h = (n: number) => n.toString(16).padStart(32, '0');

describe('epoch name parsing', () => {
  it('reads epoch numbers and ranges like kopia', () => {
    expect(epochNumberOf('xe12')).toBe(12);
    expect(epochNumberOf(`xn7_${h(1)}-s0123456789abcdef148-c1`)).toBe(7);
    expect(epochNumberOf('xe')).toBeUndefined();
    expect(epochNumberOf('xnfoo_bar')).toBeUndefined();
    expect(epochRangeOf(`xr0_5_${h(1)}-sabc-c2`)).toEqual([0, 5]);
    expect(epochRangeOf('xr0_5')).toBeUndefined();
  });

  it('finds complete sets in completion order', () => {
    const sets = completeSets(['a-sX-c2', 'b-sY-c1', 'plain', 'c-sX-c2', 'd-sZ-c3', 'e-sZ-c3']);
    expect(sets).toEqual([['b-sY-c1'], ['plain'], ['a-sX-c2', 'c-sX-c2']]);
  });
});

describe('selectEpochIndexSet', () => {
  it('uses all xn blobs of a young repository', () => {
    const ids = [`xn0_${h(1)}-s1-c1`, `xn0_${h(2)}-s2-c1`, `xn1_${h(3)}-s3-c1`];
    const s = selectEpochIndexSet(ids);
    expect(s.writeEpoch).toBe(0);
    expect(s.watermark).toBe(-Infinity);
    expect(s.blobs).toEqual(ids);
  });

  it('prefers compactions of settled epochs, keeps unsettled ones uncompacted', () => {
    const ids = [
      'xe1',
      'xe2',
      'xe5',
      'xw1700000000',
      'xw1700000500',
      'xwjunk',
      `xn0_${h(1)}-s1-c1`,
      `xs0_${h(2)}-sA-c2`,
      `xs0_${h(3)}-sA-c2`,
      `xn1_${h(4)}-s1-c1`,
      `xn3_${h(5)}-s1-c1`,
      `xs3_${h(6)}-sB-c1`,
      `xn4_${h(7)}-s1-c1`,
      `xs4_${h(8)}-sC-c1`, // 4 = W-1: unsettled, compaction ignored
      `xn5_${h(9)}-s1-c1`,
      `xn6_${h(10)}-s1-c1`,
      `xn7_${h(11)}-s1-c1`,
      `xs2_${h(12)}-sD-c2`, // incomplete set: not used, xn2 has nothing either
    ];
    const s = selectEpochIndexSet(ids);
    expect(s.writeEpoch).toBe(5);
    expect(s.watermark).toBe(1700000500);
    expect(s.blobs).toEqual([
      `xs0_${h(2)}-sA-c2`,
      `xs0_${h(3)}-sA-c2`,
      `xn1_${h(4)}-s1-c1`,
      `xs3_${h(6)}-sB-c1`,
      `xn4_${h(7)}-s1-c1`,
      `xn5_${h(9)}-s1-c1`,
      `xn6_${h(10)}-s1-c1`,
    ]);
  });

  it('starts after the longest contiguous range-checkpoint chain from epoch 0', () => {
    const ids = [
      'xe9',
      `xr0_3_${h(1)}-sA-c1`,
      `xr4_6_${h(2)}-sB-c1`,
      `xr0_5_${h(3)}-sC-c1`,
      `xr8_8_${h(4)}-sD-c1`,
      `xn2_${h(5)}-s1-c1`,
      `xn7_${h(6)}-s1-c1`,
      `xs7_${h(7)}-sE-c1`,
      `xn8_${h(8)}-s1-c1`,
      `xn10_${h(9)}-s1-c1`,
    ];
    const s = selectEpochIndexSet(ids);
    // chain 0-3,4-6 reaches 6 (0-5 reaches 5); 8-8 is not contiguous
    expect(s.blobs).toEqual([
      `xr0_3_${h(1)}-sA-c1`,
      `xr4_6_${h(2)}-sB-c1`,
      `xs7_${h(7)}-sE-c1`,
      `xn8_${h(8)}-s1-c1`,
      `xn10_${h(9)}-s1-c1`,
    ]);
  });

  it('ignores a range checkpoint that only covers epoch 0 (kopia quirk)', () => {
    const ids = ['xe3', `xr0_0_${h(1)}-sA-c1`, `xn0_${h(2)}-s1-c1`];
    expect(selectEpochIndexSet(ids).blobs).toEqual([`xn0_${h(2)}-s1-c1`]);
  });

  it('matches xn blobs by the exact epoch prefix', () => {
    const ids = [`xn01_${h(1)}-s1-c1`, `xn1_${h(2)}-s1-c1`];
    expect(selectEpochIndexSet(ids).blobs).toEqual([`xn1_${h(2)}-s1-c1`]);
  });
});

describe('selectLegacyIndexSet', () => {
  it('drops inputs of compaction logs whose outputs all exist', () => {
    const live = selectLegacyIndexSet(
      ['n1', 'n2', 'n3', 'n4', 'n5'],
      [
        { inputs: ['n1', 'n2'], outputs: ['n3'] },
        { inputs: ['n4'], outputs: ['n9'] }, // output missing: log ignored
      ],
    );
    expect(live.sort()).toEqual(['n3', 'n4', 'n5']);
  });
});
