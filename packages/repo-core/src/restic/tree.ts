/**
 * Trees (spec §11): a tree blob is `{"nodes":[…]}\n`. Nodes are parsed one at a time from the
 * blob's text (json-scan.ts), so listing a huge directory holds that one tree and one node.
 */

import { IntegrityError } from '../errors.js';
import type { Entry } from '../model.js';
import { JsonScanError, scanTreeNodes } from './json-scan.js';
import { parseNodeText } from './node.js';

export function* parseTree(bytes: Uint8Array, treeId: string): Generator<Entry> {
  const text = new TextDecoder().decode(bytes);
  const where = `tree ${treeId}`;
  try {
    for (const nodeText of scanTreeNodes(text)) yield parseNodeText(nodeText, where);
  } catch (e) {
    if (e instanceof JsonScanError)
      throw new IntegrityError(
        `${where}: malformed tree JSON (${e.message})`,
        { tree: treeId },
        {
          cause: e,
        },
      );
    throw e;
  }
}
