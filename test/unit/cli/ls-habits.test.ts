// `xpr ls --format` (squeue's -o habit) and `xpr ls --watch` as a user runs them: the chosen columns in order, a
// clear error naming the valid columns, and a watch that shows a job added while it runs and ends cleanly on Ctrl-C.
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JobStore } from '../../../src/store/index.ts';
import { LS_COLUMNS, parseColumns } from '../../../cli/commands/ls-columns.ts';
import { UsageError } from '../../../cli/commands/errors.ts';

const xpr = fileURLToPath(new URL('../../../cli/xpr.mjs', import.meta.url));

function project(ids: string[]): { root: string; env: NodeJS.ProcessEnv; add: (id: string) => void } {
  const dir = mkdtempSync(join(tmpdir(), 'xpr-ls-'));
  const root = join(dir, '_expyre');
  mkdirSync(root);
  const add = (id: string): void => {
    const store = JobStore.open(root);
    store.claim({ id, cacheKey: id, name: id.split('_')[0]!, system: 'local', stageDir: join(root, id), runDir: join(root, id), outputDir: root, envHash: '', details: {} });
    store.close();
  };
  ids.forEach(add);
  return { root, add, env: { ...process.env, EXPYRE_ROOT: root, HOME: dir, NO_COLOR: '1' } };
}

test('--format picks the columns, in the order given', (t) => {
  const p = project(['relax_aaaaaaaaaaaa_0001', 'md_bbbbbbbbbbbb_0002']);
  const r = spawnSync(process.execPath, [xpr, 'ls', '--format', 'state,id'], { env: p.env, encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.deepEqual(lines[0]!.trim().split(/\s+/), ['state', 'id']);
  t.deepEqual(lines.slice(1, 3).map((l) => l.trim().split(/\s+/)).sort(), [['created', 'md_bbbbbbbbbbbb_0002'], ['created', 'relax_aaaaaaaaaaaa_0001']]);
  const o = spawnSync(process.execPath, [xpr, 'ls', '-o', 'queue-id,name'], { env: p.env, encoding: 'utf8' });
  t.deepEqual(o.stdout.split('\n')[0]!.trim().split(/\s{2,}/), ['queue id', 'name'], '-o is --format; "-" may be written for "_"');
});

test('an unknown --format column is a usage error (exit 2) listing the valid columns', (t) => {
  const p = project([]);
  const r = spawnSync(process.execPath, [xpr, 'ls', '-o', 'id,cpu,jobid'], { env: p.env, encoding: 'utf8' });
  t.is(r.status, 2);
  t.regex(r.stderr, /--format: unknown columns "cpu", "jobid"; valid columns: id, name, system, status, state/);
  t.throws(() => parseColumns(' , '), { instanceOf: UsageError, message: /valid columns/ });
  t.deepEqual(parseColumns('ID, Stage-Dir'), ['id', 'stage_dir']);
  t.true(Object.keys(LS_COLUMNS).every((c) => /^[a-z_]+$/.test(c)));
});

test('--watch redraws until Ctrl-C: a job added while it runs appears, and SIGINT ends it with exit 0', async (t) => {
  const p = project(['first_aaaaaaaaaaaa_0001']);
  const child = spawn(process.execPath, [xpr, 'ls', '--watch', '0.2', '-o', 'id'], { env: p.env });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const until = async (cond: () => boolean): Promise<void> => {
    while (!cond()) {
      if (child.exitCode !== null) throw new Error(`xpr ls --watch exited early: ${err}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await until(() => out.includes('first_aaaaaaaaaaaa_0001'));
  p.add('second_bbbbbbbbbbbb_0002');
  await until(() => out.includes('second_bbbbbbbbbbbb_0002'));
  child.kill('SIGINT');
  t.is(await exited, 0, err);
  const frames = out.split('Every 0.2s: xpr ls').length - 1;
  t.true(frames >= 2, `frames: ${frames}`);
  t.is(err, '');
});

test('--watch takes a positive number of seconds', (t) => {
  const p = project([]);
  const r = spawnSync(process.execPath, [xpr, 'ls', '--watch', '0'], { env: p.env, encoding: 'utf8' });
  t.is(r.status, 2);
  t.regex(r.stderr, /expected a positive number of seconds/);
});
