/**
 * Which index blobs are live in a repository with the epoch manager (`x…` blobs): epoch
 * markers, deletion watermarks, single-epoch compactions, range checkpoints and uncompacted
 * epoch indexes. Pure: takes a listing, returns the live set.
 * spec §11.3; kopia internal/epoch/epoch_manager.go (refreshAttemptLocked,
 * getCompleteIndexSetForCommittedState, getIndexesFromEpochInternal), epoch_utils.go,
 * epoch_range.go, internal/completeset/complete_set.go
 */

const UNSETTLED_EPOCHS = 2;

export interface EpochIndexSet {
  /** live index blob ids, in kopia's order (ranges, then epochs ascending) */
  readonly blobs: string[];
  /** Unix seconds; deleted contents at or before it are gone. -Infinity when none */
  readonly watermark: number;
  /** the current write epoch W */
  readonly writeEpoch: number;
}

function atoi(s: string): number | undefined {
  return /^[+-]?\d+$/.test(s) && s.length < 16 ? Number.parseInt(s, 10) : undefined;
}

function dropNonDigits(s: string): string {
  let i = 0;
  while (i < s.length && !(s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57)) i++;
  return s.slice(i);
}

/** epoch number of `xe5`, `xn5_…`, `xs5_…` */
export function epochNumberOf(id: string): number | undefined {
  const p = id.indexOf('_');
  return atoi(dropNonDigits(p >= 0 ? id.slice(0, p) : id));
}

/** (E1, E2) of `xr<E1>_<E2>_…` */
export function epochRangeOf(id: string): [number, number] | undefined {
  const parts = id.split('_');
  if (parts.length < 3) return undefined;
  const a = atoi(dropNonDigits(parts[0]!));
  const b = atoi(parts[1]!);
  return a === undefined || b === undefined ? undefined : [a, b];
}

/** complete sets in the order they complete during the listing (completeset.FindAll) */
export function completeSets(ids: readonly string[]): string[][] {
  const sets = new Map<string, string[]>();
  const complete: string[][] = [];
  for (const id of ids) {
    const parts = id.split('-');
    const count =
      parts.length >= 3 && parts[1]!.startsWith('s') && parts[2]!.startsWith('c')
        ? atoi(parts[2]!.slice(1))
        : undefined;
    if (count === undefined) {
      complete.push([id]);
      continue;
    }
    const setId = parts[1]!;
    let s = sets.get(setId);
    if (!s) sets.set(setId, (s = []));
    s.push(id);
    if (s.length === count) complete.push(s);
  }
  return complete;
}

interface Range {
  min: number;
  max: number;
  blobs: string[];
}

// epoch_range.go findLongestRangeCheckpointStartingAt, including its quirk that a chain must
// reach beyond epoch 0 to count
function longestChain(
  start: number,
  byMin: Map<number, Range[]>,
  memo: Map<number, Range[]>,
): Range[] {
  const m = memo.get(start);
  if (m) return m;
  let longest = 0;
  let best: Range[] = [];
  memo.set(start, best); // guards against cycles in hostile names
  for (const r of byMin.get(start) ?? []) {
    if (r.max + 1 <= start) continue;
    const combined = [r, ...longestChain(r.max + 1, byMin, memo)];
    const end = combined[combined.length - 1]!.max;
    if (end > longest || (end === longest && combined.length < best.length)) {
      longest = end;
      best = combined;
    }
  }
  memo.set(start, best);
  return best;
}

/** §11.3 steps 1-7 over the ids (and sizes are not needed) of all blobs with prefix `x` */
export function selectEpochIndexSet(ids: readonly string[]): EpochIndexSet {
  const markers: string[] = [];
  const watermarks: string[] = [];
  const singles: string[] = [];
  const ranges: string[] = [];
  const uncompacted: string[] = [];
  for (const id of ids) {
    if (id.startsWith('xe')) markers.push(id);
    else if (id.startsWith('xw')) watermarks.push(id);
    else if (id.startsWith('xs')) singles.push(id);
    else if (id.startsWith('xr')) ranges.push(id);
    else if (id.startsWith('xn')) uncompacted.push(id);
  }

  let writeEpoch = 0;
  for (const m of markers) {
    const e = epochNumberOf(m);
    if (e !== undefined && e > writeEpoch) writeEpoch = e;
  }

  let watermark = -Infinity;
  for (const w of watermarks) {
    const t = atoi(w.slice(2));
    if (t !== undefined && t > watermark) watermark = t;
  }

  const byEpoch = (list: string[]) => {
    const g = new Map<number, string[]>();
    for (const id of list) {
      const e = epochNumberOf(id);
      if (e === undefined) continue;
      let a = g.get(e);
      if (!a) g.set(e, (a = []));
      a.push(id);
    }
    return g;
  };

  const singleSets = new Map<number, string[]>();
  for (const [e, list] of byEpoch(singles)) {
    const first = completeSets(list)[0];
    if (first) singleSets.set(e, first);
  }

  const rangeGroups = new Map<string, { min: number; max: number; ids: string[] }>();
  for (const id of ranges) {
    const r = epochRangeOf(id);
    if (!r) continue;
    const k = `${r[0]}_${r[1]}`;
    let g = rangeGroups.get(k);
    if (!g) rangeGroups.set(k, (g = { min: r[0], max: r[1], ids: [] }));
    g.ids.push(id);
  }
  const byMin = new Map<number, Range[]>();
  for (const g of rangeGroups.values()) {
    const first = completeSets(g.ids)[0];
    if (!first) continue;
    let a = byMin.get(g.min);
    if (!a) byMin.set(g.min, (a = []));
    a.push({ min: g.min, max: g.max, blobs: first });
  }
  const chain = longestChain(0, byMin, new Map());

  const result: string[] = [];
  let start = 0;
  for (const r of chain) {
    if (r.max > start) {
      result.push(...r.blobs);
      start = r.max + 1;
    }
  }
  const uncompactedByEpoch = byEpochPrefix(uncompacted);
  const lastSettled = writeEpoch - UNSETTLED_EPOCHS;
  for (let e = start; e <= writeEpoch + 1; e++) {
    const single = singleSets.get(e);
    if (e <= lastSettled && single) result.push(...single);
    else result.push(...(uncompactedByEpoch.get(String(e)) ?? []));
  }
  return { blobs: result, watermark, writeEpoch };
}

/** `xn<e>_…` blobs keyed by the text of `e` (kopia lists the exact prefix `xn<e>_`) */
function byEpochPrefix(ids: readonly string[]): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const id of ids) {
    const u = id.indexOf('_');
    if (u < 0) continue;
    const e = id.slice(2, u);
    let a = g.get(e);
    if (!a) g.set(e, (a = []));
    a.push(id);
  }
  return g;
}
