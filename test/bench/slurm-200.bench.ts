// Benchmark: N one-item jobs through xpr via ssh into Slurm, against a raw loop of N `sbatch --wrap` run on the
// cluster and waited for, in the same run. Reports ratios, time to all-submitted, SSH connections, commands per poll.
// Needs the test cluster: `bash test/cluster/up.sh && . /tmp/xpr-cluster/env.sh`, then
//   node --import tsx test/bench/slurm-200.bench.ts [N=200]
import { Client } from 'ssh2';
import { readFileSync } from 'node:fs';
import { prepareJob, startJobs } from '../../src/job/index.ts';
import { quoteArgv } from '../../src/transport/quote.ts';
import { knownHostsName, lookupHostKey, parseKnownHosts } from '../../src/transport/known-hosts.ts';
import { add } from '../fixtures/ops/basic.ts';
import { clusterProject, benchCluster } from '../helpers/cluster.ts';

const N = Number(process.argv[2] ?? 200);
const cluster = benchCluster();

const knownEntries = parseKnownHosts(readFileSync(cluster.knownHosts, 'utf8'), cluster.knownHosts);

// The baseline: one ssh command that submits N trivial jobs with sbatch in a loop and waits until the queue is empty.
async function rawLoop(): Promise<{ totalS: number; submitS: number }> {
  const script = `
cd /tmp; t0=$(date +%s.%N); ids=""
for i in $(seq ${N}); do id=$(sbatch --parsable -o /dev/null -e /dev/null --wrap true) && ids="$ids,$id"; done
t1=$(date +%s.%N)
echo "submitted $(tr ',' '\\n' <<<"\${ids#,}" | grep -c .)"
while [ -n "$(squeue -h -o %i -j "\${ids#,}" 2>/dev/null)" ]; do sleep 0.2; done
t2=$(date +%s.%N)
echo "$t0 $t1 $t2"`;
  const out = await new Promise<string>((resolve, reject) => {
    const c = new Client();
    c.on('ready', () =>
      c.exec(quoteArgv(['bash', '-c', script]), (err, s) => {
        if (err) return reject(err);
        let buf = '';
        s.on('data', (d: Buffer) => (buf += d)).on('close', () => (c.end(), resolve(buf)));
        s.stderr.on('data', (d: Buffer) => process.stderr.write(d));
      }),
    )
      .on('error', reject)
      .connect({
        host: cluster.host, port: Number(cluster.port), username: cluster.user, privateKey: readFileSync(cluster.key),
        // the same host key check as xpr's own connections: only the test cluster's recorded key is accepted
        hostVerifier: (key: Buffer) => lookupHostKey(knownEntries, knownHostsName(cluster.host, Number(cluster.port)), key).status === 'known',
      });
  });
  const submitted = Number(/^submitted (\d+)$/m.exec(out)?.[1] ?? 0);
  if (submitted !== N) throw new Error(`the raw loop submitted ${submitted} of ${N} jobs; its figures would mean nothing`);
  const line = out.split('\n').map((l) => l.trim()).filter((l) => /^[\d.]+ [\d.]+ [\d.]+$/.test(l)).pop() ?? '';
  const [t0, t1, t2] = line.split(' ').map(Number) as [number, number, number];
  if (!Number.isFinite(t2)) throw new Error(`unexpected output from the raw loop: ${JSON.stringify(out.slice(-500))}`);
  return { totalS: t2 - t0, submitS: t1 - t0 };
}

async function viaXpr(): Promise<Record<string, number>> {
  const p = clusterProject(cluster);
  const ctx = p.context();
  try {
    const t0 = performance.now();
    const prepared = await Promise.all(Array.from({ length: N }, (_, k) => prepareJob({ op: add, args: [k, 1_000_000], cwd: p.dir })));
    const preparedS = (performance.now() - t0) / 1000;
    const started = await startJobs(ctx, prepared, { system: 'slurm_ssh', resources: { num_cores: 1, max_time: '10m' }, partialNode: true });
    const submitS = (performance.now() - t0) / 1000;
    const afterSubmit = ctx.transportStats().slurm_ssh!.commandsRun;
    const poller = await ctx.poller('slurm_ssh');
    const rows = await poller.wait(started.map((s) => s.row.id), { checkIntervalS: 10 });
    const totalS = (performance.now() - t0) / 1000;
    const stats = ctx.transportStats().slurm_ssh!;
    const ok = rows.filter((r) => r.state === 'succeeded').length;
    return {
      totalS, submitS, preparedS, succeeded: ok, connections: stats.connectionsOpened, commandsTotal: stats.commandsRun,
      commandsToSubmit: afterSubmit, polls: poller.pollsRun, commandsAfterSubmit: stats.commandsRun - afterSubmit,
    };
  } finally {
    await ctx.close();
  }
}

const raw = await rawLoop();
const x = await viaXpr();
const f = (v: number): string => v.toFixed(2);
console.log(`\n${N} one-item jobs, ssh -> Slurm (1 node, ${(await import('node:os')).availableParallelism()} cores), same run:`);
console.log(`  raw sbatch loop on the cluster: total ${f(raw.totalS)} s (submitting took ${f(raw.submitS)} s)`);
console.log(`  xpr:                            total ${f(x.totalS!)} s (all ${N} submitted after ${f(x.submitS!)} s, of which preparing ${f(x.preparedS!)} s), ${x.succeeded}/${N} succeeded`);
console.log(`  ratio xpr / raw loop:           ${f(x.totalS! / raw.totalS)}x`);
console.log(`  SSH connections opened:         ${x.connections}`);
console.log(`  remote commands to submit:      ${x.commandsToSubmit} (run dir + stage + submit)`);
console.log(`  polls: ${x.polls}; commands after submit: ${x.commandsAfterSubmit} (status commands = polls; the rest are result fetches, at most one per poll)`);
