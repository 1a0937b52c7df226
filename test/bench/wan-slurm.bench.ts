// Benchmark: N one-item jobs through autoparallelize into Slurm over a 50 ms round trip (test/bench/latency-relay.ts
// in front of the test sshd, 25 ms each way) against the raw sbatch loop through the same relay, order ABBA. Reports
// the time until all are submitted after the call, the total ratio, and remote commands and round trips per phase.
// Needs the test cluster (. /tmp/xpr-cluster/env.sh):  node --import tsx test/bench/wan-slurm.bench.ts [N=200] [rtt ms=50]
import { randomUUID } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { autoparallelize } from '../../src/index.ts';
import { clusterProject, benchCluster } from '../helpers/cluster.ts';
import { rawSbatchLoop, loadavg } from './fixtures/raw-sbatch.ts';
import { startRelay, type RelayStats } from './latency-relay.ts';
import { sinceJobStart } from './fixtures/stamp-op.ts';

const N = Number(process.argv[2] ?? 200);
const rttMs = Number(process.argv[3] ?? 50);
const cluster = benchCluster();
const relay = await startRelay({ targetPort: Number(cluster.port), delayMs: rttMs / 2 });

async function viaAutopara(): Promise<{ totalS: number; submitS: number; phases: Array<[string, RelayStats, number]> }> {
  const p = clusterProject(cluster, {
    slurm_wan: { host: 'xpr-wan', scheduler: 'slurm', rundir: 'xpr-test-runs', partitions: { debug: { num_cores: 2, max_time: null, max_mem: '1GB' } } },
  });
  // The relay's alias: same user, key and host key (checked under the sshd's own name) as the cluster's alias.
  const config = join(p.dir, '.ssh', 'config');
  writeFileSync(config, `Host xpr-wan\n  HostName 127.0.0.1\n  Port ${relay.port}\n  User ${cluster.user}\n  IdentityFile ${cluster.key}\n  IdentitiesOnly yes\n` +
    `  HostKeyAlias [${cluster.host}]:${cluster.port}\n  UserKnownHostsFile ${cluster.knownHosts}\n  BatchMode yes\n\n${readFileSync(config, 'utf8')}`);
  appendFileSync(config, '');
  const info = { sys_name: 'slurm_wan', job_name: 'wan', resources: { num_cores: 1, max_time: '10m' }, partial_node: true, num_inputs_per_queued_job: 1, check_interval: 10 };
  const ctx = p.context({ WFL_EXPYRE_INFO: JSON.stringify({ 'wan-slurm.bench.ts::viaAutopara': info }) });
  try {
    const items = Array.from({ length: N }, (_, k) => ({ k, salt: randomUUID() }));
    relay.take();
    const t0 = performance.now();
    const handle = await autoparallelize(sinceJobStart, items, { context: ctx, wait: false, progress: 'silent' });
    const submitS = (performance.now() - t0) / 1000;
    const submitCmds = ctx.transportStats().slurm_wan!.commandsRun;
    const submit = relay.take();
    const results = await handle.collect({ progress: 'silent' });
    const totalS = (performance.now() - t0) / 1000;
    const wait = relay.take();
    if (results.failures.length) throw new Error(`${results.failures.length} of ${N} items failed`);
    const cmds = ctx.transportStats().slurm_wan!.commandsRun;
    return { totalS, submitS, phases: [['connect + submit', submit, submitCmds], ['wait + fetch', wait, cmds - submitCmds]] };
  } finally {
    await ctx.close();
  }
}

const f = (v: number): string => v.toFixed(2);
const load0 = loadavg();
try {
  relay.take();
  const a1 = await rawSbatchLoop(cluster, N, relay.port);
  const rawStats = relay.take();
  const b1 = await viaAutopara();
  const b2 = await viaAutopara();
  const a2 = await rawSbatchLoop(cluster, N, relay.port);
  const raw = (a1.wallS + a2.wallS) / 2;
  const xpr = (b1.totalS + b2.totalS) / 2;
  console.log(`\n${N} one-item jobs, autoparallelize -> Slurm through a ${rttMs} ms round-trip relay, order ABBA (loadavg ${load0} at start, ${loadavg()} at end):`);
  console.log(`  raw sbatch loop, one ssh session through the relay: wall ${f(a1.wallS)} s, ${f(a2.wallS)} s (on the cluster: submitting ${f(a1.submitS)} s, ${f(a2.submitS)} s); ${rawStats.roundTrips} round trips`);
  console.log(`  xpr: total ${f(b1.totalS)} s, ${f(b2.totalS)} s; all ${N} submitted ${f(b1.submitS)} s, ${f(b2.submitS)} s after the call`);
  console.log(`  ratio xpr / raw: ${f(xpr / raw)}x`);
  for (const [name, s, cmds] of b1.phases) {
    console.log(`  ${name}: ${cmds} remote commands, ${s.roundTrips} round trips, ${s.connections} connection(s), ${(s.bytesUp / 1024).toFixed(0)} KiB up, ${(s.bytesDown / 1024).toFixed(0)} KiB down`);
  }
} finally {
  await relay.close();
}
