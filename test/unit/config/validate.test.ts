import test from 'ava';
import { ConfigError, type ConfigProblem } from '../../../src/config/errors.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { makeTree } from './_project.ts';

const part = { num_cores: 8, max_time: '24h', max_mem: '32GB' };
const ok = { host: null, scheduler: 'slurm', partitions: { std: part } };

// Load one ~/.expyre/config.json and return the problems (file made relative to the tree).
function problemsOf(t: { teardown: (fn: () => void) => void }, config: unknown, env: NodeJS.ProcessEnv = {}): ConfigProblem[] {
  const tree = makeTree();
  t.teardown(tree.cleanup);
  tree.write('home/.expyre/config.json', config);
  try {
    loadConfig({ cwd: tree.p('home'), env, homeDir: tree.p('home') });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((p) => ({ ...p, file: p.file.startsWith(tree.root) ? p.file.slice(tree.root.length + 1) : p.file }));
  }
  throw new Error('expected a ConfigError');
}

const HOME_FILE = 'home/.expyre/config.json';
const cases: Array<[string, unknown, string, RegExp]> = [
  ['an unknown top-level key', { system: {} }, 'system', /^unknown key "system" \(did you mean "systems"\?\); valid keys: systems, local_stage_dir, remote_rundir_submit_hostname$/],
  ['systems that is not an object', { systems: [] }, 'systems', /^expected an object mapping system names to .*; found \[\]$/],
  ['a system that is not an object', { systems: { s: 'slurm' } }, 'systems.s', /^expected an object with host, scheduler and partitions \(or null to remove the system\); found "slurm"$/],
  ['an unknown system key', { systems: { s: { ...ok, hosts: 'x' } } }, 'systems.s.hosts', /^unknown key "hosts" \(did you mean "host"\?\); valid keys: host, scheduler, partitions, queues, header/],
  ['a missing host', { systems: { s: { scheduler: 'slurm', partitions: null } } }, 'systems.s.host', /^required: "\[user@\]host" \(or an ~\/\.ssh\/config alias\), or null for this machine$/],
  ['a host that is not a string', { systems: { s: { ...ok, host: 42 } } }, 'systems.s.host', /^expected "\[user@\]host" .*; found 42$/],
  ['a missing scheduler', { systems: { s: { host: null, partitions: null } } }, 'systems.s.scheduler', /^required: one of "local", "slurm", "sge", "pbs"$/],
  ['a scheduler in the wrong case', { systems: { s: { ...ok, scheduler: 'SLURM' } } }, 'systems.s.scheduler', /^expected one of "local", "slurm", "sge", "pbs"; found "SLURM" \(did you mean "slurm"\?\)$/],
  ['an unknown scheduler', { systems: { s: { ...ok, scheduler: 'lsf' } } }, 'systems.s.scheduler', /^expected one of "local", "slurm", "sge", "pbs"; found "lsf"$/],
  ['both partitions and queues', { systems: { s: { ...ok, queues: { std: part } } } }, 'systems.s.queues', /^give only one of "partitions" and "queues"/],
  ['missing partitions', { systems: { s: { host: 'u@h', scheduler: 'slurm' } } }, 'systems.s.partitions', /^required: an object mapping partition names to \{num_cores, max_time, max_mem\}, or null$/],
  ['partitions that are a list', { systems: { s: { ...ok, partitions: [part] } } }, 'systems.s.partitions', /^expected an object mapping partition names .*; found \[\{"num_cores":8/],
  ['a partition that is not an object', { systems: { s: { ...ok, partitions: { std: null } } } }, 'systems.s.partitions.std', /^expected an object with num_cores, max_time and max_mem \(use "_DELETE_" to remove an inherited partition\); found null$/],
  ['an unknown partition key', { systems: { s: { ...ok, partitions: { std: { ...part, maxtime: '1h' } } } } }, 'systems.s.partitions.std.maxtime', /^unknown key "maxtime" \(did you mean "max_time"\?\); valid keys: num_cores, max_time, max_mem, partition, header$/],
  ['a missing num_cores', { systems: { s: { ...ok, partitions: { std: { max_time: null, max_mem: null } } } } }, 'systems.s.partitions.std.num_cores', /^required: a positive integer \(cores per node\)$/],
  ['a missing max_time', { systems: { s: { ...ok, partitions: { std: { num_cores: 1, max_mem: null } } } } }, 'systems.s.partitions.std.max_time', /^required: a time such as "48h" or "2-00:00:00", or null for no limit$/],
  ['a missing max_mem', { systems: { s: { ...ok, partitions: { std: { num_cores: 1, max_time: null } } } } }, 'systems.s.partitions.std.max_mem', /^required: a memory size per node such as "180GB", or null for unknown$/],
  ['a fractional num_cores', { systems: { s: { ...ok, partitions: { std: { ...part, num_cores: 1.5 } } } } }, 'systems.s.partitions.std.num_cores', /^expected a positive integer \(cores per node\); found 1\.5$/],
  ['a string num_cores', { systems: { s: { ...ok, partitions: { std: { ...part, num_cores: '8' } } } } }, 'systems.s.partitions.std.num_cores', /^expected a positive integer \(cores per node\); found "8"$/],
  ['an unreadable max_time', { systems: { s: { ...ok, partitions: { std: { ...part, max_time: '2 days' } } } } }, 'systems.s.partitions.std.max_time', /^cannot read "2 days" as a time; accepted: .*2-5 = 2 days 5 hours\), or null for no limit$/],
  ['an unreadable max_mem', { systems: { s: { ...ok, partitions: { std: { ...part, max_mem: '180' } } } } }, 'systems.s.partitions.std.max_mem', /^cannot read "180" as a memory size; accepted: .*GB is read as GiB.*, or null for no limit$/],
  ['a partition name that is not a string', { systems: { s: { ...ok, partitions: { std: { ...part, partition: 3 } } } } }, 'systems.s.partitions.std.partition', /^expected a non-empty string \(the name the scheduler knows\); found 3$/],
  ['a partition header that is not a list', { systems: { s: { ...ok, partitions: { std: { ...part, header: '#SBATCH -q x' } } } } }, 'systems.s.partitions.std.header', /^expected a list of strings; found "#SBATCH -q x"$/],
  ['a header line with an unknown field', { systems: { s: { ...ok, header: ['#SBATCH --nodes={num_nodes}', '#SBATCH --mem={mem}'] } } }, 'systems.s.header[1]', /^unknown template field "\{mem\}"; available: \{id\}, \{max_time\}, \{max_time_HMS\}, \{partition\}, \{queue\}, \{num_nodes\}, \{num_cores\}, \{num_cores_per_node\} \(write "\{\{" and "\}\}" for literal braces\); found "#SBATCH --mem=\{mem\}"$/],
  ['a header line with an unclosed brace', { systems: { s: { ...ok, header: ['#PBS -l select={num_nodes'] } } }, 'systems.s.header[0]', /^unclosed "\{" at character 16; write "\{\{" for a literal brace/],
  ['a header line with a lone closing brace', { systems: { s: { ...ok, header: ['#$ -pe smp num_cores}'] } } }, 'systems.s.header[0]', /^single "\}" at character 21; write "\}\}" for a literal brace/],
  ['a partition header line that is not a string', { systems: { s: { ...ok, partitions: { std: { ...part, header: [7] } } } } }, 'systems.s.partitions.std.header[0]', /^expected a string; found 7$/],
  ['a non-boolean no_default_header', { systems: { s: { ...ok, no_default_header: 'yes' } } }, 'systems.s.no_default_header', /^expected true or false; found "yes"$/],
  ['an empty script_exec', { systems: { s: { ...ok, script_exec: '' } } }, 'systems.s.script_exec', /^expected a non-empty string; found ""$/],
  ['pre_submit_cmds as one string', { systems: { s: { ...ok, pre_submit_cmds: 'module load slurm' } } }, 'systems.s.pre_submit_cmds', /^expected a list of strings; found "module load slurm"$/],
  ['a command that is not a string', { systems: { s: { ...ok, commands: ['module purge', null] } } }, 'systems.s.commands[1]', /^expected a string; found null$/],
  ['a rundir that is a number', { systems: { s: { ...ok, rundir: 5 } } }, 'systems.s.rundir', /^expected a directory path \(relative = under the remote home\), or null; found 5$/],
  ['a remsh_cmd with an unclosed quote', { systems: { s: { ...ok, host: 'u@h', remsh_cmd: 'ssh -o "A=b' } } }, 'systems.s.remsh_cmd', /^cannot split "ssh -o \\"A=b" into words: unclosed double quote at character 8$/],
  ['an empty remsh_cmd', { systems: { s: { ...ok, host: 'u@h', remsh_cmd: '  ' } } }, 'systems.s.remsh_cmd', /^expected a command such as "ssh -p 2222" \(or a list of words\), or null for built-in SSH; found " {2}"$/],
  ['a node_cmd that is not a string', { systems: { s: { ...ok, node_cmd: ['node', '--max-old-space-size=4096'] } } }, 'systems.s.node_cmd', /^expected a non-empty string; found \["node","--max-old-space-size=4096"\]$/],
  ['a local_stage_dir that is not a string', { local_stage_dir: 1 }, 'local_stage_dir', /^expected a directory path \(relative = relative to the cwd\); found 1$/],
  ['a remote_rundir_submit_hostname that is not a string', { remote_rundir_submit_hostname: true }, 'remote_rundir_submit_hostname', /^expected a non-empty string \(replaces \$HOSTNAME in remote rundir names\), or null; found true$/],
];

for (const [what, config, path, message] of cases) {
  test(`validation reports ${what} with the file, the JSON path and the expected form`, (t) => {
    const problems = problemsOf(t, config);
    t.is(problems.length, 1, JSON.stringify(problems));
    t.is(problems[0]!.file, HOME_FILE);
    t.is(problems[0]!.path, path);
    t.regex(problems[0]!.message, message);
  });
}

test('a bad EXPYRE_RSH is blamed on $EXPYRE_RSH for remote systems only', (t) => {
  const problems = problemsOf(t, { systems: { remote: { ...ok, host: 'u@h' }, here: ok } }, { EXPYRE_RSH: "ssh -o 'x" });
  t.deepEqual(problems.map((p) => [p.file, p.path]), [['$EXPYRE_RSH', 'systems.remote.remsh_cmd']]);
});

test('odd system and partition names are written in bracket form in paths', (t) => {
  const problems = problemsOf(t, { systems: { 'my.sys': { ...ok, partitions: { 'a b': { ...part, num_cores: 0 } } } } });
  t.is(problems[0]!.path, 'systems["my.sys"].partitions["a b"].num_cores');
});

test('every problem in every system is reported at once, in one message', (t) => {
  const tree = makeTree();
  t.teardown(tree.cleanup);
  tree.write('home/.expyre/config.json', { systems: { a: { ...ok, scheduler: 'slurmm' }, b: { host: null, scheduler: 'pbs', partitions: { q: { num_cores: 0, max_time: 'x', max_mem: null } } } }, extra: 1 });
  const error = loadConfigError(tree);
  t.deepEqual(error.problems.map((p) => p.path), ['extra', 'systems.a.scheduler', 'systems.b.partitions.q.num_cores', 'systems.b.partitions.q.max_time']);
  t.regex(error.message, /^Invalid xpr\/ExPyRe configuration \(4 problems\):\n {2}\/.*home\/\.expyre\/config\.json: extra: unknown key "extra"/);
});

function loadConfigError(tree: ReturnType<typeof makeTree>, cwd = tree.p('home')): ConfigError {
  try {
    loadConfig({ cwd, env: {}, homeDir: tree.p('home') });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

test('a problem is blamed on the file that set the offending value', (t) => {
  const tree = makeTree();
  t.teardown(tree.cleanup);
  const home = tree.write('home/.expyre/config.json', { systems: { s: { ...ok, partitions: { std: { ...part, max_mem: 'lots' } } } } });
  const project = tree.write('home/p/_expyre/config.json', { systems: { s: { partitions: { std: { max_time: 'forever' } } } } });
  const error = loadConfigError(tree, tree.p('home/p'));
  t.deepEqual(error.problems.map((p) => [p.file, p.path]), [
    [project, 'systems.s.partitions.std.max_time'],
    [home, 'systems.s.partitions.std.max_mem'],
  ]);
});

test('a missing key is blamed on the last file that set anything in its parent', (t) => {
  const tree = makeTree();
  t.teardown(tree.cleanup);
  tree.write('home/.expyre/config.json', { systems: { s: { host: null, partitions: null } } });
  const project = tree.write('home/p/_expyre/config.json', { systems: { s: { commands: ['x'] } } });
  const error = loadConfigError(tree, tree.p('home/p'));
  t.deepEqual(error.problems.map((p) => [p.file, p.path]), [[project, 'systems.s.scheduler']]);
});

test('"_none_" means no limit for max_time and max_mem, as in ExPyRe', (t) => {
  const tree = makeTree();
  t.teardown(tree.cleanup);
  tree.write('home/.expyre/config.json', { systems: { s: { ...ok, partitions: { std: { num_cores: 4, max_time: '_NONE_', max_mem: '_none_', partition: 'standard', header: ['#SBATCH --qos={partition}'] } } } } });
  const config = loadConfig({ cwd: tree.p('home'), env: {}, homeDir: tree.p('home') });
  t.deepEqual(config.systems.get('s')!.partitions[0], { name: 'std', schedulerName: 'standard', numCores: 4, maxTimeS: null, maxMemKb: null, header: ['#SBATCH --qos={partition}'] });
});
