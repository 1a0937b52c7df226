// Job arrays through the real sshd into real Slurm and SGE: one autoparallelize call goes as ONE array submission,
// results come back per chunk, a small max_array_size splits it, and one killed task dies and is resubmitted alone.
import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { autoparallelize, type RemoteInfoInput } from '../../src/index.ts';
import { cancelJobs, type XprContext } from '../../src/job/index.ts';
import { double, slow } from '../fixtures/autopara/ops.ts';
import { clusterEnv, clusterProject } from '../helpers/cluster.ts';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planArrays, submitArrays } from '../../src/system/array.ts';
import { submitJobs } from '../../src/system/system-ops.ts';
import { quote } from '../../src/transport/quote.ts';

const silent = { progress: 'silent' } as const;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const info = (sys: string, more: Partial<RemoteInfoInput> = {}): RemoteInfoInput => ({
  sys_name: sys, job_name: 'arr', resources: { num_cores: 1, max_time: '10m' }, partial_node: true,
  num_inputs_per_queued_job: 2, check_interval: 1, job_array: true, ...more,
});

// The queue ids the store recorded, split into array id and task index (Slurm `<id>_<k>`, SGE `<id>.<k>`).
function tasksOf(ctx: XprContext): Array<{ array: string; task: number; name: string; state: string; reason: string | null }> {
  return ctx.store.list().map((r) => {
    const m = /^(\d+)[_.](\d+)$/.exec(r.schedulerId ?? '');
    return { array: m?.[1] ?? `plain:${r.schedulerId}`, task: m ? Number(m[2]) : -1, name: r.name, state: r.state, reason: r.reason };
  });
}

for (const [sys, kind, first] of [['slurm_ssh', 'slurm', 0], ['sge_ssh', 'sge', 1]] as const) {
  test(`${sys}: the chunks of one call go as one array; each chunk keeps its own job, state and results`, async (t) => {
    const c = clusterEnv(t, [kind]);
    if (!c) return;
    const p = clusterProject(c);
    const ctx = p.context();
    try {
      const out = await autoparallelize(double, range(11), { context: ctx, remoteInfo: info(sys), ...silent });
      t.deepEqual([...out], range(11).map((x) => 2 * x));
      const tasks = tasksOf(ctx);
      t.is(tasks.length, 6, 'six chunk jobs in the store');
      t.is(new Set(tasks.map((x) => x.array)).size, 1, `one array submission: ${JSON.stringify(tasks)}`);
      t.deepEqual(tasks.map((x) => x.task).sort((a, b) => a - b), range(6).map((k) => k + first));
      t.true(tasks.every((x) => x.state === 'processed' && x.reason === null));
      // Each job dir recorded its own task id: a run whose submit answer was lost reads it back instead of resubmitting.
      const session = await ctx.session(sys);
      const rows = ctx.store.list();
      const res = await session.transport.exec(['cat', ...rows.map((r) => `${r.runDir}/_xpr_sched_id`)], { idempotent: true });
      t.deepEqual(res.stdout.toString().trim().split('\n'), rows.map((r) => r.schedulerId));
    } finally {
      await ctx.close();
    }
  });

  test(`${sys}: cancelling one chunk (xpr's cancel) cancels its task only; the other chunks deliver`, async (t) => {
    const c = clusterEnv(t, [kind]);
    if (!c) return;
    const p = clusterProject(c);
    const ctx = p.context();
    try {
      const run = autoparallelize(slow, range(6), {
        context: ctx, args: [3000], remoteInfo: info(sys, { ignore_failed_jobs: true }), ...silent,
      });
      let rows = ctx.store.list();
      for (let i = 0; i < 200 && !(rows.length === 3 && rows.every((r) => r.schedulerId)); i++) {
        await sleep(100);
        rows = ctx.store.list();
      }
      const victim = rows.find((x) => x.name.startsWith('arr_chunk_2'));
      if (!victim) return t.fail('the chunks never got queue ids');
      await cancelJobs(ctx, [victim]);
      const out = await run;
      t.deepEqual([...out], [0, 1, 2, 3, undefined, undefined]);
      t.deepEqual(out.failures.map((f) => f.index), [4, 5]);
      t.is(ctx.store.get(victim.id)!.state, 'cancelled');
      t.true(ctx.store.list().filter((r) => r.id !== victim.id).every((r) => r.state === 'processed' && r.reason === null));
    } finally {
      await ctx.close();
    }
  });

  test(`${sys}: one task killed in the queue dies and is resubmitted alone; the other tasks are untouched`, async (t) => {
    const c = clusterEnv(t, [kind]);
    if (!c) return;
    const p = clusterProject(c);
    const ctx = p.context({ XPR_DIED_GRACE_S: '2' });
    try {
      const run = autoparallelize(slow, range(6), {
        context: ctx, args: [4000], remoteInfo: info(sys, { resubmit_killed_jobs: true }), ...silent,
      });
      // Wait until every chunk has its task id and the second chunk's task runs, then kill that task (only it).
      // Judged by state, not time: Grid Engine lets a task qdel'd while still being transferred run on to exit 0.
      let victim: { id: string; schedulerId: string } | undefined;
      for (let i = 0; i < 600 && !victim; i++) {
        const rows = ctx.store.list();
        if (rows.length === 3 && rows.every((r) => r.schedulerId) && rows.find((x) => x.name.startsWith('arr_chunk_1'))?.state === 'running') {
          const r = rows.find((x) => x.name.startsWith('arr_chunk_1'))!;
          victim = { id: r.id, schedulerId: r.schedulerId! };
        } else await sleep(100);
      }
      if (!victim) return t.fail('the chunks never got queue ids');
      const session = await ctx.session(sys);
      const kill = await session.transport.exec(kind === 'slurm' ? ['scancel', victim.schedulerId] : ['qdel', victim.schedulerId], { idempotent: true });
      t.is(kill.code, 0, kill.stderr.toString());
      t.deepEqual([...(await run)], range(6), 'all items come back, the killed chunk\'s from its resubmission');
      const rows = ctx.store.list();
      const killed = rows.find((r) => r.id === victim.id)!;
      t.regex(killed.reason ?? '', /^died/, 'the killed task is recorded as died');
      const retries = rows.filter((r) => r.name.includes('_retry'));
      t.is(retries.length, 1, 'only the killed chunk is resubmitted');
      t.true(rows.filter((r) => r.id !== victim.id && !r.name.includes('_retry')).every((r) => r.state === 'processed' && r.reason === null),
        `the other tasks ran to the end: ${JSON.stringify(rows.map((r) => [r.name, r.state, r.reason]))}`);
    } finally {
      await ctx.close();
    }
  });
}

test('slurm_ssh: max_array_size splits one call into several arrays; job_array: false submits one by one', async (t) => {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return;
  const cores = 2;
  const p = clusterProject(c, {
    slurm_small: {
      host: c.alias, scheduler: 'slurm', rundir: 'xpr-test-runs', arrays: true, max_array_size: 3,
      partitions: { debug: { num_cores: cores, max_time: null, max_mem: '1GB' } },
    },
  });
  const ctx = p.context();
  try {
    const sysInfo = info('slurm_small', { num_inputs_per_queued_job: 1 });
    delete sysInfo.job_array; // the system's `arrays: true` decides
    t.deepEqual([...(await autoparallelize(double, range(7), { context: ctx, remoteInfo: sysInfo, ...silent }))], range(7).map((x) => 2 * x));
    const tasks = tasksOf(ctx);
    const counts = new Map<string, number>();
    for (const x of tasks) counts.set(x.array, (counts.get(x.array) ?? 0) + 1);
    const sizes = [...counts.values()].sort();
    t.deepEqual(sizes, [1, 3, 3], `arrays of 3, 3, and a lone job submitted plainly: ${JSON.stringify(tasks)}`);
    t.is(tasks.filter((x) => x.array.startsWith('plain:')).length, 1);

    await autoparallelize(double, [20, 21, 22], { context: ctx, remoteInfo: { ...sysInfo, job_array: false }, ...silent });
    const plain = tasksOf(ctx).filter((x) => x.name.startsWith('arr_chunk') && x.array.startsWith('plain:'));
    t.is(plain.length, 1 + 3, 'the lone job before, and all three now: job_array: false wins over the system setting');
  } finally {
    await ctx.close();
  }
});

test('slurm_ssh: where the queue refuses arrays, the jobs go one by one, and later calls skip arrays', async (t) => {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return;
  // A site whose sbatch refuses every array (with Slurm's own message, see captured/arrays/slurm-sbatch-array-too-large.txt)
  // and passes everything else to the real sbatch.
  const p0 = clusterProject(c);
  const probe = p0.context();
  const bin = `xpr-test-runs/no-array-bin-${process.pid}`;
  let home = '';
  try {
    const session = await probe.session('slurm_ssh');
    const wrapper = '#!/bin/bash\nfor a; do case $a in --array=*) echo refused >> "$(dirname "$0")/refused.log"; ' +
      'echo "sbatch: error: Batch job submission failed: Invalid job array specification" >&2; exit 1;; esac; done\nexec /usr/bin/sbatch "$@"\n';
    const res = await session.transport.exec(['bash', '-c', `mkdir -p "$1" && cat > "$1/sbatch" && chmod +x "$1/sbatch" && cd "$1" && pwd`, 'x', bin], { stdin: wrapper, idempotent: true });
    t.is(res.code, 0, res.stderr.toString());
    home = res.stdout.toString().trim();
  } finally {
    await probe.close();
  }
  const p = clusterProject(c, {
    slurm_noarrays: {
      host: c.alias, scheduler: 'slurm', rundir: 'xpr-test-runs', arrays: true, pre_submit_cmds: [`PATH=${home}:/usr/bin:/bin`],
      partitions: { debug: { num_cores: 2, max_time: null, max_mem: '1GB' } },
    },
  });
  const ctx = p.context();
  try {
    const sysInfo = info('slurm_noarrays');
    delete sysInfo.job_array;
    t.deepEqual([...(await autoparallelize(double, range(6), { context: ctx, remoteInfo: sysInfo, ...silent }))], range(6).map((x) => 2 * x));
    t.deepEqual([...(await autoparallelize(double, [10, 11, 12, 13], { context: ctx, remoteInfo: sysInfo, ...silent }))], [20, 22, 24, 26]);
    const tasks = tasksOf(ctx);
    t.is(tasks.length, 5);
    t.true(tasks.every((x) => x.array.startsWith('plain:') && x.state === 'processed'), JSON.stringify(tasks));
    const session = await ctx.session('slurm_noarrays');
    const log = await session.transport.exec(['cat', `${home}/refused.log`], { idempotent: true });
    t.is(log.stdout.toString(), 'refused\n', 'one refused array, then no more tries in this run');
  } finally {
    await ctx.close();
  }
});

test('slurm: an array submit cut off before its task ids are written: the rerun adopts the tasks by the array name, no second sbatch', async (t) => {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return;
  // sbatch as usual, its calls counted; an array submit with `drop` present kills the session (as a dropped
  // connection does) once Slurm has taken the array and before xpr writes any id.
  const hook = mkdtempSync(join(tmpdir(), 'xpr-array-drop-'));
  mkdirSync(join(hook, 'bin'));
  chmodSync(hook, 0o777);
  writeFileSync(join(hook, 'bin', 'sbatch'), [
    '#!/bin/bash',
    `echo "$*" >> ${quote(hook)}/calls`,
    'out=$(/usr/bin/sbatch "$@"); rc=$?',
    'printf \'%s\\n\' "$out"',
    `case " $* " in *" --array="*) if [ "$rc" = 0 ] && [ -e ${quote(hook)}/drop ]; then rm -f ${quote(hook)}/drop; echo "$out" > ${quote(hook)}/array-id; kill -KILL 0; fi ;; esac`,
    'exit $rc',
    '',
  ].join('\n'), { mode: 0o755 });
  const p = clusterProject(c, {
    slurm_drop: { host: c.alias, scheduler: 'slurm', rundir: 'xpr-test-runs', partitions: { debug: { num_cores: 1, max_time: null, max_mem: '1GB' } }, pre_submit_cmds: [`PATH=${hook}/bin:/usr/local/bin:/usr/bin:/bin`] },
  });
  const ctx = p.context();
  let arrayId = '';
  try {
    const session = await ctx.session('slurm_drop');
    const tag = `adrop${Date.now().toString(36)}`;
    const jobs = [0, 1].map((k) => {
      const id = `${tag}_chunk_${k}_abcdefabcdef_wxyz`;
      return { id, jobDir: `${session.base}/${id}`, argv: ['sbatch', '--parsable', `--job-name=${id}`, 'job.script.slurm'] };
    });
    const made = await session.transport.exec(['bash', '-c', 'for d; do mkdir -p "$d" && printf \'#!/bin/bash\\ntrue\\n\' > "$d/job.script.slurm" && chmod 700 "$d/job.script.slurm" || exit 1; done', 'x', ...jobs.map((j) => j.jobDir)], { idempotent: true });
    t.is(made.code, 0, made.stderr);
    const { parts } = planArrays(session, jobs);
    const fit = { partition: session.system.partitions[0]!, numNodes: 1, numCores: 1, numCoresPerNode: 1, maxTimeS: 600 };
    writeFileSync(join(hook, 'drop'), '');
    const o = (await submitArrays(session, parts, { asked: true, fit, headerExtra: [], envHeaderExtra: [], fresh: new Set() })).get(parts[0]!.name)!;
    t.true(!o.ok && o.lost === true, `the cut-off array submit is lost, its jobs stay staged: ${JSON.stringify(o)}`);
    arrayId = readFileSync(join(hook, 'array-id'), 'utf8').trim();
    t.regex(arrayId, /^\d+$/, 'Slurm took the array');
    const out = await submitJobs(session, jobs);
    t.deepEqual(jobs.map((j) => out.get(j.id)), [{ ok: true, schedulerId: `${arrayId}_0` }, { ok: true, schedulerId: `${arrayId}_1` }]);
    t.is(readFileSync(join(hook, 'calls'), 'utf8').trim().split('\n').length, 1, 'sbatch ran once: the array');
  } finally {
    if (arrayId) await (await ctx.session('slurm_drop')).transport.exec(['scancel', arrayId], { idempotent: true });
    await ctx.close();
  }
});
