// Hostile input on the real job path: job names, input file names, env values, output file names and a run dir full of
// shell metacharacters go through the local queue and through sshd into Slurm; a canary file (checked here and on the
// system) proves no payload ran, and every value arrives byte for byte. A job that leaves a symlink among its outputs
// gets a clear error and nothing outside its job dir is touched.
import test from 'ava';
import { writeFileSync, readFileSync, existsSync, readdirSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { runJob, type XprContext } from '../../src/index.ts';
import { echoInputs, plantSymlink } from './fixtures/hostile-ops.ts';
import { add } from '../fixtures/ops/basic.ts';
import { clusterEnv, clusterProject } from '../helpers/cluster.ts';

const res = { num_cores: 1, max_time: '10m' };
const CANARY = `/tmp/xpr-hostile-canary-${process.pid}`;

// File names and env values that would create the canary (or break quoting) if any shell evaluated them.
const FILES = [`$(touch ${CANARY.replaceAll('/', '_')})`, "q'uote", 'd"q', 'semi;colon', 'sp ace', '-rf', '`bt`', 'dollar$HOME', 'new\nline'];
const ENV: Record<string, string> = {
  H_SUBST: `$(touch ${CANARY})`,
  H_TICKS: `\`touch ${CANARY}\``,
  H_QUOTES: `'"; touch ${CANARY}; echo "'`,
  H_NEWLINE: `a\ntouch ${CANARY}`,
  H_DASH: '-rf --no-preserve-root',
  H_SPACES: '  a  b  ',
};
const escapeGlob = (name: string): string => name.replace(/[*?[\]{}()!\\]/g, '\\$&');

async function canaryAnywhere(ctx: XprContext, system: string): Promise<boolean> {
  if (existsSync(CANARY) || existsSync(join('/tmp', CANARY.replaceAll('/', '_')))) return true;
  const session = await ctx.session(system);
  const r = await session.transport.exec(['sh', '-c', 'ls -d "$1" "$2" 2>/dev/null', 'x', CANARY, `/tmp/${CANARY.replaceAll('/', '_')}`]);
  return r.stdout.toString().trim() !== '';
}

for (const [system, needs] of [['local', null], ['slurm_ssh', 'slurm']] as const) {
  test.serial(`${system}: hostile job name, input file names, env values and output names arrive verbatim; nothing runs`, async (t) => {
    const c = clusterEnv(t, needs ? [needs] : []);
    if (!c) return;
    const p = clusterProject(c);
    const ctx = p.context();
    try {
      for (const f of FILES) writeFileSync(join(p.dir, f), `content of ${f}\n`);
      const got = await runJob<ReturnType<typeof echoInputs>>({
        op: echoInputs, args: [FILES, Object.keys(ENV)],
        name: `$(touch ${CANARY}); rm -rf ~ 'x' --help`,
        inputFiles: FILES.map(escapeGlob), outputFiles: ['out-*', 'out-s*'], envVars: ENV, // overlapping globs: each file comes back once
        system, resources: res, partialNode: true, checkIntervalS: 1, context: ctx,
      });
      t.deepEqual(got.files, Object.fromEntries(FILES.map((f) => [f, `content of ${f}\n`])));
      t.deepEqual(got.env, ENV);
      for (const f of FILES) t.is(readFileSync(join(p.dir, `out-${f}`), 'utf8'), `CONTENT OF ${f.toUpperCase()}\n`, `output out-${f} came back`);
      const [row] = ctx.store.list();
      t.regex(row!.id, /^[A-Za-z][A-Za-z0-9_-]*$/);
      t.false(await canaryAnywhere(ctx, system), 'a payload ran');
    } finally {
      await ctx.close();
    }
  });
}

test.serial('slurm_ssh: a run dir full of shell metacharacters is created and used as named; nothing runs', async (t) => {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return;
  const rundir = `xpr-test-runs/odd $(touch ${CANARY}) \`x\` ;'q' "d" -rf`;
  const p = clusterProject(c, {
    slurm_odd: { host: c.alias, scheduler: 'slurm', rundir, partitions: { debug: { num_cores: 1, max_time: null, max_mem: '1GB' } } },
  });
  const ctx = p.context();
  try {
    t.is(await runJob({ op: add, args: [40, 2], system: 'slurm_odd', resources: res, partialNode: true, checkIntervalS: 1, context: ctx }), 42);
    const session = await ctx.session('slurm_odd');
    t.true(session.base.includes(`/odd $(touch ${CANARY}) \`x\` ;'q' "d" -rf/`), session.base);
    const [row] = ctx.store.list();
    const r = await session.transport.exec(['test', '-d', row!.runDir]);
    t.is(r.code, 0, 'the job dir exists under the literal run dir');
    t.false(await canaryAnywhere(ctx, 'slurm_odd'), 'a payload ran');
  } finally {
    await ctx.close();
  }
});

test.serial('slurm_ssh: a job that leaves a symlink among its outputs gets a clear error naming it; the symlink never arrives, and another job fetched with it is unaffected', async (t) => {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return;
  const p = clusterProject(c);
  const ctx = p.context();
  const secret = join(p.dir, 'id_rsa_of_the_user');
  writeFileSync(secret, 'PRIVATE KEY');
  try {
    const opts = { system: 'slurm_ssh', resources: res, partialNode: true, checkIntervalS: 1, context: ctx } as const;
    // Both wait on the same poller: their results come back in the same fetch.
    const [evil, fine] = await Promise.allSettled([
      runJob({ op: plantSymlink, args: [secret], outputFiles: ['*.txt'], ...opts }),
      runJob({ op: add, args: [1, 2], outputFiles: ['*.txt'], ...opts }),
    ]);
    t.is(fine.status === 'fulfilled' ? fine.value : fine.reason, 3, 'the other job is not held up by the symlink');
    t.is(evil.status, 'rejected');
    const message = evil.status === 'rejected' ? String((evil.reason as Error).message) : '';
    t.regex(message, /matched "evil\.txt" on the system, which is not a regular file.*not fetched or copied/s);
    const row = ctx.store.list().find((r) => r.name === 'plantSymlink')!;
    const local = existsSync(row.stageDir) ? readdirSync(row.stageDir) : [];
    t.false(local.includes('evil.txt'), 'no symlink in the local stage dir');
    t.false(existsSync(join(p.dir, 'evil.txt')));
    t.is(readFileSync(join(p.dir, 'fine.txt'), 'utf8'), 'fine', 'the regular output came back');
    for (const f of local) t.false(lstatSync(join(row.stageDir, f)).isSymbolicLink());
  } finally {
    await ctx.close();
  }
});
