/** Entry point of the `salvage` binary: builds the command tree and maps errors to exit codes. */
import { Command } from 'commander';

export async function main(argv: string[]): Promise<number> {
  const program = new Command('salvage')
    .description(
      'Read restic and kopia backup repositories: list, browse, restore, verify. Read-only.',
    )
    .version('0.1.0');
  await program.parseAsync(argv, { from: 'user' });
  return 0;
}
