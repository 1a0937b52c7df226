import test from 'ava';
import type { QueueState } from '../../../src/scheduler/types.ts';
import { SgeScheduler, sgeQueueState } from '../../../src/scheduler/sge.ts';
import { asWrapped, captured, fixture } from './_helpers.ts';

const sge = new SgeScheduler();

function need(name: string) {
  const c = captured(name);
  if (!c) throw new Error(`test/cluster/captured/${name} is missing: run test/cluster/up.sh, then test/cluster/capture.sh`);
  return c;
}

// Job number of each job name in qstat -xml or qacct output (the captured files name their jobs cap-*).
function numbersByName(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/<JB_job_number>(\d+)<\/JB_job_number>[\s\S]*?<JB_name>([^<]+)<\/JB_name>/g)) out.set(m[2]!, m[1]!);
  for (const block of text.split(/^=+\s*$/m)) {
    const name = /^jobname\s+(\S+)/m.exec(block)?.[1];
    const n = /^jobnumber\s+(\d+)/m.exec(block)?.[1];
    if (name && n) out.set(name, n);
  }
  return out;
}

test('captured qstat -xml: two running jobs, one waiting (qw), one held (hqw)', (t) => {
  const xml = need('sge-qstat-xml-mixed.txt');
  const n = numbersByName(xml.stdout);
  const ids = ['cap-run1', 'cap-run2', 'cap-pending', 'cap-held'].map((name) => n.get(name)!);
  const map = sge.parseStatus([asWrapped(xml), ''], ids);
  t.deepEqual(ids.map((id) => [map.get(id)?.state, map.get(id)?.rawState, map.get(id)?.reason]), [
    ['running', 'r', undefined], ['running', 'r', undefined], ['queued', 'qw', undefined], ['queued', 'hqw', 'held'],
  ]);
});

test('captured qacct records: exit 0, exit 3, and a qdel while running (exit 137, failed 100) with the signal named', (t) => {
  const text = ['sge-qacct-ok.txt', 'sge-qacct-exit3.txt', 'sge-qacct-qdel.txt'].map((f) => need(f).stdout).join('');
  const n = numbersByName(text);
  const [ok, exit3, qdel] = ['cap-ok', 'cap-exit3', 'cap-qdel'].map((name) => n.get(name)!) as [string, string, string];
  const map = sge.parseStatus([asWrapped(need('sge-qstat-xml-empty.txt')), text], [ok, exit3, qdel]);
  const { usage, ...okStatus } = map.get(ok)!;
  t.deepEqual(okStatus, { schedulerId: ok, state: 'ended', rawState: 'finished', exitCode: 0 });
  // qacct's usage of the same record: ru_wallclock 0s, cpu 0.011s, slots 1, ru_maxrss 4.504KB (= 4504 kB, see qacctUsage)
  t.deepEqual(usage, { elapsed_s: 0, cpu_s: 0.011, cores: 1, max_rss_bytes: 4504 * 1024 });
  t.like(map.get(exit3), { schedulerId: exit3, state: 'ended', rawState: 'finished', exitCode: 3 });
  t.is(map.get(qdel)?.exitCode, 137);
  t.is(map.get(qdel)?.reason, 'failed 100 : assumedly after job; exit status 137 = 128+9: killed by signal 9 (SIGKILL)');
});

test('an id neither qstat nor qacct knows is absent (qacct\'s "not found" goes to stderr)', (t) => {
  const map = sge.parseStatus([asWrapped(need('sge-qstat-xml-empty.txt')), need('sge-qacct-unknown-id.txt').stdout], ['999999']);
  t.is(map.size, 0);
  t.is(sge.parseStatus([asWrapped(need('sge-qstat-xml-after-qdel.txt')), ''], ['1']).size, 0);
});

test('qsub -terse of an array job gives the job number, and qacct\'s records for its tasks combine into one status', (t) => {
  const id = sge.parseSubmitOutput(need('sge-qsub-terse-array.txt').stdout);
  t.regex(id, /^\d+$/);
  const map = sge.parseStatus([asWrapped(need('sge-qstat-xml-empty.txt')), need('sge-qacct-array.txt').stdout], [id]);
  t.is(map.get(id)?.state, 'ended');
  t.is(map.get(id)?.exitCode, 0);
  const xml = captured('sge-qstat-xml-array.txt');
  if (xml) t.is(sge.parseStatus([asWrapped(xml), ''], [id]).get(id)?.state, 'running');
});

test('our own status commands on the real cluster: qstat -xml and the qacct loop for the jobs qstat no longer lists', (t) => {
  const qstat = fixture('sge-status-qstat-mixed.txt');
  const qacct = fixture('sge-status-qacct-mixed.txt');
  const n = numbersByName(qstat + qacct);
  const id = (name: string) => n.get(name)!;
  const ids = ['cap_ok', 'cap_exit3', 'cap_killed', 'cap_run1', 'cap_run2', 'cap_pending', 'cap_held'].map(id);
  t.true(ids.every(Boolean), 'every job appears in one of the two outputs');
  const map = sge.parseStatus([qstat, qacct], [...ids, '999999']);
  const got = Object.fromEntries(['cap_ok', 'cap_exit3', 'cap_killed', 'cap_run1', 'cap_run2', 'cap_pending', 'cap_held']
    .map((name) => [name, `${map.get(id(name))?.state}/${map.get(id(name))?.rawState}/${map.get(id(name))?.exitCode ?? ''}`]));
  t.deepEqual(got, {
    cap_ok: 'ended/finished/0', cap_exit3: 'ended/finished/3', cap_killed: 'ended/finished/137',
    cap_run1: 'running/r/', cap_run2: 'running/r/', cap_pending: 'queued/qw/', cap_held: 'queued/hqw/',
  });
  t.false(map.has('999999'));
  const accounted = [...numbersByName(qacct).keys()].sort();
  t.deepEqual(accounted, ['cap_exit3', 'cap_killed', 'cap_ok'], 'qacct is asked only about the jobs qstat no longer lists');
});

test('when qstat cannot reach the qmaster, ids are unknown (alive) with qstat\'s words', (t) => {
  const map = sge.parseStatus([fixture('sge-status-qstat-no-cell.txt'), ''], ['5', '6.1-3:1']);
  t.is(map.get('5')?.state, 'unknown');
  t.regex(map.get('5')!.reason!, /^qstat did not answer \(exit code [1-9]\d*: .+\)$/);
  t.is(map.get('6.1-3:1')?.state, 'unknown');
});

test('junk, blank lines and a human-format qstat never crash and never invent jobs (B9)', (t) => {
  const xml = need('sge-qstat-xml-mixed.txt');
  const ids = [...numbersByName(xml.stdout).values()];
  const clean = sge.parseStatus([asWrapped(xml), ''], ids);
  const noisy = sge.parseStatus([`\n\nerror: something\n<job_list>\n${asWrapped(xml)}\n\n`, '\n====\njunk\n==============================================================\nfoo bar\n'], ids);
  t.deepEqual(noisy, clean);
  t.notThrows(() => sge.parseStatus([need('sge-qstat-plain-mixed.txt').stdout, need('sge-qstat-j-running.txt').stdout], ids));
  t.is(sge.parseStatus([need('sge-qstat-plain-mixed.txt').stdout + '\nxpr-rc=0\n', ''], ids).size, 0);
});

test('every SGE state code maps to queued or running; error states wait with a hint; unknown codes count as alive', (t) => {
  const expected: Record<string, QueueState> = {
    qw: 'queued', hqw: 'queued', hRwq: 'queued', Rq: 'queued', Eqw: 'queued', Ehqw: 'queued',
    r: 'running', t: 'running', Rr: 'running', Rt: 'running', dr: 'running', dt: 'running', hr: 'running',
    s: 'running', S: 'running', T: 'running', ts: 'running', ss: 'running', dS: 'running', z: 'ended',
    dqw: 'queued', x: 'unknown', '': 'unknown', 'r!': 'unknown',
  };
  for (const [code, state] of Object.entries(expected)) t.is(sgeQueueState(code), state, code);
  const xml = '<job_list state="pending"><JB_job_number>9</JB_job_number><state>Eqw</state></job_list>';
  const s = sge.parseStatus([`${xml}\nxpr-rc=0\n`, ''], ['9']).get('9');
  t.is(s?.state, 'queued');
  t.regex(s!.reason!, /error state.*qmod -cj 9/);
});
