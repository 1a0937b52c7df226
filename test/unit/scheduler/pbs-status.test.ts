import test from 'ava';
import type { QueueState } from '../../../src/scheduler/types.ts';
import { PbsScheduler, pbsQueueState, samePbsId } from '../../../src/scheduler/pbs.ts';
import { fixture } from './_helpers.ts';

const pbs = new PbsScheduler();
// What withExitMarker({ keepStderr: true }) makes of qstat's stdout and exit code.
const wrapped = (stdout: string, rc = 0) => `${stdout}\nxpr-rc=${rc}\n`;

test('a running job from real PBS 19 output (MetaCentrum) is running; the "Job run at" comment is not a reason', (t) => {
  const id = '12860476.meta-pbs.metacentrum.cz';
  const map = pbs.parseStatus([wrapped(fixture('pbs-qstat-f-json-x-running.json'))], [id]);
  t.deepEqual(map.get(id), { schedulerId: id, state: 'running', rawState: 'R' });
});

test('a held job from real PBS 19 output (buildtest) is queued with reason held', (t) => {
  const map = pbs.parseStatus([wrapped(fixture('pbs-qstat-f-json-x-held.json'))], ['157.pbs']);
  t.deepEqual(map.get('157.pbs'), { schedulerId: '157.pbs', state: 'queued', rawState: 'H', reason: 'held' });
});

test('a finished job is read even from output that is not valid JSON (PSI/J\'s published excerpt has a trailing comma)', (t) => {
  const id = '2154.edtb-01.mcp.alcf.anl.gov';
  const text = fixture('pbs-qstat-f-json-x-finished-excerpt.txt');
  t.throws(() => JSON.parse(text));
  const map = pbs.parseStatus([wrapped(text)], [id]);
  t.deepEqual(map.get(id), { schedulerId: id, state: 'ended', rawState: 'F', exitCode: 0 });
});

test('ids match when qsub and qstat print the server name differently (B9), and only then', (t) => {
  const map = pbs.parseStatus([wrapped(fixture('pbs-qstat-f-json-x-running.json'))], ['12860476.meta-pbs', '12860476', '12860476.other', '1286047']);
  t.deepEqual([...map.keys()], ['12860476.meta-pbs', '12860476']);
  t.true(samePbsId('1805770.pbs01', '1805770.pbs01.example.org'));
  t.false(samePbsId('1805770.pbs01', '1805770.pbs02'));
  t.false(samePbsId('1805770.pbs01', '1805771.pbs01'));
});

test('several jobs in one output: each asked-about id gets its own status, others are absent', (t) => {
  const running = JSON.parse(fixture('pbs-qstat-f-json-x-running.json'));
  const held = JSON.parse(fixture('pbs-qstat-f-json-x-held.json'));
  const both = JSON.stringify({ ...running, Jobs: { ...running.Jobs, ...held.Jobs } }, null, 4);
  const map = pbs.parseStatus([wrapped(both)], ['157.pbs', '12860476.meta-pbs.metacentrum.cz', '99.pbs']);
  t.is(map.get('157.pbs')?.state, 'queued');
  t.is(map.get('12860476.meta-pbs.metacentrum.cz')?.state, 'running');
  t.false(map.has('99.pbs'));
});

test('qstat exit code 153 (some ids unknown) still counts as an answer; other failures leave ids unknown (alive)', (t) => {
  const header = '{\n    "timestamp":1750053827,\n    "pbs_version":"22.05.11",\n    "pbs_server":"6cfab3a0b8ac"\n}\n';
  t.is(pbs.parseStatus([wrapped(header, 153)], ['1.s']).size, 0);
  const down = pbs.parseStatus([wrapped(header, 255)], ['1.s']);
  t.deepEqual(down.get('1.s'), { schedulerId: '1.s', state: 'unknown', rawState: '', reason: 'qstat did not answer (exit code 255)' });
  t.is(pbs.parseStatus([''], ['1.s']).get('1.s')?.reason, 'qstat did not answer (no exit code)');
  t.is(pbs.parseStatus([wrapped('qstat: invalid option -- \'F\'\n', 2)], ['1.s']).get('1.s')?.state, 'unknown');
});

test('Exit_status: script exit codes, kills by signal (256+N), and PBS\'s own codes (-29 walltime, -27 memory)', (t) => {
  const job = (exit: number | string) => wrapped(JSON.stringify({ Jobs: { '1.s': { job_state: 'F', Exit_status: exit } } }));
  const read = (exit: number | string) => {
    const s = pbs.parseStatus([job(exit)], ['1.s']).get('1.s')!;
    return [s.exitCode, s.reason];
  };
  t.deepEqual(read(0), [0, undefined]);
  t.deepEqual(read(3), [3, undefined]);
  t.deepEqual(read('3'), [3, undefined]);
  t.deepEqual(read(265), [137, 'killed by signal 9 (SIGKILL) (Exit_status 265)']);
  t.deepEqual(read(271), [143, 'killed by signal 15 (SIGTERM) (Exit_status 271)']);
  t.deepEqual(read(137), [137, 'exit status 137 = 128+9: killed by signal 9 (SIGKILL)']);
  t.deepEqual(read(-29), [-29, 'TIMEOUT']);
  t.deepEqual(read(-27), [-27, 'OUT_OF_MEMORY']);
  t.deepEqual(read(-26), [-26, 'OUT_OF_MEMORY']);
  t.deepEqual(read(-25), [-25, 'JOB_EXEC_KILL_NCPUS_SUM: killed for using more CPUs than requested']);
  t.deepEqual(read(-99), [-99, 'PBS ended the job itself (Exit_status -99)']);
  const deleted = pbs.parseStatus([wrapped(JSON.stringify({ Jobs: { '2.s': { job_state: 'F', comment: 'Job deleted as result of dependency' } } }))], ['2.s']);
  t.deepEqual(deleted.get('2.s'), { schedulerId: '2.s', state: 'ended', rawState: 'F', reason: 'Job deleted as result of dependency' });
});

test('every PBS job state letter maps; a moved job (M) and unknown letters count as alive', (t) => {
  const expected: Record<string, QueueState> = {
    Q: 'queued', H: 'queued', W: 'queued', T: 'queued', R: 'running', E: 'running', B: 'running', S: 'running', U: 'running',
    F: 'ended', X: 'ended', M: 'unknown', Z: 'unknown', '': 'unknown',
  };
  for (const [code, state] of Object.entries(expected)) t.is(pbsQueueState(code), state, code);
  const q = pbs.parseStatus([wrapped(JSON.stringify({ Jobs: { '3.s': { job_state: 'Q', comment: 'Not Running: Insufficient amount of resource: ncpus' } } }))], ['3.s']);
  t.is(q.get('3.s')?.reason, 'Not Running: Insufficient amount of resource: ncpus');
  const z = pbs.parseStatus([wrapped(JSON.stringify({ Jobs: { '4.s': { job_state: 'Z' } } }))], ['4.s']);
  t.regex(z.get('4.s')!.reason!, /PBS state Z is not one xpr knows; counted as alive/);
});

test('junk around the JSON, blank lines and broken JSON never crash (B9)', (t) => {
  const real = fixture('pbs-qstat-f-json-x-held.json');
  const clean = pbs.parseStatus([wrapped(real)], ['157.pbs']);
  t.deepEqual(pbs.parseStatus([wrapped(`\n\nLast login: yesterday\n${real}\n\n`)], ['157.pbs']), clean);
  for (const junk of ['', '\n\n', '{', '}{', 'null', '[]', '{"Jobs":[]}', '{"Jobs":{"157.pbs":null}}', '{"Jobs":{"157.pbs":{"job_state":7}}}', real.slice(0, 400)]) {
    t.notThrows(() => pbs.parseStatus([wrapped(junk)], ['157.pbs']), junk);
  }
  t.is(pbs.parseStatus([wrapped(real.slice(0, 400))], ['157.pbs']).get('157.pbs')?.state, 'queued', 'a cut-off output still gives what it holds');
});
