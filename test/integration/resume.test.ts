// Interrupted scripts resume: a driver killed with SIGKILL while waiting, run again, returns the result without a
// second job; editing the op's code (or a module it imports) gives a new job.
import test from 'ava';
import { spawn } from 'node:child_process';
import { cpSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RemoteJob } from '../../src/index.ts';
import { makeProject } from '../helpers/project.ts';
import { sleepThenReturn } from '../fixtures/ops/basic.ts';
import Database from 'better-sqlite3';

const script = fileURLToPath(new URL('../fixtures/resume-script.ts', import.meta.url));

function runScript(cwd: string, env: NodeJS.ProcessEnv, args: string[]): { child: ReturnType<typeof spawn>; output: Promise<{ out: string; code: number | null }> } {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), script, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return { child, output: new Promise((res) => child.on('close', (code) => res({ out, code }))) };
}

test('a driver killed with SIGKILL while waiting, run again, gets the result without a second job', async (t) => {
  const p = makeProject();
  const ops = fileURLToPath(new URL('../fixtures/ops/basic.ts', import.meta.url));
  const first = runScript(p.dir, p.env, [ops, 'sleepThenReturn', '4000']);
  // Wait until the job is in the local queue, then kill the driver hard.
  for (let i = 0; i < 200 && p.queueRecords().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  t.is(p.queueRecords().length, 1, 'the job was submitted before the kill');
  first.child.kill('SIGKILL');
  await first.output;
  const second = runScript(p.dir, p.env, [ops, 'sleepThenReturn', '4000']);
  const { out, code } = await second.output;
  t.is(code, 0, out);
  t.regex(out, /RESULT "resumed-value"/);
  t.regex(out, /attached to existing job/);
  const ctx = p.context();
  t.is(ctx.store.list().length, 1, 'exactly one job in the store');
  t.is(p.queueRecords().length, 1, 'exactly one job in the local queue');
  await ctx.close();
});

test('editing the op, or a module it imports, gives a new cache key; an identical copy does not', async (t) => {
  const p = makeProject();
  const src = fileURLToPath(new URL('../fixtures/ops/', import.meta.url));
  const dir = join(p.dir, 'ops');
  cpSync(src, dir, { recursive: true });
  writeFileSync(join(p.dir, 'package.json'), '{"type":"module"}');
  const ctx = p.context();
  const key = async (): Promise<string> => (await RemoteJob.create({ op: { module: join(dir, 'basic.ts'), exportName: 'usesHelper' }, args: [1] }, ctx)).cacheKey;
  const k0 = await key();
  t.is(await key(), k0, 'same code, same key');
  const helper = join(dir, 'helper.ts');
  writeFileSync(helper, readFileSync(helper, 'utf8').replace('x * 10', 'x * 11'));
  const k1 = await key();
  t.not(k1, k0, 'an imported module changed');
  const basic = join(dir, 'basic.ts');
  writeFileSync(basic, readFileSync(basic, 'utf8').replace('return helperValue(x);', 'return helperValue(x) + 0;'));
  t.not(await key(), k1, 'the op itself changed');
  await ctx.close();
});

test('a job whose submit answer was lost stays staged, and the next run finds its queue id instead of submitting again', async (t) => {
  const p = makeProject();
  const opts = { system: 'local', resources: { num_cores: 1, max_time: 60 }, partialNode: true } as const;
  const ctx1 = p.context();
  const job1 = await RemoteJob.create<unknown>({ op: sleepThenReturn, args: [1500, 'once'] }, ctx1);
  await job1.start(opts);
  const id = job1.id!;
  const path = ctx1.store.path;
  await ctx1.close();
  // What a connection drop during the submit command leaves behind: the queue has the job, the store does not know.
  const db = new Database(path);
  db.prepare("UPDATE jobs SET state = 'staged', scheduler_id = NULL WHERE id = ?").run(id);
  db.close();
  const ctx2 = p.context();
  const job2 = await RemoteJob.create<unknown>({ op: sleepThenReturn, args: [1500, 'once'] }, ctx2);
  t.true(job2.attached);
  await job2.start(opts);
  t.is(await job2.result(), 'once');
  t.is(p.queueRecords().length, 1, 'submitted once');
  t.not(ctx2.store.get(id)!.schedulerId, null);
  await ctx2.close();
});
