import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { getSystem, loadConfig } from '../../../src/config/load.ts';
import type { XprConfig } from '../../../src/config/types.ts';
import { findPartition, normalizeResources } from '../../../src/resources/resources.ts';
import { makeTree } from './_project.ts';

const examplesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../config-examples');

function loadExample(t: { teardown: (fn: () => void) => void }, name: string): XprConfig {
  const tree = makeTree();
  t.teardown(tree.cleanup);
  tree.write('cfg/config.json', fs.readFileSync(path.join(examplesDir, name), 'utf8'));
  return loadConfig({ cwd: tree.root, env: { EXPYRE_ROOT: tree.p('cfg') }, homeDir: tree.p('home') });
}

const configExamples = fs.readdirSync(examplesDir).filter((f) => f.endsWith('.json') && !f.startsWith('WFL_'));

test('there is a config example per scheduler plus one with remsh_cmd', (t) => {
  t.deepEqual(configExamples.sort(), ['local.json', 'pbs.json', 'sge.json', 'slurm.json', 'ssh-remsh.json']);
});

for (const name of configExamples) {
  test(`config-examples/${name} loads and is described in the README`, (t) => {
    const config = loadExample(t, name);
    t.true(config.systems.size >= 2);
    t.true(fs.readFileSync(path.join(examplesDir, 'README.md'), 'utf8').includes(`\`${name}\``));
  });
}

test('the local example replaces the built-in local system', (t) => {
  const config = loadExample(t, 'local.json');
  t.deepEqual(getSystem(config, 'local').partitions.map((p) => p.numCores), [4]);
  t.is(getSystem(config, 'local_scratch').rundir, '/scratch/me/xpr_runs');
});

test('the slurm example places a short job on the short QOS of the standard partition', (t) => {
  const archer2 = getSystem(loadExample(t, 'slurm.json'), 'archer2');
  const fit = findPartition(normalizeResources({ max_time: '15m', num_nodes: 2, partitions: 'short' }), archer2.partitions, { exactFit: true, partialNode: false }, 'archer2');
  t.like(fit, { numNodes: 2, numCores: 256, numCoresPerNode: 128 });
  t.like(fit.partition, { name: 'short', schedulerName: 'standard', header: ['#SBATCH --qos=short'] });
  t.is(archer2.rundir, '/work/e89/e89/me/xpr_runs');
  t.is(getSystem(loadExample(t, 'slurm.json'), 'login_node_slurm').rundir, null);
});

test('the sge, pbs and remsh examples carry their specific settings', (t) => {
  t.deepEqual(getSystem(loadExample(t, 'sge.json'), 'young').preSubmitCmds, ['source', '/etc/profile.d/sge.sh']);
  const pbs = getSystem(loadExample(t, 'pbs.json'), 'pbs_cluster');
  t.is(pbs.nodeCmd, '/opt/node20/bin/node');
  t.is(pbs.partitions[1]!.maxMemKb, 1.5 * 1024 ** 3);
  const remsh = loadExample(t, 'ssh-remsh.json');
  t.deepEqual(getSystem(remsh, 'mfa_cluster').remshCmd, ['ssh', '-p', '2222', '-o', 'ProxyJump=me@gateway.example.org', '-i', '/home/me/.ssh/id cluster']);
  t.is(remsh.remoteRundirSubmitHostname, 'my-laptop');
});

test('the WFL_EXPYRE_INFO example is wfl-shaped and its resources are valid', (t) => {
  const info = JSON.parse(fs.readFileSync(path.join(examplesDir, 'WFL_EXPYRE_INFO.example.json'), 'utf8')) as Record<string, Record<string, unknown>>;
  const relax = info['ops.ts::relax']!;
  t.is(relax.sys_name, 'archer2');
  t.deepEqual(relax.resources, { num_nodes: 1, max_time: '24h' });
  t.like(normalizeResources(relax.resources), { maxTimeS: 86400, request: { kind: 'nodes', count: 1 } });
  t.true((relax.env_vars as string[]).some((v) => v.includes('${EXPYRE_NUM_CORES_PER_NODE}')));
  t.true(Number.isInteger(relax.num_inputs_per_queued_job));
  t.true(Array.isArray(relax.input_files));
});
