// Job selection of the CLI (ExPyRe's filter spellings, status groups, full-match regexps, age) on a real job store,
// plus the parsing and colour rules of the command line.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { JobStore, type JobState } from '../../../src/store/index.ts';
import { selectJobs, statesOf, requireFilter, STATUS_GROUPS } from '../../../cli/commands/select.ts';
import { UsageError } from '../../../cli/commands/errors.ts';
import { parseAge, shortDuration, useColor, paintState } from '../../../cli/commands/format.ts';
import { parseResources } from '../../../cli/commands/script.ts';
import { durationOf } from '../../../cli/commands/ls.ts';

function storeWith(jobs: Array<[string, string, string, JobState]>): JobStore {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'xpr-select-'));
  const store = JobStore.open(root);
  for (const [id, name, system, state] of jobs) {
    store.claim({ id, cacheKey: id, name, system, stageDir: path.join(root, id), runDir: `/r/${id}`, outputDir: root, envHash: '', details: {} });
    if (state !== 'created') store.transition(id, state, { force: true });
  }
  return store;
}

const store = storeWith([
  ['relax_aaa_1', 'relax', 'archer2', 'running'],
  ['relax_bbb_2', 'relax', 'archer2', 'failed'],
  ['gap_ccc_3', 'gap', 'young', 'created'],
  ['gap+1_ddd_4', 'gap+1', 'young', 'succeeded'],
  ['md_eee_5', 'md', 'local', 'queued'],
]);
const pick = (o: Parameters<typeof selectJobs>[1]): string[] => selectJobs(store, o).map((r) => r.id);

test('status names, ExPyRe groups and spellings select the right jobs', (t) => {
  t.deepEqual(pick({ status: ['ongoing'] }), ['relax_aaa_1', 'gap_ccc_3', 'md_eee_5']);
  t.deepEqual(pick({ status: ['live'] }), ['relax_aaa_1', 'md_eee_5']);
  t.deepEqual(pick({ status: ['started'] }), ['relax_aaa_1']);
  t.deepEqual(pick({ status: ['failed,succeeded'] }), ['relax_bbb_2', 'gap+1_ddd_4']);
  t.deepEqual(pick({ status: ['failed'], state: ['queued'] }), ['relax_bbb_2', 'md_eee_5'], '--state is the old spelling of --status');
  t.is(pick({ status: ['*'] }).length, 5);
  t.deepEqual([...STATUS_GROUPS.can_produce_results!], ['created', 'staged', 'submitted', 'queued', 'running', 'succeeded', 'died']);
  const err = t.throws(() => statesOf(['runing']), { instanceOf: UsageError });
  t.regex(err.message, /unknown state "runing".*running.*ongoing/);
});

test('names, ids and systems are full-match regexps, as in ExPyRe', (t) => {
  t.deepEqual(pick({ name: ['relax'] }), ['relax_aaa_1', 'relax_bbb_2']);
  t.deepEqual(pick({ name: ['rel'] }), []);
  t.deepEqual(pick({ name: ['gap\\+1'] }), ['gap+1_ddd_4']);
  t.deepEqual(pick({ name: ['md,gap'] }), ['gap_ccc_3', 'md_eee_5'], 'comma-separated lists');
  t.deepEqual(pick({ id: ['relax_aaa_1', 'md_eee_5'] }), ['relax_aaa_1', 'md_eee_5'], 'a plain id matches itself');
  t.deepEqual(pick({ id: ['relax_.*'] }), ['relax_aaa_1', 'relax_bbb_2']);
  t.deepEqual(pick({ system: ['arch.*'], status: ['failed'] }), ['relax_bbb_2']);
  t.throws(() => pick({ name: ['(unclosed'] }), { instanceOf: UsageError, message: /--name: "\(unclosed" is not a regular expression/ });
});

test('age filters compare with when the job was created', (t) => {
  const now = Date.now();
  t.is(selectJobs(store, { newerThan: 3600 }, now).length, 5);
  t.is(selectJobs(store, { olderThan: 3600 }, now).length, 0);
  t.is(selectJobs(store, { olderThan: 3600 }, now + 7200_000).length, 5);
});

test('destructive commands need a filter or --all', (t) => {
  t.throws(() => requireFilter({}, 'xpr rm'), { instanceOf: UsageError, message: /xpr rm needs a filter.*--all/ });
  t.notThrows(() => requireFilter({ all: true }, 'xpr rm'));
  t.notThrows(() => requireFilter({ status: ['failed'] }, 'xpr rm'));
  t.notThrows(() => requireFilter({ olderThan: 0 }, 'xpr rm'));
});

test('ages, durations and resources parse as documented', (t) => {
  t.is(parseAge('90'), 90);
  t.is(parseAge('30m'), 1800);
  t.is(parseAge('2h'), 7200);
  t.is(parseAge('1w'), 604800);
  t.throws(() => parseAge('soon'), { message: /30m, 2h, 7d or 1w/ });
  t.is(shortDuration(45), '45s');
  t.is(shortDuration(3 * 3600 + 5 * 60), '3h05m');
  t.deepEqual(parseResources('num_cores=4,max_time=1h'), { num_cores: 4, max_time: '1h' } as never);
  t.deepEqual(parseResources('{"num_nodes": 1, "max_time": "2h"}'), { num_nodes: 1, max_time: '2h' } as never);
  t.deepEqual(parseResources('{num_nodes: 1, max_time: 2h}'), { num_nodes: 1, max_time: '2h' } as never);
  t.throws(() => parseResources('[1, 2]'), { instanceOf: UsageError, message: /--resources/ });
});

test('duration runs from running (or submitted) to the end, or to now while live', (t) => {
  const ev = (toState: JobState, at: number) => ({ seq: 0, jobId: 'x', at, fromState: null, toState, detail: null });
  const row = (state: JobState) => ({ state }) as Parameters<typeof durationOf>[0];
  t.is(durationOf(row('succeeded'), [ev('created', 0), ev('submitted', 5), ev('running', 10), ev('succeeded', 70)], 1000), 60);
  t.is(durationOf(row('failed'), [ev('created', 0), ev('submitted', 5), ev('failed', 25)], 1000), 20);
  t.is(durationOf(row('running'), [ev('created', 0), ev('running', 10)], 100), 90);
  t.is(durationOf(row('created'), [ev('created', 0)], 100), null);
});

test('colour only on a terminal, never with NO_COLOR or TERM=dumb', (t) => {
  const tty = { isTTY: true } as NodeJS.WriteStream;
  const pipe = { isTTY: false } as NodeJS.WriteStream;
  t.true(useColor(tty, {}));
  t.false(useColor(pipe, {}));
  t.false(useColor(tty, { NO_COLOR: '1' }));
  t.true(useColor(tty, { NO_COLOR: '' }), 'an empty NO_COLOR does not count (no-color.org)');
  t.false(useColor(tty, { TERM: 'dumb' }));
  t.is(paintState('failed', false), 'failed');
  t.is(paintState('failed', true), '\u001b[31mfailed\u001b[0m');
});
