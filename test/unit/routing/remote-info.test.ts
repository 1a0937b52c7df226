import test from 'ava';
import { itemsPerJob, normalizeRemoteInfo } from '../../../src/routing/remote-info.ts';
import { RemoteInfoError } from '../../../src/routing/errors.ts';

const base = { sys_name: 'cluster', job_name: 'relax', resources: { max_time: '1h', num_cores: 4 } };

function problemsOf(raw: unknown, where = 'remoteInfo'): string[] {
  const error = (() => {
    try {
      normalizeRemoteInfo(raw, where);
    } catch (e) {
      return e;
    }
    return null;
  })();
  if (!(error instanceof RemoteInfoError)) throw new Error(`expected RemoteInfoError, got ${String(error)}`);
  return error.problems;
}

test('a minimal RemoteInfo gets wfl\'s defaults', (t) => {
  const info = normalizeRemoteInfo(base, 'remoteInfo');
  t.deepEqual(info, {
    ...base,
    num_inputs_per_queued_job: -100,
    pre_cmds: [], post_cmds: [], env_vars: {}, secret_env_vars: [], input_files: [], output_files: [], header_extra: [],
    exact_fit: true, partial_node: false, timeout: 3600, check_interval: 30,
    ignore_failed_jobs: false, resubmit_killed_jobs: false, hash_ignore: [],
  });
});

test('normalizing copies: the result shares no object with the input, and is idempotent', (t) => {
  const input = { ...base, pre_cmds: ['module load x'], env_vars: ['A=1'] };
  const info = normalizeRemoteInfo(input, 'remoteInfo');
  t.not(info.resources, input.resources);
  t.not(info.pre_cmds, input.pre_cmds);
  info.pre_cmds.push('changed');
  t.deepEqual(input.pre_cmds, ['module load x']);
  t.deepEqual(normalizeRemoteInfo(info, 'again'), info);
});

test('env_vars accept wfl\'s "NAME=value" list (kept as a list: its values are shell words) and an object; the value keeps later "=" and shell text', (t) => {
  const fromList = normalizeRemoteInfo({ ...base, env_vars: ['OMP_NUM_THREADS=${EXPYRE_NUM_CORES_PER_NODE}', 'OPTS=a=b', 'EMPTY=', 'OPTS=c'] }, 'r');
  t.deepEqual(fromList.env_vars, ['OMP_NUM_THREADS=${EXPYRE_NUM_CORES_PER_NODE}', 'EMPTY=', 'OPTS=c']);
  const fromObject = normalizeRemoteInfo({ ...base, env_vars: { A: '1', B: 2 } }, 'r');
  t.deepEqual(fromObject.env_vars, { A: '1', B: '2' });
});

test('an env_vars entry without "=" is an error naming the entry (ExPyRe crashed on it)', (t) => {
  const [problem] = problemsOf({ ...base, env_vars: ['A=1', 'HOME'] }, 'WFL_EXPYRE_INFO["ops.ts::relax"]');
  t.regex(problem!, /^WFL_EXPYRE_INFO\["ops\.ts::relax"\]\.env_vars\[1\]: "HOME" has no "="/);
});

test('an invalid environment variable name is refused', (t) => {
  t.regex(problemsOf({ ...base, env_vars: ['1A=x'] })[0]!, /env_vars\[0\].*not a valid environment variable name/);
});

test('an unknown field is an error with a did-you-mean suggestion', (t) => {
  const [problem] = problemsOf({ ...base, num_inputs_per_queue_job: 4 }, 'WFL_EXPYRE_INFO["ops.ts::relax"]');
  t.regex(problem!, /WFL_EXPYRE_INFO\["ops\.ts::relax"\]\.num_inputs_per_queue_job: unknown field .*did you mean "num_inputs_per_queued_job"/);
});

test('a camelCase spelling of a field suggests the snake_case key', (t) => {
  t.regex(problemsOf({ ...base, ignoreFailedJobs: true })[0]!, /did you mean "ignore_failed_jobs"/);
});

test('an autoparallelize option put in a RemoteInfo says where it belongs', (t) => {
  t.regex(problemsOf({ ...base, num_inputs_per_python_subprocess: 3 })[0]!, /batch size .* not a RemoteInfo field/);
});

test('wrong types name the key path and the expected form', (t) => {
  const problems = problemsOf({ ...base, resources: '1h', pre_cmds: 'module load x', exact_fit: 'yes', timeout: 'soon' }, 'WFL_EXPYRE_INFO["ops.ts::relax"]');
  t.true(problems.some((p) => /^WFL_EXPYRE_INFO\["ops\.ts::relax"\]\.resources: expected an object .* got string "1h"$/.test(p)));
  t.true(problems.some((p) => /\.pre_cmds: expected a list of strings, got string "module load x"/.test(p)));
  t.true(problems.some((p) => /\.exact_fit: expected true or false, got string "yes"/.test(p)));
  t.true(problems.some((p) => /\.timeout: expected seconds or a time string/.test(p)));
});

test('missing required fields are listed together', (t) => {
  const problems = problemsOf({ job_name: 'x' });
  t.true(problems.some((p) => p.startsWith('remoteInfo.sys_name: missing')));
  t.true(problems.some((p) => p.startsWith('remoteInfo.resources: missing')));
});

test('a non-object RemoteInfo is refused', (t) => {
  t.regex(problemsOf(['a'])[0]!, /remoteInfo: expected an object of RemoteInfo fields/);
});

test('timeout and check_interval take seconds or time strings; timeout null waits forever', (t) => {
  const info = normalizeRemoteInfo({ ...base, timeout: '2h', check_interval: 0.5 }, 'r');
  t.is(info.timeout, 7200);
  t.is(info.check_interval, 0.5);
  t.is(normalizeRemoteInfo({ ...base, timeout: null }, 'r').timeout, null);
  t.regex(problemsOf({ ...base, check_interval: 0 })[0]!, /check_interval: expected a positive number of seconds/);
});

test('an absolute output_files entry is refused (outputs are relative to the job dir)', (t) => {
  t.regex(problemsOf({ ...base, output_files: ['/etc/passwd'] })[0]!, /output_files\[0\]: .*absolute path/);
});

test('num_inputs_per_queued_job: positive n is n items per job', (t) => {
  t.is(itemsPerJob(normalizeRemoteInfo({ ...base, num_inputs_per_queued_job: 7 }, 'r'), 3), 7);
});

test('num_inputs_per_queued_job: negative -n is n times the batch size; the default -100 is 100 batches', (t) => {
  t.is(itemsPerJob(normalizeRemoteInfo({ ...base, num_inputs_per_queued_job: -2 }, 'r'), 4), 8);
  t.is(itemsPerJob(normalizeRemoteInfo(base, 'r'), 1), 100);
});

test('num_inputs_per_queued_job 0 or a non-integer is an error (wfl silently did nothing)', (t) => {
  t.regex(problemsOf({ ...base, num_inputs_per_queued_job: 0 })[0]!, /num_inputs_per_queued_job: expected a non-zero integer/);
  t.regex(problemsOf({ ...base, num_inputs_per_queued_job: 2.5 })[0]!, /got number 2\.5/);
  t.regex(problemsOf({ ...base, num_inputs_per_queued_job: '4' })[0]!, /got string "4"/);
  t.throws(() => itemsPerJob({ num_inputs_per_queued_job: 0 }, 1), { instanceOf: RemoteInfoError });
  t.throws(() => itemsPerJob({ num_inputs_per_queued_job: -1 }, 0), { instanceOf: RemoteInfoError, message: /batch size/ });
});

test('resources are validated when the RemoteInfo is read: a typo names the key path, with a suggestion', (t) => {
  const problems = problemsOf({ ...base, resources: { max_tme: '1h', num_cores: 4 } }, 'WFL_EXPYRE_INFO["ops.ts::relax"]');
  t.true(problems.some((p) => /^WFL_EXPYRE_INFO\["ops\.ts::relax"\]\.resources\.max_tme: unknown key "max_tme" \(did you mean "max_time"\?\)/.test(p)), problems.join('\n'));
  t.true(problems.some((p) => /^WFL_EXPYRE_INFO\["ops\.ts::relax"\]\.resources\.max_time: required/.test(p)), problems.join('\n'));
  t.regex(problemsOf({ ...base, resources: { max_time: 'soon', num_cores: 4 } })[0]!, /^remoteInfo\.resources\.max_time: cannot read "soon" as a time/);
  t.regex(problemsOf({ ...base, resources: { max_time: '1h', num_cores: 4, num_nodes: 1 } })[0]!, /^remoteInfo\.resources: exactly one of num_nodes and num_cores/);
  t.deepEqual(normalizeRemoteInfo(base, 'r').resources, base.resources, 'valid resources are kept in the form given');
});

test('timeout is rounded up to whole seconds; check_interval keeps fractions', (t) => {
  t.is(normalizeRemoteInfo({ ...base, timeout: 1.2 }, 'r').timeout, 2);
  t.is(normalizeRemoteInfo({ ...base, timeout: '1.5s' }, 'r').timeout, 2);
  t.is(normalizeRemoteInfo({ ...base, check_interval: 0.25 }, 'r').check_interval, 0.25);
});
