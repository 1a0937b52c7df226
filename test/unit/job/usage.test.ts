import test from 'ava';
import { SlurmScheduler } from '../../../src/scheduler/slurm.ts';
import { SgeScheduler } from '../../../src/scheduler/sge.ts';
import { pbsUsage } from '../../../src/scheduler/pbs.ts';
import { mergeUsage } from '../../../src/job/usage.ts';
import { parseRunnerUsage, measureRunnerUsage } from '../../../src/runner/usage.ts';
import { parseSlurmDuration, parseSlurmMem } from '../../../src/scheduler/accounting.ts';
import { outOfMemoryReason } from '../../../src/job/decide.ts';
import { asWrapped, captured, fit, partition, spec } from '../scheduler/_helpers.ts';
import { resubmitMemKb, resubmitResources } from '../../../src/autopara/resubmit.ts';
import { findPartition, normalizeResources } from '../../../src/resources/resources.ts';

function need(name: string): string {
  const c = captured(name);
  if (!c) throw new Error(`test/cluster/captured/${name} is missing`);
  return c.stdout;
}

test('Slurm: sacct usage of real jobs: Elapsed, TotalCPU, AllocCPUS, ReqMem from the job line, MaxRSS from its steps', (t) => {
  const ids = ['4180', '4181', '4182'];
  const map = new SlurmScheduler().parseStatus(['\nxpr-rc=0\n', need('slurm-sacct-usage.txt')], ids);
  t.deepEqual(map.get('4180')?.usage, { elapsed_s: 6, cpu_s: 1.746, cores: 1, req_mem_bytes: 400 * 1024 ** 2, max_rss_bytes: 250796 * 1024 });
  t.like(map.get('4180'), { state: 'ended', exitCode: 0 });
  // killed by OverMemoryKill: FAILED 0:9 (exit 137), MaxRSS over ReqMem
  t.like(map.get('4181'), { state: 'ended', rawState: 'FAILED', exitCode: 137 });
  t.is(map.get('4181')?.usage?.max_rss_bytes, 188948 * 1024);
  t.is(map.get('4181')?.usage?.req_mem_bytes, 100 * 1024 ** 2);
  t.is(map.get('4182')?.usage?.req_mem_bytes, 2000 * 1024 ** 2); // DefMemPerCPU x 1 CPU
});

test('a Slurm job killed at its memory limit (FAILED 0:9, peak over the request) is OUT_OF_MEMORY; a sleeping one is not', (t) => {
  const map = new SlurmScheduler().parseStatus(['\nxpr-rc=0\n', need('slurm-sacct-usage.txt')], ['4181', '4182']);
  const judge = (id: string) => {
    const q = map.get(id)!;
    return outOfMemoryReason({ queue: q, fileExitCode: null, maxRssBytes: q.usage?.max_rss_bytes, reqMemBytes: q.usage?.req_mem_bytes, stderrTail: null, reason: 'x' });
  };
  t.regex(judge('4181') ?? '', /^OUT_OF_MEMORY: killed by signal 9 \(SIGKILL\) at peak memory 185 MiB of 100 MiB granted; x$/);
  t.is(judge('4182'), null);
  // Slurm's own state, where its cgroup OOM handling reports it
  t.regex(outOfMemoryReason({ queue: { schedulerId: '1', state: 'ended', rawState: 'OUT_OF_MEMORY', reason: 'OUT_OF_MEMORY' }, fileExitCode: null, maxRssBytes: null, reqMemBytes: null, stderrTail: null, reason: null }) ?? '', /^OUT_OF_MEMORY: the queue reports it/);
  // SIGKILL far below the limit (a scancel -9, a node problem) is not memory
  t.is(outOfMemoryReason({ queue: undefined, fileExitCode: 137, maxRssBytes: 10e6, reqMemBytes: 100e6, stderrTail: null, reason: null }), null);
});

test('SGE: qacct usage of real jobs; h_vmem makes Node fail inside the process (exit 133), read from its stderr as OUT_OF_MEMORY', (t) => {
  const map = new SgeScheduler().parseStatus([asWrapped(captured('sge-qstat-xml-empty.txt')!), need('sge-qacct-usage.txt')], ['83', '84', '85']);
  t.deepEqual(map.get('83')?.usage, { elapsed_s: 7, cpu_s: 2.011, cores: 1, max_rss_bytes: 246562 * 1024 });
  t.like(map.get('84'), { exitCode: 133 });
  t.is(map.get('84')?.usage?.req_mem_bytes, 500 * 1024 ** 2);
  t.is(map.get('85')?.usage?.req_mem_bytes, 3 * 1024 ** 3);
  const stderr = '\n#\n# Fatal process OOM in Failed to reserve virtual memory for CodeRange\n#\n';
  t.regex(outOfMemoryReason({ queue: map.get('84'), fileExitCode: 133, maxRssBytes: map.get('84')?.usage?.max_rss_bytes, reqMemBytes: 500 * 1024 ** 2, stderrTail: stderr, reason: null }) ?? '', /^OUT_OF_MEMORY: Node.js could not allocate memory/);
});

test('PBS: resources_used and Resource_List of a finished job', (t) => {
  t.deepEqual(pbsUsage({ resources_used: { cput: '00:01:30', mem: '204800kb', ncpus: 2, walltime: '00:01:00' }, Resource_List: { mem: '1gb', ncpus: 2 } }),
    { elapsed_s: 60, cpu_s: 90, cores: 2, max_rss_bytes: 204800 * 1024, req_mem_bytes: 1024 ** 3 });
  t.is(pbsUsage({}), undefined);
});

test('merge: the queue wins where it has figures, the runner fills the rest; efficiency = cpu / (elapsed x cores)', (t) => {
  const runner = { elapsed_s: 4, cpu_s: 3.6, max_rss_bytes: 250e6, cores: 1 };
  t.deepEqual(mergeUsage('local', { elapsed_s: 99 }, runner, 1), { elapsed_s: 4, cpu_s: 3.6, cores: 1, cpu_efficiency: 0.9, max_rss_bytes: 250e6, source: 'runner' });
  t.like(mergeUsage('slurm', { elapsed_s: 5, cpu_s: 4, cores: 2, max_rss_bytes: 300e6 }, runner, 1), { elapsed_s: 5, cpu_s: 4, cores: 2, cpu_efficiency: 0.4, max_rss_bytes: 300e6, source: 'slurm' });
  // sacct's TotalCPU reads 0 until the batch step is accounted: the runner's figure is larger
  t.like(mergeUsage('slurm', { elapsed_s: 5, cpu_s: 0, cores: 1 }, runner, 1), { cpu_s: 3.6, source: 'slurm+runner' });
  t.like(mergeUsage('sge', { max_rss_bytes: 260e6 }, runner, 1), { elapsed_s: 4, max_rss_bytes: 260e6, source: 'sge+runner' });
  t.is(mergeUsage('slurm', undefined, null, 1), null);
  t.deepEqual(parseRunnerUsage(JSON.stringify(measureRunnerUsage(3)))?.cores, 3);
  t.is(parseRunnerUsage('{"elapsed_s":"x"}'), null);
  t.is(parseSlurmDuration('1-02:03:04'), 93784);
  t.is(parseSlurmDuration('00:01.746'), 1.746);
  t.deepEqual(parseSlurmMem('2000Mc'), { bytes: 2000 * 1024 ** 2, per: 'cpu' });
});

test('memory for a job resubmitted after OUT_OF_MEMORY: 1.5x when a partition takes it, else the same; given as max_mem_tot', (t) => {
  t.is(resubmitMemKb(150 * 1024, (kb) => kb <= 1024 * 1024), 225 * 1024);
  t.is(resubmitMemKb(800 * 1024, (kb) => kb <= 1024 * 1024), 800 * 1024, 'no partition takes 1.2 GiB: same memory');
  t.is(resubmitMemKb(2048 * 1024, (kb) => kb <= 1024 * 1024), null);
  const info = { resources: { max_time: '1h', num_cores: 2, max_mem_per_core: '100m' } } as unknown as Parameters<typeof resubmitResources>[0];
  t.deepEqual(resubmitResources(info, 5400, 300 * 1024), { max_time: 5400, num_cores: 2, max_mem_tot: 300 * 1024 });
  t.deepEqual(resubmitResources(info, 5400), { max_time: 5400, num_cores: 2, max_mem_per_core: '100m' });
});

test('Slurm asks for the requested memory per node (--mem, MiB); no line when none is requested', (t) => {
  const slurm = new SlurmScheduler();
  t.true(slurm.renderScript(spec({ fit: fit({ memPerNodeKb: 150 * 1024 }) })).includes('#SBATCH --mem=150M\n'));
  t.false(slurm.renderScript(spec()).includes('--mem'));
  const placed = findPartition(normalizeResources({ max_time: 60, num_cores: 2, max_mem_per_core: '1g' }, 'r'), [partition({ numCores: 4, maxMemKb: null })], { exactFit: false, partialNode: true }, 's');
  t.is(placed.memPerNodeKb, 2 * 1024 * 1024);
});
