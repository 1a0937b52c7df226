// Test helper: the loopback test cluster started by test/cluster/up.sh (sshd, Slurm, SGE), as xpr configs.
// Missing cluster = a failing test with the reason, never a silent skip.
import { mkdirSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { makeProject, type TestProject } from './project.ts';

export interface ClusterEnv {
  sshConfig: string;
  alias: string;
  key: string;
  knownHosts: string;
  host: string;
  port: string;
  user: string;
  slurm: boolean;
  sge: boolean;
}

// The cluster's coordinates from env.sh (written by test/cluster/up.sh), or what is missing.
function readClusterEnv(): ClusterEnv | { missing: string[] } {
  const e = process.env;
  const missing = ['XPR_TEST_SSH_CONFIG', 'XPR_TEST_SSH_KEY', 'XPR_TEST_KNOWN_HOSTS'].filter((k) => !e[k]);
  if (missing.length) return { missing };
  return {
    sshConfig: e.XPR_TEST_SSH_CONFIG!, alias: e.XPR_TEST_SSH_ALIAS ?? 'xpr-test-cluster', key: e.XPR_TEST_SSH_KEY!,
    knownHosts: e.XPR_TEST_KNOWN_HOSTS!, host: e.XPR_TEST_SSH_HOST ?? '127.0.0.1', port: e.XPR_TEST_SSH_PORT ?? '2222',
    user: e.XPR_TEST_SSH_USER ?? 'xprtest', slurm: e.XPR_CLUSTER_SLURM === '1', sge: e.XPR_CLUSTER_SGE === '1',
  };
}

// The cluster's coordinates, or null (with t.fail) when it is not up.
export function clusterEnv(t: ExecutionContext, needs: Array<'slurm' | 'sge'> = []): ClusterEnv | null {
  const env = readClusterEnv();
  if ('missing' in env) {
    t.fail(`the test cluster is not up (${env.missing.join(', ')} unset): run the suite with npm test, which starts test/cluster/up.sh`);
    return null;
  }
  for (const n of needs) {
    if (!env[n]) {
      t.fail(`the test cluster has no ${n} (XPR_CLUSTER_${n.toUpperCase()} unset): test/cluster/up.sh could not start it`);
      return null;
    }
  }
  return env;
}

// For a benchmark: the cluster with Slurm, or exit 2 saying how to start it.
export function benchCluster(): ClusterEnv {
  const env = readClusterEnv();
  if ('missing' in env || !env.slurm) {
    console.error('the test cluster is not up: run `bash test/cluster/up.sh && . /tmp/xpr-cluster/env.sh` first');
    process.exit(2);
  }
  return env;
}

const cores = availableParallelism();
const part = (name: string) => ({ [name]: { num_cores: cores, max_time: null, max_mem: '1GB' } });

// A temp project whose HOME has ~/.ssh/config for the cluster alias, and systems for every way to reach the queues.
export function clusterProject(c: ClusterEnv, extraSystems: Record<string, unknown> = {}): TestProject {
  const systems = {
    slurm_ssh: { host: c.alias, scheduler: 'slurm', rundir: 'xpr-test-runs', partitions: part('debug') },
    sge_ssh: { host: c.alias, scheduler: 'sge', rundir: 'xpr-test-runs', partitions: part('all.q') },
    local_ssh: { host: c.alias, scheduler: 'local', rundir: 'xpr-test-runs', partitions: part('node') },
    slurm_here: { host: null, scheduler: 'slurm', partitions: part('debug') },
    slurm_remsh: {
      host: `${c.user}@${c.host}`, scheduler: 'slurm', rundir: 'xpr-test-runs', partitions: part('debug'),
      remsh_cmd: `ssh -p ${c.port} -i ${c.key} -o UserKnownHostsFile=${c.knownHosts} -o BatchMode=yes`,
    },
    ...extraSystems,
  };
  const p = makeProject({ systems });
  const sshDir = join(p.dir, '.ssh');
  mkdirSync(sshDir, { mode: 0o700 });
  writeFileSync(join(sshDir, 'config'), readFileSync(c.sshConfig));
  copyFileSync(c.knownHosts, join(sshDir, 'known_hosts'));
  return p;
}
