import test from 'ava';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';
import { defaultNumWorkers, runPool, type ItemOutcome, type PoolOptions } from '../../../src/pool/pool.ts';
import { EnvSettingError, PoolOpLoadError, PoolOptionError } from '../../../src/pool/errors.ts';
import { runOnMyself } from '../../fixtures/autopara/self-worker.ts';

const codeFile = fileURLToPath(new URL('../../fixtures/autopara/ops.ts', import.meta.url));
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

function pool(overrides: Partial<PoolOptions>): Promise<ItemOutcome[]> {
  return runPool({ codeFile, exportName: 'double', items: [], batchSize: 1, numWorkers: 2, extraArgs: [], ...overrides });
}

function values(outcomes: ItemOutcome[]): unknown[] {
  return outcomes.map((o) => (o.ok ? o.value : `ERR ${o.error.name}`));
}

test('results come back in input order with 2 workers and batches of 3', async (t) => {
  const outcomes = await pool({ exportName: 'addArgs', items: range(10), batchSize: 3, extraArgs: [10, 100] });
  t.deepEqual(outcomes.map((o) => (o.ok ? (o.value as { sum: number }).sum : null)), range(10).map((i) => i + 110));
  t.true(outcomes.every((o) => o.ok && (o.value as { thread: number }).thread !== threadId), 'ran on worker threads');
});

test('a thrown error fails exactly the items of its batch, aligned by item index, with name, message, stack and code kept', async (t) => {
  for (const numWorkers of [1, 2]) {
    const outcomes = await pool({ items: [1, 2, 3, -1, 5, 6, 7], batchSize: 2, numWorkers });
    t.deepEqual(values(outcomes), [2, 4, 'ERR FixtureError', 'ERR FixtureError', 10, 12, 14]);
    const failed = outcomes[3] as { ok: false; error: Error & { code?: string } };
    t.regex(failed.error.message, /cannot double a batch holding -1 \(batch 3,-1\)/);
    t.regex(failed.error.stack ?? '', /fixtures\/autopara\/ops\.ts/);
    t.is(failed.error.code, 'E_FIXTURE');
    t.true(failed.error instanceof Error);
  }
});

test('an op returning a shorter array leaves the missing items without a value (ok, undefined)', async (t) => {
  for (const numWorkers of [1, 2]) {
    const outcomes = await pool({ exportName: 'shorter', items: range(7), batchSize: 3, numWorkers });
    // Batches [0,1,2] [3,4,5] [6]: the last item of each batch gets no result.
    t.deepEqual(outcomes, [100, 101, undefined, 103, 104, undefined, undefined].map((value) => ({ ok: true, value })));
  }
});

test('a side-effect-only op returning undefined is legal: every item ok with no value', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'xpr-pool-')), 'seen.txt');
  const outcomes = await pool({ exportName: 'sideEffect', items: range(6), batchSize: 2, extraArgs: [file] });
  t.deepEqual(outcomes, range(6).map(() => ({ ok: true, value: undefined })));
  t.deepEqual(readFileSync(file, 'utf8').trim().split('\n').map(Number).sort(), range(6));
});

test('an op returning a non-array fails its batch with OpResultError', async (t) => {
  const outcomes = await pool({ exportName: 'notAnArray', items: range(2), batchSize: 2, numWorkers: 1 });
  t.deepEqual(values(outcomes), ['ERR OpResultError', 'ERR OpResultError']);
  t.regex((outcomes[0] as { error: Error }).error.message, /returned number, expected an array/);
});

test('a result that cannot cross threads fails only its item, in-thread and on workers alike', async (t) => {
  for (const numWorkers of [1, 2]) {
    const outcomes = await pool({ exportName: 'returnsFunction', items: [0, 1, 2], batchSize: 3, numWorkers });
    t.deepEqual(values(outcomes), [0, 'ERR OpResultError', 2]);
    t.regex((outcomes[1] as { error: Error }).error.message, /result of item 1 cannot be passed between threads/);
  }
});

test('a worker that dies fails only the batch it was running; the rest still complete', async (t) => {
  const outcomes = await pool({ exportName: 'exitOn13', items: [1, 2, 13, 4, 5, 6], batchSize: 1 });
  t.deepEqual(values(outcomes), [1, 2, 'ERR WorkerExitError', 4, 5, 6]);
  t.regex((outcomes[2] as { error: Error }).error.message, /worker thread running item 2 stopped \(exit code 7\)/);
});

test('numWorkers 1 runs in this thread, on copies of the items', async (t) => {
  const outcomes = await pool({ exportName: 'addArgs', items: range(3), numWorkers: 1, extraArgs: [0, 0] });
  t.true(outcomes.every((o) => o.ok && (o.value as { thread: number }).thread === threadId));
  const items = [{ n: 1 }, { n: 2 }];
  const mutated = await pool({ exportName: 'mutate', items, numWorkers: 1 });
  t.deepEqual(items, [{ n: 1 }, { n: 2 }]);
  t.deepEqual(values(mutated), [{ n: 2 }, { n: 3 }]);
});

test('onBatchDone reports each batch with its first index; a throw from it rejects the pool', async (t) => {
  const seen: Array<[number, unknown[]]> = [];
  await pool({ items: range(5), batchSize: 2, onBatchDone: (first, outcomes) => seen.push([first, values(outcomes)]) });
  t.deepEqual(seen.sort((a, b) => a[0] - b[0]), [[0, [0, 2]], [2, [4, 6]], [4, [8]]]);
  await t.throwsAsync(pool({ items: range(5), onBatchDone: () => { throw new Error('listener broke'); } }), { message: 'listener broke' });
});

test('abort terminates the workers and rejects with the signal\'s reason', async (t) => {
  for (const numWorkers of [1, 2]) {
    const controller = new AbortController();
    let batchesDone = 0;
    const run = pool({
      exportName: 'slow', items: range(20), batchSize: 1, numWorkers, extraArgs: [300], signal: controller.signal,
      onBatchDone: () => { batchesDone++; if (batchesDone === 1) controller.abort(new Error('stop now')); },
    });
    await t.throwsAsync(run, { message: 'stop now' });
    const atRejection = batchesDone;
    await new Promise((r) => setTimeout(r, 700));
    t.true(atRejection <= numWorkers, `stopped after the first batch(es), not the remaining ones (${atRejection} done)`);
    t.is(batchesDone, atRejection, 'no batch finished after the abort: the workers were terminated');
  }
});

test('an already aborted signal rejects before any work', async (t) => {
  await t.throwsAsync(pool({ items: range(3), signal: AbortSignal.abort(new Error('too late')) }), { message: 'too late' });
});

test('a missing export, a non-function export and a failing import reject with PoolOpLoadError', async (t) => {
  for (const numWorkers of [1, 2]) {
    await t.throwsAsync(pool({ exportName: 'nope', items: range(2), numWorkers }), {
      instanceOf: PoolOpLoadError, message: /no function export "nope"; its function exports: .*double/,
    });
    await t.throwsAsync(pool({ exportName: 'notAFunction', items: range(2), numWorkers }), { instanceOf: PoolOpLoadError });
    const broken = fileURLToPath(new URL('../../fixtures/autopara/throws-at-import.ts', import.meta.url));
    await t.throwsAsync(pool({ codeFile: broken, exportName: 'op', items: range(2), numWorkers }), {
      instanceOf: PoolOpLoadError, message: /import failed: fixture: import-time failure/,
    });
  }
});

test('a program can start pool workers on itself (the runner protocol)', async (t) => {
  const outcomes = await runOnMyself([1, 2, 3, 4, 5]);
  t.deepEqual(outcomes.map((o) => (o.ok ? (o.value as { value: number }).value : null)), [3, 6, 9, 12, 15]);
  t.true(outcomes.every((o) => o.ok && (o.value as { thread: number }).thread !== threadId));
});

test('a file: URL code file works; no items means no work', async (t) => {
  const outcomes = await pool({ codeFile: new URL('../../fixtures/autopara/ops.ts', import.meta.url).href, items: [4], numWorkers: 1 });
  t.deepEqual(values(outcomes), [8]);
  t.deepEqual(await pool({ exportName: 'nope', items: [] }), []);
});

test('items that cannot be copied to the op fail their batch only, in-thread and on workers alike', async (t) => {
  for (const numWorkers of [1, 2]) {
    const outcomes = await pool({ items: [1, () => 2, 3], numWorkers });
    t.deepEqual(values(outcomes), [2, 'ERR PoolOptionError', 6]);
    t.regex((outcomes[1] as { error: Error }).error.message, /option items: item 1 cannot be passed to the op \(structured clone/);
  }
});

test('a worker script that cannot start rejects with PoolOpLoadError naming the script', async (t) => {
  for (const workerScript of ['/nonexistent/worker.mjs', '/nonexistent/worker.ts']) {
    await t.throwsAsync(pool({ items: range(2), workerScript }), {
      instanceOf: PoolOpLoadError, message: new RegExp(`worker thread \\(${workerScript.replace(/\./g, '\\.')}\\) stopped with exit code 1 before loading the op`),
    });
  }
});

test('bad options are refused with the option named', async (t) => {
  await t.throwsAsync(pool({ codeFile: 'ops.ts', items: [1] }), { instanceOf: PoolOptionError, message: /option codeFile/ });
  await t.throwsAsync(pool({ batchSize: 0, items: [1] }), { instanceOf: PoolOptionError, message: /option batchSize/ });
  await t.throwsAsync(pool({ extraArgs: [() => 1], items: [1] }), { instanceOf: PoolOptionError, message: /option extraArgs: cannot be passed/ });
});

test('defaultNumWorkers: XPR_NUM_WORKERS, else WFL_NUM_PYTHON_SUBPROCESSES, else 1 (serial, wfl\'s default)', (t) => {
  t.is(defaultNumWorkers({}), 1);
  t.is(defaultNumWorkers({ WFL_NUM_PYTHON_SUBPROCESSES: '4' }), 4);
  t.is(defaultNumWorkers({ WFL_NUM_PYTHON_SUBPROCESSES: '0' }), 1);
  t.is(defaultNumWorkers({ XPR_NUM_WORKERS: '3', WFL_NUM_PYTHON_SUBPROCESSES: '8' }), 3);
  t.is(defaultNumWorkers({ XPR_NUM_WORKERS: '', WFL_NUM_PYTHON_SUBPROCESSES: '2' }), 2);
  const error = t.throws(() => defaultNumWorkers({ WFL_NUM_PYTHON_SUBPROCESSES: 'two' }), { instanceOf: EnvSettingError });
  t.is(error!.variable, 'WFL_NUM_PYTHON_SUBPROCESSES');
  t.regex(error!.message, /WFL_NUM_PYTHON_SUBPROCESSES="two" is invalid: expected a whole number/);
  t.throws(() => defaultNumWorkers({ XPR_NUM_WORKERS: '1.5' }), { message: /XPR_NUM_WORKERS/ });
});
