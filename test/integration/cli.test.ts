// The xpr command line against a real project: list, show, logs, remove; errors exit 1 with a message, never a trace.
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { RemoteJob } from '../../src/index.ts';
import { fileURLToPath } from 'node:url';
import { runJob } from '../../src/index.ts';
import { add, printsAndReturns, sleepThenReturn } from '../fixtures/ops/basic.ts';
import { makeProject } from '../helpers/project.ts';

const xpr = fileURLToPath(new URL('../../cli/xpr.mjs', import.meta.url));

function run(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [xpr, ...args], { cwd, env }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

test('ls, show, logs and rm work on a project; bad input exits 1 with a message', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  await runJob({ op: add, args: [1, 2], system: 'local', resources: { num_cores: 1, max_time: 60 }, partialNode: true, context: ctx });
  const [row] = ctx.store.list();
  await ctx.close();
  const ls = await run(['ls', '--json'], p.dir, p.env);
  t.is(ls.code, 0, ls.stderr);
  const listed = ls.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; state: string });
  t.deepEqual(listed.map((r) => [r.id, r.state]), [[row!.id, 'succeeded']]);
  const table = await run(['ls'], p.dir, p.env);
  t.regex(table.stdout, new RegExp(row!.id));
  t.notRegex(table.stdout, /\u001b\[/, 'no colour codes when not on a terminal');
  const show = await run(['show', row!.id], p.dir, p.env);
  t.regex(show.stdout, /history:[\s\S]*created → staged/);
  const logs = await run(['logs', row!.id], p.dir, p.env);
  t.is(logs.code, 0);
  const missing = await run(['show', 'no_such_job'], p.dir, p.env);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /no job no_such_job/);
  t.notRegex(missing.stderr, /at .*\.ts:\d+/, 'no stack trace for a user error');
  const badState = await run(['ls', '--state', 'bogus'], p.dir, p.env);
  t.is(badState.code, 1);
  t.regex(badState.stderr, /unknown state bogus/);
  const noYes = await run(['rm', '--state', 'succeeded'], p.dir, p.env);
  t.is(noYes.code, 1, 'rm refuses without --yes when stdin is not a terminal');
  const rm = await run(['rm', '--state', 'succeeded', '--yes'], p.dir, p.env);
  t.is(rm.code, 0, rm.stderr);
  t.regex(rm.stdout, /removed 1 job/);
  t.is(p.stageDirs().length, 0, 'its files are gone');
  const after = await run(['ls', '--json'], p.dir, p.env);
  t.is(after.stdout.trim(), '');
});

test('logs prints the job\'s output (and --tail the end of it); a bad --tail is refused naming the option', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  await runJob({ op: printsAndReturns, system: 'local', resources: { num_cores: 1, max_time: 60 }, partialNode: true, context: ctx });
  const [row] = ctx.store.list();
  await ctx.close();
  const logs = await run(['logs', row!.id], p.dir, p.env);
  t.regex(logs.stdout, /hello on stdout/);
  t.regex(logs.stdout + logs.stderr, /hello on stderr/);
  const tail = await run(['logs', row!.id, '--tail', '8'], p.dir, p.env);
  t.notRegex(tail.stdout, /hello on/);
  const bad = await run(['logs', row!.id, '--tail', '-5'], p.dir, p.env);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /--tail/);
});

test('cancel stops a running job; reset-status forces a state with a recorded event', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  const job = await RemoteJob.create({ op: sleepThenReturn, args: [60_000, 'late'] }, ctx);
  await job.start({ system: 'local', resources: { num_cores: 1, max_time: 120 }, partialNode: true });
  const id = job.id!;
  await ctx.close();
  const cancel = await run(['cancel', '--id', id, '--yes'], p.dir, p.env);
  t.is(cancel.code, 0, cancel.stderr);
  const after = p.context();
  t.is(after.store.get(id)!.state, 'cancelled');
  await after.close();
  const reset = await run(['reset-status', '--id', id, '--to', 'failed', '--yes'], p.dir, p.env);
  t.is(reset.code, 0, reset.stderr);
  const again = p.context();
  t.is(again.store.get(id)!.state, 'failed');
  t.is(again.store.events(id).at(-1)!.detail, 'reset by xpr reset-status');
  await again.close();
});

test('db-unlock removes a lock whose holder is gone, and refuses one whose holder is alive unless --force', async (t) => {
  const p = makeProject();
  const lockDir = join(p.root, 'xpr-jobs.sqlite.writelock');
  const none = await run(['db-unlock'], p.dir, p.env);
  t.regex(none.stdout, /no writer lock/);
  mkdirSync(lockDir);
  writeFileSync(join(lockDir, 'owner'), `${hostname()} ${process.pid}\n`);
  const refused = await run(['db-unlock'], p.dir, p.env);
  t.is(refused.code, 1);
  t.regex(refused.stderr, new RegExp(`held by ${hostname()} ${process.pid}.*--force`));
  t.true(existsSync(lockDir));
  const forced = await run(['db-unlock', '--force'], p.dir, p.env);
  t.is(forced.code, 0);
  t.false(existsSync(lockDir));
  mkdirSync(lockDir);
  writeFileSync(join(lockDir, 'owner'), `${hostname()} 2147483646\n`);
  const stale = await run(['db-unlock'], p.dir, p.env);
  t.is(stale.code, 0, stale.stderr);
  t.regex(stale.stdout, /removed the writer lock/);
  t.false(existsSync(lockDir));
});
