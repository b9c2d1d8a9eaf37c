/**
 * Trees (spec §11): a tree blob is `{"nodes":[…]}\n`. A tree of up to WHOLE_TEXT_MAX characters
 * is parsed with one JSON.parse (8 µs per node by scanning and parsing nodes one at a time, 1.5 µs
 * this way); a larger one is scanned node by node (json-scan.ts), so listing a huge directory
 * holds that one tree and one parsed node.
 */

import { IntegrityError } from '../errors.js';
import type { Entry } from '../model.js';
import { hasUnsafeInt, JsonScanError, quoteBigInts, scanTreeNodes } from './json-scan.js';
import { BIG_KEYS, nodeToEntry, parseNodeText, type RawNode } from './node.js';

const WHOLE_TEXT_MAX = 4 * 1024 * 1024;
const dec = new TextDecoder();

function malformed(where: string, treeId: string, e: Error): IntegrityError {
  return new IntegrityError(
    `${where}: malformed tree JSON (${e.message})`,
    { tree: treeId },
    { cause: e },
  );
}

/** The nodes of a whole tree document, with big integers kept exact; throws on bad JSON. */
function wholeNodes(text: string, where: string, treeId: string): unknown[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw malformed(where, treeId, e as Error);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw malformed(where, treeId, new Error('tree is not a JSON object'));
  let nodes = (doc as { nodes?: unknown }).nodes ?? [];
  if (!Array.isArray(nodes)) throw malformed(where, treeId, new Error('"nodes" is not a list'));
  const unsafe = nodes.some(
    (n) =>
      typeof n === 'object' && n !== null && hasUnsafeInt(n as Record<string, unknown>, BIG_KEYS),
  );
  if (unsafe) nodes = (JSON.parse(quoteBigInts(text, BIG_KEYS)) as { nodes: unknown[] }).nodes;
  return nodes as unknown[];
}

export function* parseTree(bytes: Uint8Array, treeId: string): Generator<Entry> {
  const text = dec.decode(bytes);
  const where = `tree ${treeId}`;
  if (text.length <= WHOLE_TEXT_MAX) {
    for (const n of wholeNodes(text, where, treeId)) {
      if (typeof n !== 'object' || n === null || Array.isArray(n))
        throw new IntegrityError(`${where}: a node is not a JSON object`, { where });
      yield nodeToEntry(n as RawNode, where);
    }
    return;
  }
  try {
    for (const nodeText of scanTreeNodes(text)) yield parseNodeText(nodeText, where);
  } catch (e) {
    if (e instanceof JsonScanError) throw malformed(where, treeId, e);
    throw e;
  }
}
