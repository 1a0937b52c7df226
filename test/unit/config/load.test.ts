import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { ConfigError, UnknownSystemError } from '../../../src/config/errors.ts';
import { getSystem, loadConfig } from '../../../src/config/load.ts';
import { defaultLocalSystem } from '../../../src/config/local-system.ts';
import { findConfigDirs } from '../../../src/config/locate.ts';
import { fixture, makeTree } from './_project.ts';

const slurm = (extra: object = {}) => ({ host: null, scheduler: 'slurm', partitions: { std: { num_cores: 8, max_time: '24h', max_mem: '32GB' } }, ...extra });

test('ExPyRe\'s CI config (reference §3.4) loads unchanged', (t) => {
  const tree = makeTree();
  t.teardown(tree.cleanup);
  const file = tree.write('home/.expyre/config.json', fixture('github-ci.config.json'));
  const config = loadConfig({ cwd: tree.p('home'), env: {}, homeDir: tree.p('home') });
  t.deepEqual(config.files, [file]);
  t.is(config.projectRoot, tree.p('home/.expyre'));
  t.deepEqual(getSystem(config, 'github'), {
    name: 'github',
    host: null,
    scheduler: 'slurm',
    partitions: [{ name: 'standard', schedulerName: 'standard', numCores: 2, maxTimeS: null, maxMemKb: 10 * 1024 ** 2, header: [] }],
    header: ['#SBATCH --nodes={num_nodes}', '#SBATCH --ntasks={num_cores}', '#SBATCH --ntasks-per-node={num_cores_per_node}'],
    noDefaultHeader: false,
    scriptExec: '/bin/bash',
    preSubmitCmds: [],
    commands: [],
    rundir: null,
    remshCmd: null,
    nodeCmd: 'node',
  });
  t.deepEqual([...config.systems.keys()], ['github', 'local']);
});

test('ExPyRe\'s test dummy config loads unchanged, "queues" read as partitions', (t) => {
  const tree = makeTree();
  t.teardown(tree.cleanup);
  tree.write('proj/.expyre/config.json', fixture('expyre-dummy.config.json'));
  const config = loadConfig({ cwd: tree.p('proj'), env: {}, homeDir: tree.p('home') });
  t.deepEqual(getSystem(config, '_sys_default').partitions.map((p) => [p.name, p.numCores, p.maxMemKb]), [
    ['node16_1,node16_2', 16, 60 * 1024 ** 2], ['node36', 36, 180 * 1024 ** 2], ['node32', 32, 180 * 1024 ** 2],
    ['node_bigmem', 56, 1500 * 1024 ** 2], ['node_bigmem_72', 72, 1500 * 1024 ** 2],
  ]);
  t.deepEqual(getSystem(config, '_sys_queues').partitions, getSystem(config, '_sys_timelimited').partitions);
  t.deepEqual(getSystem(config, '_sys_timelimited').partitions.map((p) => p.maxTimeS), [3600, 168 * 3600]);
  t.deepEqual(getSystem(config, '_sys_default').commands, ['echo command1', 'echo command2']);
});

test('no config anywhere is not an error: only the built-in local system exists', (t) => {
  const tree = makeTree();
  t.teardown(tree.cleanup);
  tree.mkdir('home/proj');
  const config = loadConfig({ cwd: tree.p('home/proj'), env: {}, homeDir: tree.p('home') });
  t.deepEqual(config.files, []);
  t.deepEqual([...config.systems.keys()], ['local']);
  t.is(config.projectRoot, tree.p('home/.expyre'));
  t.false(fs.existsSync(tree.p('home/.expyre')), 'loading creates nothing');
  t.is(config.remoteRundirSubmitHostname, null);
});

test('the built-in local system describes this machine', (t) => {
  const local = defaultLocalSystem();
  t.like(local, { name: 'local', host: null, scheduler: 'local', rundir: null, remshCmd: null, nodeCmd: 'node' });
  t.deepEqual(local.partitions, [{
    name: 'local', schedulerName: 'local', numCores: os.availableParallelism(), maxTimeS: null,
    maxMemKb: Math.floor(os.totalmem() / 1024), header: [],
  }]);
});

test('a config that defines "local" replaces the built-in one', (t) => {
  const tree = makeTree();
  t.teardown(tree.cleanup);
  tree.write('home/.expyre/config.json', { systems: { local: { host: null, scheduler: 'local', partitions: { one: { num_cores: 1, max_time: null, max_mem: null } } } } });
  const local = getSystem(loadConfig({ cwd: tree.p('home'), env: {}, homeDir: tree.p('home') }), 'local');
  t.deepEqual(local.partitions.map((p) => p.numCores), [1]);
});

test('a local-scheduler system on this machine may omit partitions and gets this machine\'s', (t) => {
  const tree = makeTree();
  t.teardown(tree.cleanup);
  tree.write('home/.expyre/config.json', { systems: { mine: { host: null, scheduler: 'local' } } });
  const mine = getSystem(loadConfig({ cwd: tree.p('home'), env: {}, homeDir: tree.p('home') }), 'mine');
  t.deepEqual(mine.partitions, defaultLocalSystem().partitions);
});

test('config dirs are collected walking up from the cwd to $HOME, shallowest first, the deepest is the project root', (t) => {
  const tree = makeTree();
  t.teardown(tree.cleanup);
  const home = tree.write('home/.expyre/config.json', { systems: { a: slurm(), b: slurm() } });
  const mid = tree.write('home/work/_expyre/config.json', { systems: { b: { host: 'user@cluster' } } });
  tree.mkdir('home/work/proj/_expyre'); // no config.json of its own
  tree.write('_expyre/config.json', { systems: { above_home: slurm() } }); // above $HOME: never read
  const cwd = tree.mkdir('home/work/proj/src/deep');
  const config = loadConfig({ cwd, env: {}, homeDir: tree.p('home') });
  t.deepEqual(config.files, [home, mid]);
  t.is(config.projectRoot, tree.p('home/work/proj/_expyre'));
  t.is(getSystem(config, 'b').host, 'user@cluster');
  t.is(getSystem(config, 'b').rundir, 'run_expyre');
  t.false(config.systems.has('above_home'));
  t.deepEqual(findConfigDirs({ cwd, env: {}, homeDir: tree.p('home') }), [tree.p('home/.expyre'), tree.p('home/work/_expyre'), tree.p('home/work/proj/_expyre')]);
});

test('~/.expyre is read first even when the cwd is outside $HOME', (t) => {
  const tree = makeTree();
  t.teardown(tree.cleanup);
  const home = tree.write('home/.expyre/config.json', { systems: { a: slurm(), b: slurm() } });
  const project = tree.write('scratch/proj/_expyre/config.json', { systems: { b: { scheduler: 'sge' } } });
  const config = loadConfig({ cwd: tree.p('scratch/proj'), env: {}, homeDir: tree.p('home') });
  t.deepEqual(config.files.slice(0, 1), [home]);
  t.is(config.files.at(-1), project);
  t.is(config.projectRoot, tree.p('scratch/proj/_expyre'));
  t.is(getSystem(config, 'b').scheduler, 'sge');
});

test('.expyre and _expyre in the same dir is an error naming the dir', (t) => {
  const tree = makeTree();
  t.teardown(tree.cleanup);
  tree.mkdir('home/proj/.expyre');
  tree.mkdir('home/proj/_expyre');
  const error = t.throws(() => loadConfig({ cwd: tree.p('home/proj'), env: {}, homeDir: tree.p('home') }), { instanceOf: ConfigError });
  t.is(error!.problems[0]!.file, tree.p('home/proj'));
  t.regex(error!.message, /found both \.expyre and _expyre in .*home\/proj; keep only one of them/);
});

test('EXPYRE_ROOT selects one dir and skips the walk and ~/.expyre', (t) => {
  const tree = makeTree();
  t.teardown(tree.cleanup);
  tree.write('home/.expyre/config.json', { systems: { from_home: slurm() } });
  const file = tree.write('elsewhere/cfg/config.json', { systems: { from_root: slurm() } });
  const cwd = tree.mkdir('home/proj');
  const config = loadConfig({ cwd, env: { EXPYRE_ROOT: '../../elsewhere/cfg' }, homeDir: tree.p('home') });
  t.deepEqual(config.files, [file]);
  t.is(config.projectRoot, tree.p('elsewhere/cfg'));
  t.deepEqual([...config.systems.keys()], ['from_root', 'local']);
});

test('EXPYRE_ROOT="@" means search from the cwd', (t) => {
  const tree = makeTree();
  t.teardown(tree.cleanup);
  const file = tree.write('home/.expyre/config.json', { systems: { from_home: slurm() } });
  t.deepEqual(loadConfig({ cwd: tree.p('home'), env: { EXPYRE_ROOT: '@' }, homeDir: tree.p('home') }).files, [file]);
});

test('EXPYRE_ROOT naming a missing dir is an error that says how to fix it', (t) => {
  const tree = makeTree();
  t.teardown(tree.cleanup);
  const error = t.throws(() => loadConfig({ cwd: tree.root, env: { EXPYRE_ROOT: 'nope' }, homeDir: tree.root }), { instanceOf: ConfigError });
  t.deepEqual(error!.problems.map((p) => p.file), ['$EXPYRE_ROOT']);
  t.regex(error!.message, /EXPYRE_ROOT="nope" is not an existing directory .*unset EXPYRE_ROOT/);
});

test('local_stage_dir overrides the project root, relative to the cwd', (t) => {
  const tree = makeTree();
  t.teardown(tree.cleanup);
  tree.write('home/proj/_expyre/config.json', { local_stage_dir: 'stage', remote_rundir_submit_hostname: 'login1' });
  const config = loadConfig({ cwd: tree.p('home/proj'), env: {}, homeDir: tree.p('home') });
  t.is(config.projectRoot, tree.p('home/proj/stage'));
  t.is(config.remoteRundirSubmitHostname, 'login1');
});

test('a deeper config overrides one partition leaf only (ExPyRe test_config_override)', (t) => {
  const tree = makeTree();
  t.teardown(tree.cleanup);
  tree.write('home/.expyre/config.json', fixture('expyre-dummy.config.json'));
  tree.write('home/proj/_expyre/config.json', fixture('override.config.json'));
  const config = loadConfig({ cwd: tree.p('home/proj'), env: {}, homeDir: tree.p('home') });
  const [debug, standard] = getSystem(config, '_sys_timelimited').partitions;
  t.like(debug, { name: 'debug', maxTimeS: 3600, numCores: 40 });
  t.like(standard, { name: 'standard', maxTimeS: 72 * 3600, numCores: 40, maxMemKb: 120 * 1024 ** 2 });
});

test('a system set to null in a deeper config is removed; "_DELETE_" removes a partition; lists are replaced', (t) => {
  const tree = makeTree();
  t.teardown(tree.cleanup);
  tree.write('home/.expyre/config.json', {
    systems: {
      gone: slurm(),
      kept: slurm({ commands: ['module load a', 'module load b'], partitions: { std: { num_cores: 8, max_time: '24h', max_mem: '32GB' }, big: { num_cores: 64, max_time: null, max_mem: null } } }),
    },
  });
  tree.write('home/proj/_expyre/config.json', { systems: { gone: null, kept: { commands: ['module load c'], partitions: { big: '_DELETE_', nothere: '_DELETE_' }, header: '_DELETE_' } } });
  const config = loadConfig({ cwd: tree.p('home/proj'), env: {}, homeDir: tree.p('home') });
  t.false(config.systems.has('gone'));
  const kept = getSystem(config, 'kept');
  t.deepEqual(kept.commands, ['module load c']);
  t.deepEqual(kept.partitions.map((p) => p.name), ['std'], '"_DELETE_" of a missing key adds nothing (B16 fixed)');
});

test('a system removed with null can be defined again deeper down', (t) => {
  const tree = makeTree();
  t.teardown(tree.cleanup);
  tree.write('home/.expyre/config.json', { systems: { s: null } });
  tree.write('home/proj/_expyre/config.json', { systems: { s: slurm() } });
  t.true(loadConfig({ cwd: tree.p('home/proj'), env: {}, homeDir: tree.p('home') }).systems.has('s'));
});

test('a JSON syntax error names the file, line and column', (t) => {
  const tree = makeTree();
  t.teardown(tree.cleanup);
  const file = tree.write('home/.expyre/config.json', '{\n  "systems": {\n    "a": { "host": null, }\n  }\n}\n');
  const error = t.throws(() => loadConfig({ cwd: tree.p('home'), env: {}, homeDir: tree.p('home') }), { instanceOf: ConfigError });
  t.like(error!.problems[0], { file, path: '', line: 3, column: 26 });
  t.true(error!.message.includes(`${file}:3:26: JSON syntax error: trailing comma before "}" (not allowed in JSON)`));
});

test('syntax errors in several files are all reported', (t) => {
  const tree = makeTree();
  t.teardown(tree.cleanup);
  const a = tree.write('home/.expyre/config.json', '{"systems": {');
  const b = tree.write('home/p/_expyre/config.json', "{'systems': {}}");
  const error = t.throws(() => loadConfig({ cwd: tree.p('home/p'), env: {}, homeDir: tree.p('home') }), { instanceOf: ConfigError });
  t.deepEqual(error!.problems.map((p) => [p.file, p.line, p.column]), [[a, 1, 14], [b, 1, 2]]);
});

test('a config.json that is not an object is an error', (t) => {
  const tree = makeTree();
  t.teardown(tree.cleanup);
  tree.write('home/.expyre/config.json', '[1, 2]');
  const error = t.throws(() => loadConfig({ cwd: tree.p('home'), env: {}, homeDir: tree.p('home') }), { instanceOf: ConfigError });
  t.regex(error!.message, /expected a JSON object such as \{"systems": \{\.\.\.\}\}; found \[1,2\]/);
});

test('getSystem names the known systems, a close match and the files read', (t) => {
  const tree = makeTree();
  t.teardown(tree.cleanup);
  const file = tree.write('home/.expyre/config.json', { systems: { archer2: slurm() } });
  const config = loadConfig({ cwd: tree.p('home'), env: {}, homeDir: tree.p('home') });
  const error = t.throws(() => getSystem(config, 'archer'), { instanceOf: UnknownSystemError });
  t.deepEqual(error!.knownSystems, ['archer2', 'local']);
  t.deepEqual(error!.files, [file]);
  t.is(error!.message, `Unknown system "archer". Did you mean "archer2"? Known systems: archer2, local; config files read: ${file}.`);
});

test('getSystem without any config file says where it looked', (t) => {
  const config = { projectRoot: '/x', files: [], systems: new Map([['local', defaultLocalSystem()]]), remoteRundirSubmitHostname: null };
  const error = t.throws(() => getSystem(config, 'cluster'), { instanceOf: UnknownSystemError });
  t.regex(error!.message, /Known systems: local; no config\.json was found \(looked in ~\/\.expyre/);
});

test('relative rundir of a host-null system is under the local home, as in ExPyRe; trailing slashes are dropped', (t) => {
  const tree = makeTree();
  t.teardown(tree.cleanup);
  tree.write('home/.expyre/config.json', { systems: { here: slurm({ rundir: 'scratch/xpr/' }), there: slurm({ host: 'u@h', rundir: 'scratch/xpr//' }), abs: slurm({ rundir: '/abs/dir/' }) } });
  const config = loadConfig({ cwd: tree.p('home'), env: {}, homeDir: tree.p('home') });
  t.is(getSystem(config, 'here').rundir, path.join(tree.p('home'), 'scratch/xpr'));
  t.is(getSystem(config, 'there').rundir, 'scratch/xpr');
  t.is(getSystem(config, 'abs').rundir, '/abs/dir');
});

test('remsh_cmd is split into argv without a shell; EXPYRE_RSH is the default for remote systems', (t) => {
  const tree = makeTree();
  t.teardown(tree.cleanup);
  tree.write('home/.expyre/config.json', {
    systems: {
      quoted: slurm({ host: 'u@h', remsh_cmd: `ssh -p 2222 -o "ProxyCommand=ssh -W %h:%p gw" -i '/my keys/id'` }),
      list: slurm({ host: 'u@h', remsh_cmd: ['ssh', '-o', 'A B'] }),
      env: slurm({ host: 'u@h' }),
      here: slurm(),
    },
  });
  const config = loadConfig({ cwd: tree.p('home'), env: { EXPYRE_RSH: 'ssh -q' }, homeDir: tree.p('home') });
  t.deepEqual(getSystem(config, 'quoted').remshCmd, ['ssh', '-p', '2222', '-o', 'ProxyCommand=ssh -W %h:%p gw', '-i', '/my keys/id']);
  t.deepEqual(getSystem(config, 'list').remshCmd, ['ssh', '-o', 'A B']);
  t.deepEqual(getSystem(config, 'env').remshCmd, ['ssh', '-q']);
  t.is(getSystem(config, 'here').remshCmd, null);
  const plain = loadConfig({ cwd: tree.p('home'), env: {}, homeDir: tree.p('home') });
  t.is(getSystem(plain, 'env').remshCmd, null, 'no remsh_cmd and no EXPYRE_RSH: native ssh2');
});
