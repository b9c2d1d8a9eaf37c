// The salvage CLI in-process (main(argv, io) with captured streams) on a real fixture: every
// command's --json output parses, and failures map to the documented exit codes.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { errorClasses } from '@salvage/repo-core';
import { exitCodeByKind, EXIT } from '../../packages/cli/src/exit-codes.js';
import { runCli, type CliResult } from '../harness/cli-run.js';
import { fixtureRepoPath, loadFixtures } from '../harness/fixtures.js';

const temps: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'salvage-cli-'));
  temps.push(d);
  return d;
};
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

const run = (argv: string[], env: Record<string, string> = {}): Promise<CliResult> =>
  runCli(argv, env);

const ndjson = (s: string): unknown[] =>
  s
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as unknown);

describe('exit codes', () => {
  it('every error kind has a distinct documented exit code', () => {
    const kinds = new Set(
      errorClasses.map(
        (C) =>
          new (C as unknown as new (...a: unknown[]) => { kind: keyof typeof exitCodeByKind })('x')
            .kind,
      ),
    );
    for (const k of kinds) expect(exitCodeByKind[k], k).toBeGreaterThan(1);
    expect(new Set(Object.values(exitCodeByKind)).size).toBe(Object.keys(exitCodeByKind).length);
  });
  it('usage errors exit 2', async () => {
    expect((await run(['snapshots', '--no-such-option'])).code).toBe(EXIT.usage);
    expect((await run(['snapshots'])).code).toBe(EXIT.usage); // no repository
  });
  it('a missing repository exits 10', async () => {
    const r = await run(['-r', tmp(), 'snapshots'], { RESTIC_PASSWORD: 'x' });
    expect(r.code).toBe(EXIT.repository);
  });
});

for (const fx of loadFixtures().filter(
  (f, i, all) => all.findIndex((g) => g.format === f.format) === i,
)) {
  describe(`salvage on ${fx.name}`, () => {
    const repo = fixtureRepoPath(fx.name);
    const env: Record<string, string> =
      fx.format === 'kopia' ? { KOPIA_PASSWORD: fx.password } : { RESTIC_PASSWORD: fx.password };
    const last = fx.snapshots[fx.snapshots.length - 1]!.id;
    const g = ['-r', repo, '--no-cache'];

    it('wrong password exits 12, unknown snapshot 13', async () => {
      expect(
        (
          await run(
            [...g, 'snapshots'],
            fx.format === 'kopia' ? { KOPIA_PASSWORD: 'nope' } : { RESTIC_PASSWORD: 'nope' },
          )
        ).code,
      ).toBe(EXIT.credentials);
      expect((await run([...g, 'ls', 'ffffffffffff'], env)).code).toBe(EXIT.notFound);
      expect((await run([...g, 'ls', `${last}:/no/such/path`], env)).code).toBe(EXIT.notFound);
    });

    it('with passwords for both formats in the env, the one that fits opens it', async () => {
      // a shell set up for both K8up (restic) and Velero (kopia)
      const both = (restic: string, kopia: string) => ({
        RESTIC_PASSWORD: restic,
        KOPIA_PASSWORD: kopia,
      });
      const right =
        fx.format === 'kopia' ? both('k8up-secret', fx.password) : both(fx.password, 'velero');
      expect((await run([...g, 'snapshots'], right)).code).toBe(0);
      const wrong = await run([...g, 'snapshots'], both('nope', 'nope either'));
      expect(wrong.code).toBe(EXIT.credentials);
      expect(wrong.stderr).toContain('any of the 2 passwords given');
    });

    it('password from --password-file and --password-command', async () => {
      const pw = join(tmp(), 'pw');
      writeFileSync(pw, fx.password + '\n');
      expect((await run([...g, '--password-file', pw, 'snapshots'])).code).toBe(0);
      expect((await run([...g, '--password-command', `cat ${pw}`, 'snapshots'])).code).toBe(0);
    });

    it('snapshots --json is an array with every fixture snapshot', async () => {
      const r = await run([...g, '--json', 'snapshots'], env);
      expect(r.code).toBe(0);
      const list = JSON.parse(r.stdout) as { id: string }[];
      expect(list.map((s) => s.id).sort()).toEqual(fx.snapshots.map((s) => s.id).sort());
      const human = await run([...g, 'snapshots'], env);
      expect(human.stdout).toContain(`${fx.snapshots.length} snapshot`);
    });

    it('ls, find, diff, stats, cat emit parseable --json', async () => {
      const ls = await run([...g, '--json', 'ls', '-R', last], env);
      expect(ls.code).toBe(0);
      const nodes = ndjson(ls.stdout) as { struct_type: string; path?: string; type?: string }[];
      expect(nodes.filter((n) => n.struct_type === 'node').length).toBeGreaterThan(3);
      const aFile = nodes.find((n) => n.type === 'file')!;
      const base = aFile.path!.split('/').pop()!;
      const find = await run([...g, '--json', 'find', base], env);
      expect(find.code).toBe(0);
      expect((ndjson(find.stdout) as { path: string }[]).some((m) => m.path === aFile.path)).toBe(
        true,
      );
      const hist = await run([...g, '--json', 'find', '--history', aFile.path!], env);
      expect(ndjson(hist.stdout).length).toBe(fx.snapshots.length);
      const first = fx.snapshots[0]!.id;
      const diff = await run([...g, '--json', 'diff', first, last], env);
      expect(diff.code).toBe(0);
      expect((ndjson(diff.stdout) as { message_type: string }[]).at(-1)!.message_type).toBe(
        'statistics',
      );
      for (const mode of ['restore-size', 'raw-data', 'files-by-contents']) {
        const st = await run([...g, '--json', 'stats', '--mode', mode, last], env);
        expect(st.code, st.stderr).toBe(0);
        expect(
          (JSON.parse(st.stdout) as { total_file_count: number }).total_file_count,
        ).toBeGreaterThan(0);
      }
      const kinds = await run([...g, '--json', 'cat', '--list'], env);
      const list = ndjson(kinds.stdout) as { name: string; needsId: boolean }[];
      expect(list.length).toBeGreaterThan(0);
      const single = list.find((k) => !k.needsId);
      if (single) {
        const cat = await run([...g, '--json', 'cat', single.name], env);
        expect(cat.code, cat.stderr).toBe(0);
        expect(ndjson(cat.stdout).length).toBe(1);
      }
    });

    it('restore --json streams events and ends with a summary; dump writes a tar', async () => {
      const t = join(tmp(), 'r');
      const r = await run([...g, '--json', 'restore', last, '--target', t], env);
      expect(r.code, r.stderr).toBe(0);
      const events = ndjson(r.stdout) as { message_type: string; filesRestored?: number }[];
      expect(events.at(-1)!.message_type).toBe('summary');
      expect(events.at(-1)!.filesRestored).toBeGreaterThan(0);
      const dry = await run(
        [...g, 'restore', last, '--target', t, '--dry-run', '--overwrite', 'never'],
        env,
      );
      expect(dry.code).toBe(0);
      const tarFile = join(tmp(), 'out.tar');
      const d = await run([...g, 'dump', '-a', 'tar', '-o', tarFile, last], env);
      expect(d.code, d.stderr).toBe(0);
      expect(execFileSync('tar', ['-tf', tarFile]).toString().split('\n').length).toBeGreaterThan(
        3,
      );
    });

    it('every command has --help with an example', async () => {
      for (const c of ['snapshots', 'ls', 'find', 'cat', 'dump', 'restore', 'diff', 'stats']) {
        const h = await run([c, '--help']);
        expect(h.code).toBe(0);
        expect(h.stdout).toContain('Example');
      }
      const top = await run(['--help']);
      expect(top.stdout).toContain('Exit codes');
    });
  });
}
