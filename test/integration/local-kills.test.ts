// The `local` queue when the driver's whole process group is signalled (Ctrl-C, a closed terminal or a dropped ssh
// session send SIGINT/SIGHUP to the group; a shutdown SIGTERM; an OOM or `kill -9` SIGKILL) at random moments:
// a rerun completes, no job is left queued, and each job ran exactly once (a ledger the op appends to).
import test from 'ava';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeProject } from '../helpers/project.ts';
import { startDriver, parseOutput, wrongOrMissing, newTag, sleep } from '../fixtures/faults/harness.ts';

const signals: NodeJS.Signals[] = ['SIGHUP', 'SIGTERM', 'SIGKILL', 'SIGINT'];

function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

test('the driver\'s process group signalled at random moments over several trials: the rerun completes, nothing stuck queued, each job run once', async (t) => {
  const trials = 6;
  const n = 5;
  const figures: string[] = [];
  for (let trial = 0; trial < trials; trial++) {
    const p = makeProject();
    const ledger = join(p.dir, 'ledger');
    const env = { XPR_TEST_LEDGER: ledger };
    const tag = newTag();
    const args = ['local', tag, String(n), '0.3'];
    const kills: string[] = [];
    // Two interrupted runs: the first early (claiming, staging, submitting), the second anywhere.
    for (const at of [300 + Math.random() * 3000, 300 + Math.random() * 6000]) {
      const run = startDriver(p, args, env, true);
      const ended = await Promise.race([run.done.then(() => true), sleep(at).then(() => false)]);
      if (!ended) {
        const sig = signals[Math.floor(Math.random() * signals.length)]!;
        try {
          process.kill(-run.child.pid!, sig);
          kills.push(`${sig}@${Math.round(at)}ms`);
        } catch { /* ended meanwhile */ }
      }
      const end = await Promise.race([run.done, sleep(30_000).then(() => undefined)]);
      if (!end) process.kill(-run.child.pid!, 'SIGKILL'); // a group that ignored the signal
      await run.done;
    }
    const last = await startDriver(p, args, env, true).done;
    const out = parseOutput(last.out);
    t.true(out.done, `trial ${trial} (${kills.join(', ')}): ${last.out.slice(-1500)}`);
    t.deepEqual(wrongOrMissing(out, n), [], `trial ${trial} (${kills.join(', ')}): ${out.notOk.join('\n')}`);
    const ran = existsSync(ledger) ? readFileSync(ledger, 'utf8').split('\n').filter(Boolean).map(Number) : [];
    const counts = Array.from({ length: n }, (_, k) => ran.filter((x) => x === k).length);
    t.deepEqual(counts, Array(n).fill(1), `trial ${trial} (${kills.join(', ')}): runs per job`);
    // The queue: every record ended, none without a runner, no draft, no runner process left.
    const q = join(p.root, 'xpr-local-queue');
    const drafts = existsSync(join(q, 'drafts')) ? readdirSync(join(q, 'drafts')) : [];
    t.deepEqual(drafts, [], `trial ${trial}: no draft left`);
    const records = p.queueRecords();
    t.is(records.length, n, `trial ${trial} (${kills.join(', ')}): one queue record per job`);
    for (const r of records) {
      t.true(existsSync(join(q, 'jobs', r, 'exit')), `trial ${trial}: record ${r} ended`);
      const pid = Number(readFileSync(join(q, 'jobs', r, 'pid'), 'utf8'));
      for (let i = 0; i < 50 && isRunning(pid); i++) await sleep(100);
      t.false(isRunning(pid), `trial ${trial}: runner of record ${r} is gone`);
    }
    const ctx = p.context();
    const live = ctx.store.list().filter((row) => !['succeeded', 'failed', 'died', 'cancelled'].includes(row.state));
    await ctx.close();
    t.deepEqual(live.map((r) => `${r.name} ${r.state}`), [], `trial ${trial}: no job left live in the store`);
    figures.push(`trial ${trial}: ${kills.join(', ') || 'no kill (ended first)'}; runs per job ${counts.join(',')}`);
  }
  t.log(figures.join('\n'));
});
