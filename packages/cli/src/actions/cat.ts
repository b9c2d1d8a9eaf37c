/** What `salvage cat` does (options in commands/cat.ts): list the kinds, or print one object. */

import type { Command } from 'commander';
import { UsageError } from '@salvage/repo-core';
import type { Ctx } from '../context.js';
import { table } from '../format.js';
import { openFromOptions } from '../open-repository.js';

export async function runCat(
  ctx: Ctx,
  kind: string | undefined,
  id: string | undefined,
  c: Command,
): Promise<void> {
  const o = ctx.globals(c) as ReturnType<Ctx['globals']> & { list?: boolean };
  const repo = await openFromOptions(o, ctx.io);
  try {
    const kinds = repo.rawKinds();
    if (o.list || !kind) {
      if (o.json) for (const k of kinds) ctx.json(k);
      else ctx.out(table(kinds.map((k) => [k.name, k.needsId ? '<id>' : '', k.description])));
      return;
    }
    const k = kinds.find((x) => x.name === kind);
    if (!k)
      throw new UsageError(
        `unknown object kind ${JSON.stringify(kind)}; one of: ${kinds.map((x) => x.name).join(', ')}`,
      );
    if (k.needsId && !id) throw new UsageError(`cat ${kind} needs an id`);
    const data = await repo.readRaw(kind, id);
    if (o.json) {
      const text = Buffer.from(data).toString('utf8');
      try {
        ctx.json(JSON.parse(text));
      } catch {
        ctx.json({ kind, id, base64: Buffer.from(data).toString('base64') });
      }
      return;
    }
    ctx.io.stdout.write(Buffer.from(data));
  } finally {
    await repo.close();
  }
}
