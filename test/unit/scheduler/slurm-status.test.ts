import test from 'ava';
import type { QueueState } from '../../../src/scheduler/types.ts';
import { SlurmScheduler, slurmQueueState } from '../../../src/scheduler/slurm.ts';
import type { QueueStatus } from '../../../src/scheduler/types.ts';
import { asWrapped, captured, fixture } from './_helpers.ts';

const slurm = new SlurmScheduler();

// A file of test/cluster/captured/ (written by test/cluster/capture.sh); a missing one fails the test with the fix.
function need(name: string) {
  const c = captured(name);
  if (!c) throw new Error(`test/cluster/captured/${name} is missing: run test/cluster/up.sh, then test/cluster/capture.sh`);
  return c;
}

// The ids a captured command asked about, in its -j order.
function idsOf(name: string): string[] {
  const m = / -j ([\d,]+)/.exec(need(name).command);
  if (!m) throw new Error(`no -j list in the command of ${name}`);
  return m[1]!.split(',');
}

function pick(s: QueueStatus | undefined) {
  return s && { state: s.state, rawState: s.rawState, exitCode: s.exitCode, reason: s.reason };
}

test('captured mixed states: running, completed, failed with its exit code, cancelled by a user, pending for resources, held', (t) => {
  const [T, C, F, K, R, P, H] = idsOf('slurm-squeue-mixed.txt') as [string, string, string, string, string, string, string];
  const map = slurm.parseStatus([asWrapped(need('slurm-squeue-mixed.txt')), need('slurm-sacct-mixed.txt').stdout], [T, C, F, K, R, P, H]);
  t.is(map.get(T)?.state, 'running');
  t.is(map.get(R)?.state, 'running');
  t.deepEqual(pick(map.get(C)), { state: 'ended', rawState: 'COMPLETED', exitCode: 0, reason: undefined });
  t.deepEqual(pick(map.get(F)), { state: 'ended', rawState: 'FAILED', exitCode: 3, reason: undefined });
  t.is(map.get(K)?.state, 'ended');
  t.regex(map.get(K)!.rawState, /^CANCELLED by \d+$/);
  t.regex(map.get(K)!.reason!, /^CANCELLED by \d+$/);
  t.deepEqual({ ...pick(map.get(P)), reason: undefined }, { state: 'queued', rawState: 'PENDING', exitCode: undefined, reason: undefined });
  t.regex(map.get(P)!.reason!, /^(Resources|Priority)$/, 'INDEX.md: Resources, or Priority when another job was ahead');
  t.deepEqual(pick(map.get(H)), { state: 'queued', rawState: 'PENDING', exitCode: undefined, reason: 'JobHeldUser' });
  t.is(map.size, 7);
});

test('captured final states: a time limit gives reason TIMEOUT, scancel of running and held jobs gives CANCELLED', (t) => {
  const [T, C, F, K, R, P, H] = idsOf('slurm-squeue-final.txt') as [string, string, string, string, string, string, string];
  const map = slurm.parseStatus([asWrapped(need('slurm-squeue-final.txt')), need('slurm-sacct-final.txt').stdout], [T, C, F, K, R, P, H]);
  t.deepEqual(pick(map.get(T)), { state: 'ended', rawState: 'TIMEOUT', exitCode: 0, reason: 'TIMEOUT' });
  t.deepEqual(pick(map.get(P)), { state: 'ended', rawState: 'COMPLETED', exitCode: 0, reason: undefined });
  for (const id of [K, R, H]) t.is(map.get(id)?.state, 'ended');
  t.regex(map.get(H)!.reason!, /^CANCELLED by \d+; JobHeldUser$/);
  t.is(map.get(F)?.exitCode, 3);
  t.is(map.get(C)?.exitCode, 0);
});

test('squeue alone (no accounting) still tells ended jobs apart; FAILED keeps squeue\'s reason', (t) => {
  const [T, , F] = idsOf('slurm-squeue-final.txt');
  const map = slurm.parseStatus([asWrapped(need('slurm-squeue-final.txt')), 'Slurm accounting storage is disabled\n'], [T!, F!]);
  t.deepEqual(pick(map.get(T!)), { state: 'ended', rawState: 'TIMEOUT', exitCode: undefined, reason: 'TIMEOUT' });
  t.deepEqual(pick(map.get(F!)), { state: 'ended', rawState: 'FAILED', exitCode: undefined, reason: 'NonZeroExitCode' });
});

test('sacct alone (squeue has forgotten the jobs) gives the ended state and exit code', (t) => {
  const ids = idsOf('slurm-sacct-final.txt');
  const map = slurm.parseStatus([`\n${'xpr-rc='}0\n`, need('slurm-sacct-final.txt').stdout], ids);
  t.is(map.size, ids.length);
  t.is(map.get(ids[2]!)?.exitCode, 3);
  t.is(map.get(ids[0]!)?.reason, 'TIMEOUT');
});

test('an id Slurm never had is absent, whether asked alone (squeue exits 1) or with a known one', (t) => {
  const alone = slurm.parseStatus([asWrapped(need('slurm-squeue-unknown-id.txt')), need('slurm-sacct-unknown-id.txt').stdout], ['999999']);
  t.is(alone.size, 0);
  const [known] = idsOf('slurm-squeue-known-and-unknown-ids.txt');
  const mixed = slurm.parseStatus([asWrapped(need('slurm-squeue-known-and-unknown-ids.txt')), ''], [known!, '999999']);
  t.deepEqual([...mixed.keys()], [known]);
});

test('array jobs: running, pending and finished tasks count for the array id that sbatch printed', (t) => {
  const a = need('slurm-sbatch-parsable-array.txt').stdout.trim();
  const running = slurm.parseStatus([asWrapped(need('slurm-squeue-array-running.txt')), ''], [a]);
  t.is(running.get(a)?.state, 'running', 'two tasks run, one waits: the array is running');
  const pendingOnly = slurm.parseStatus([`${a}_[1-3]|PENDING|None\n${a}_4|PENDING|Resources\nxpr-rc=0\n`, ''], [a]);
  t.is(pendingOnly.get(a)?.state, 'queued');
  const final = slurm.parseStatus([asWrapped(need('slurm-squeue-array-final.txt')), ''], [a]);
  t.is(final.get(a)?.state, 'ended');
  t.is(final.get(a)?.rawState, 'FAILED');
});

test('our own commands on the real cluster: squeue and sacct through statusArgvs, mixed and final', (t) => {
  const ids = [...fixture('slurm-status-squeue-mixed.txt').matchAll(/^(\d+)\|/gm)].map((m) => m[1]!);
  t.true(ids.length >= 6);
  const mixed = slurm.parseStatus([fixture('slurm-status-squeue-mixed.txt'), fixture('slurm-status-sacct-mixed.txt')], ids);
  const states = [...mixed.values()].map((s) => `${s.rawState}${s.reason ? `(${s.reason})` : ''}`).sort()
    .map((s) => s.replace('PENDING(Priority)', 'PENDING(Resources)'));
  t.deepEqual(states, ['COMPLETED', 'FAILED', 'PENDING(JobHeldUser)', 'PENDING(Resources)', 'RUNNING', 'RUNNING']);
  t.true([...mixed.values()].filter((s) => s.rawState === 'RUNNING').length === 2, 'squeue wins over sacct lagging behind');
  t.is([...mixed.values()].find((s) => s.rawState === 'FAILED')?.exitCode, 3);
  const final = slurm.parseStatus([fixture('slurm-status-squeue-final.txt'), fixture('slurm-status-sacct-final.txt')], ids);
  t.true([...final.values()].every((s) => s.state === 'ended'));
  t.is([...final.values()].filter((s) => /^CANCELLED by \d+/.test(s.reason ?? '')).length, 3);
});

test('our own squeue command asked about one unknown id: exit code 1 with "Invalid job id" means not listed', (t) => {
  t.regex(fixture('slurm-status-squeue-one-unknown-id.txt'), /Invalid job id specified[\s\S]*xpr-rc=1/);
  t.is(slurm.parseStatus([fixture('slurm-status-squeue-one-unknown-id.txt'), ''], ['999999']).size, 0);
});

test('when squeue cannot reach Slurm, every id without sacct information is unknown (alive), with squeue\'s words', (t) => {
  const out = fixture('slurm-status-squeue-no-config.txt');
  const map = slurm.parseStatus([out, ''], ['101', '102']);
  t.is(map.get('101')?.state, 'unknown');
  t.regex(map.get('101')!.reason!, /^squeue did not answer \(exit code [1-9]\d*: .+\)$/);
  t.is(map.get('102')?.state, 'unknown');
});

test('output without the exit-code line (the wrapper never ran) is no answer: ids are unknown, not gone', (t) => {
  const map = slurm.parseStatus(['', ''], ['7']);
  t.is(map.get('7')?.state, 'unknown');
  t.regex(map.get('7')!.reason!, /no exit code/);
  t.is(slurm.parseStatus([], ['7']).get('7')?.state, 'unknown');
});

test('blank lines, banners and other junk around real output change nothing (B9)', (t) => {
  const ids = idsOf('slurm-squeue-mixed.txt');
  const clean = slurm.parseStatus([asWrapped(need('slurm-squeue-mixed.txt')), need('slurm-sacct-mixed.txt').stdout], ids);
  const junk = '\n\n   \nWelcome to the cluster!\n|||\n17|\n|RUNNING|x\nabc|RUNNING|None\n\r\n';
  const noisy = slurm.parseStatus([junk + asWrapped(need('slurm-squeue-mixed.txt')).replace(/\n/g, '\r\n\n'), `${junk}${need('slurm-sacct-mixed.txt').stdout}${junk}`], ids);
  t.deepEqual(noisy, clean);
  t.notThrows(() => slurm.parseStatus([need('slurm-squeue-default.txt').stdout, need('slurm-scontrol-show-job-running.txt').stdout], ids));
});

test('ids the outputs do not mention are absent from the map', (t) => {
  const map = slurm.parseStatus([asWrapped(need('slurm-squeue-mixed.txt')), need('slurm-sacct-mixed.txt').stdout], ['123456789']);
  t.is(map.size, 0);
});

test('every documented Slurm state maps to queued, running or ended; unknown words count as alive', (t) => {
  const expected: Record<string, QueueState> = {
    PENDING: 'queued', CONFIGURING: 'queued', REQUEUED: 'queued', REQUEUE_HOLD: 'queued', REQUEUE_FED: 'queued',
    RESV_DEL_HOLD: 'queued', SPECIAL_EXIT: 'queued',
    RUNNING: 'running', COMPLETING: 'running', SUSPENDED: 'running', STOPPED: 'running', SIGNALING: 'running',
    STAGE_OUT: 'running', RESIZING: 'running',
    COMPLETED: 'ended', FAILED: 'ended', CANCELLED: 'ended', 'CANCELLED by 1001': 'ended', 'CANCELLED+': 'ended',
    TIMEOUT: 'ended', OUT_OF_MEMORY: 'ended', NODE_FAIL: 'ended', PREEMPTED: 'ended', BOOT_FAIL: 'ended', DEADLINE: 'ended',
    REVOKED: 'unknown', LAUNCH_FAILED: 'unknown', '': 'unknown',
    PD: 'queued', R: 'running', CG: 'running', CD: 'ended', F: 'ended', CA: 'ended', TO: 'ended', OOM: 'ended', NF: 'ended',
  };
  for (const [raw, state] of Object.entries(expected)) t.is(slurmQueueState(raw), state, raw);
});

test('sacct exit codes: "3:0" is exit code 3, "0:9" is a kill by signal 9 given as 128+9 and said in the reason; OUT_OF_MEMORY is the reason', (t) => {
  const sacct = ['1|FAILED|3:0|None', '2|FAILED|0:9|None', '3|OUT_OF_MEMORY|0:125|None', '4|NODE_FAIL|0:0|None',
    '5|CANCELLED by 0|0:15|None', '6|FAILED|1:0|JobLaunchFailure', '7|REVOKED|0:0|None', '8|SUSPENDED|0:0|None'].join('\n');
  const map = slurm.parseStatus(['\nxpr-rc=0\n', sacct], ['1', '2', '3', '4', '5', '6', '7', '8']);
  t.deepEqual(pick(map.get('1')), { state: 'ended', rawState: 'FAILED', exitCode: 3, reason: undefined });
  t.deepEqual(pick(map.get('2')), { state: 'ended', rawState: 'FAILED', exitCode: 137, reason: 'killed by signal 9 (SIGKILL)' });
  t.deepEqual(pick(map.get('3')), { state: 'ended', rawState: 'OUT_OF_MEMORY', exitCode: 253, reason: 'OUT_OF_MEMORY' });
  t.is(map.get('4')?.reason, 'NODE_FAIL');
  t.is(map.get('5')?.reason, 'CANCELLED by 0; killed by signal 15 (SIGTERM)');
  t.is(map.get('6')?.reason, 'JobLaunchFailure');
  t.is(map.get('7')?.state, 'unknown');
  t.regex(map.get('7')!.reason!, /counted as alive/);
  t.deepEqual(pick(map.get('8')), { state: 'running', rawState: 'SUSPENDED', exitCode: undefined, reason: 'SUSPENDED' });
});
