// The shell xpr runs lives in .sh files under src/ (src/system/shell/, src/scheduler/shell/, src/scheduler/local-queue.sh), where shellcheck
// sees it: every one passes `shellcheck -s bash` with no finding at all, opens with a two-line comment saying what it
// owns, and spells no job-dir or base-dir file name (those come from runner/contract.ts as $XPR_* variables; see
// also test/unit/runner/file-names.test.ts).
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArrayFiles, BaseFiles, JobFiles } from '../../../src/runner/contract.ts';
import { shellNames, shellNamesBlock } from '../../../src/system/shell-files.ts';
import type { SystemSession } from '../../../src/system/session.ts';

const SRC = fileURLToPath(new URL('../../../src', import.meta.url));
const SH_FILES = (readdirSync(SRC, { recursive: true, encoding: 'utf8' })).filter((rel) => rel.endsWith('.sh')).sort();

test('the .sh files are found (src/system/shell/, src/scheduler/shell/ and the local queue)', (t) => {
  t.true(SH_FILES.includes('scheduler/local-queue.sh'));
  for (const name of ['exit-marker', 'exit-marker-stdout', 'local-find', 'sge-qacct']) t.true(SH_FILES.includes(`scheduler/shell/${name}.sh`), name);
  for (const name of ['lib', 'submit', 'array', 'poll', 'fetch', 'remove', 'secret-env', 'job', 'run-stdin', 'stdin-program', 'stage', 'base-dir']) t.true(SH_FILES.includes(`system/shell/${name}.sh`), name);
});

test('shellcheck -s bash finds nothing in any .sh file under src/', (t) => {
  const version = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    t.fail(`shellcheck is not installed (${version.error?.message ?? `exit ${version.status}`}): apt-get install shellcheck ` +
      '(test/run-all.sh installs it when it is missing)');
    return;
  }
  // Every severity counts (style too); -x follows nothing: each file stands alone, as it is checked here.
  const res = spawnSync('shellcheck', ['-s', 'bash', '-S', 'style', ...SH_FILES], { cwd: SRC, encoding: 'utf8' });
  t.is(res.stdout + res.stderr, '', 'shellcheck findings');
  t.is(res.status, 0);
  // The programs the schedulers run with `sh -c` are checked as POSIX sh too.
  const sh = SH_FILES.filter((rel) => /^# shellcheck shell=sh$/m.test(readFileSync(join(SRC, rel), 'utf8')));
  t.true(sh.length >= 4, sh.join(', '));
  const posix = spawnSync('shellcheck', ['-S', 'style', ...sh], { cwd: SRC, encoding: 'utf8' });
  t.is(posix.stdout + posix.stderr, '', 'shellcheck findings (sh)');
  t.is(posix.status, 0);
});

test('the exit-code wrapper (scheduler/shell/exit-marker*.sh) prints the marker splitExitMarker reads', async (t) => {
  const { splitExitMarker, withExitMarker } = await import('../../../src/scheduler/common.ts');
  for (const keepStderr of [false, true]) {
    const [cmd, ...args] = withExitMarker(['sh', '-c', 'echo out; echo err >&2; exit 3'], { keepStderr });
    const res = spawnSync(cmd!, args, { encoding: 'utf8' });
    t.deepEqual(splitExitMarker(res.stdout), { text: keepStderr ? 'out\n' : 'out\nerr\n', rc: 3 });
  }
});

test('every .sh file opens (after an optional #!) with a two-line comment saying what it owns', (t) => {
  for (const rel of SH_FILES) {
    const lines = readFileSync(join(SRC, rel), 'utf8').split('\n');
    const head = lines[0]!.startsWith('#!') ? lines.slice(1, 3) : lines.slice(0, 2);
    t.true(head.length === 2 && head.every((l) => /^# \S/.test(l) && !/^# shellcheck /.test(l)), `${rel}: ${JSON.stringify(head)}`);
  }
});

// Contract names distinctive enough to search for (`jobs`, the array dir's job list, is a common word; the .sh files
// reach it as $XPR_ARRAY_JOBS like every other name, which the next test checks).
const DISTINCT = [...Object.values(JobFiles), ...Object.values(BaseFiles), ...Object.values(ArrayFiles)].filter((n) => /[._-]/.test(n));
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const spelled = (code: string): string[] =>
  [...new Set(DISTINCT.filter((n) => new RegExp(`(?<![A-Za-z0-9_.-])${escape(n)}(?![A-Za-z0-9_-])`).test(code)))];

test('no .sh file spells a file name of runner/contract.ts; every $XPR_JOB_/BASE_/ARRAY_ variable it reads is in the generated names block', (t) => {
  t.true(DISTINCT.length >= 20);
  const names = shellNames();
  for (const rel of SH_FILES) {
    const code = readFileSync(join(SRC, rel), 'utf8').split('\n').map((l) => l.replace(/(^|\s)#.*$/, '')).join('\n');
    t.deepEqual(spelled(code), [], `${rel} spells contract names`);
    const used = [...code.matchAll(/\$\{?(XPR_(?:JOB|BASE|ARRAY)_[A-Z0-9_]*)/g)].map((m) => m[1]!);
    t.deepEqual(used.filter((v) => !names.has(v)), [], `${rel} reads names the block does not set`);
  }
  // the block sets each name of the contract once, to its value
  t.is(names.size, Object.keys(JobFiles).length + Object.keys(BaseFiles).length + Object.keys(ArrayFiles).length);
  t.is(names.get('XPR_JOB_SCHEDULER_ID'), JobFiles.schedulerId);
  t.is(names.get('XPR_ARRAY_SUBMIT_ERR'), ArrayFiles.submitErr);
  const set = spawnSync('bash', ['-c', `${shellNamesBlock().join('\n')}\nprintf '%s\\n' "$XPR_JOB_SUBMITTING" "$XPR_BASE_ARRAYS" "$XPR_JOB_SCHED_STDOUT"`], { encoding: 'utf8' });
  t.is(set.stdout, `${JobFiles.submitting}\n${BaseFiles.arrays}\n${JobFiles.schedStdout}\n`);
});

// The job scripts are rendered per job (the scheduler's header, then job-script.ts's body; an array's script runs its
// task's own job script): shellcheck sees them as the queue gets them. User shell lines (commands, pre/post_cmds) are
// plain here, so what is checked is xpr's own part.
test('the job scripts xpr renders (each scheduler, with env vars, secret env, pre/post commands; an array\'s script) pass shellcheck', async (t) => {
  const { renderJobScript } = await import('../../../src/system/job-script.ts');
  const { planArrays, renderArrayScript } = await import('../../../src/system/array.ts');
  const { SlurmScheduler } = await import('../../../src/scheduler/slurm.ts');
  const { SgeScheduler } = await import('../../../src/scheduler/sge.ts');
  const { PbsScheduler } = await import('../../../src/scheduler/pbs.ts');
  const { LocalScheduler } = await import('../../../src/scheduler/local.ts');
  const { fit, system } = await import('../scheduler/_helpers.ts');
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'xpr-shellcheck-'));
  const files: string[] = [];
  const backends = [new SlurmScheduler(), new SgeScheduler(), new PbsScheduler(), new LocalScheduler({ queueDir: '/q', queueScriptPath: '/q.sh', totalSlots: 1 })];
  for (const scheduler of backends) {
    const session = { system: system({ scheduler: scheduler.kind, commands: ['module load nodejs'] }), scheduler, base: '/home/u/run xpr/p1' } as unknown as SystemSession;
    const f = fit({ numNodes: 1, numCores: 4, numCoresPerNode: 16 });
    const { text } = renderJobScript(session, 'relax_Ab3dE5fG7hJ9_x2Yz', {
      fit: f, headerExtra: [], envHeaderExtra: [], runnerFileName: 'runner-0123.mjs',
      envVars: [{ name: 'A', value: 'x $y', form: 'literal' }, { name: 'B', value: '"$HOME/q"', form: 'word' }],
      secretEnvNames: ['TOKEN'], preCmds: ['echo pre'], postCmds: ['echo post'],
    });
    files.push(join(dir, `${scheduler.kind}.job.sh`));
    writeFileSync(files.at(-1)!, text);
    if (scheduler.kind === 'local') continue;
    const jobs = ['a_chunk_0_Ab3dE5fG7hJ9_x2Yz', 'a_chunk_1_Ab3dE5fG7hJ9_x2Yz'].map((id) => ({ id, jobDir: `${session.base}/${id}`, argv: ['true'] }));
    const { parts } = planArrays(session, jobs, 10);
    files.push(join(dir, `${scheduler.kind}.array.sh`));
    writeFileSync(files.at(-1)!, renderArrayScript(session, parts[0]!, { asked: true, fit: f, headerExtra: [], envHeaderExtra: [], fresh: new Set() }));
  }
  // One finding is the design: SC2016, a literal env value is single-quoted so that a `$` in it stays a `$`. (The secret
  // env file, sourced though not there to follow, carries its own directive from job.sh.)
  const res = spawnSync('shellcheck', ['-s', 'bash', '-S', 'style', '-e', 'SC2016', ...files], { encoding: 'utf8' });
  if (res.error) return t.fail(`shellcheck could not run (${res.error.message}): apt-get install shellcheck`);
  t.is(res.stdout + res.stderr, '', 'shellcheck findings');
  t.is(res.status, 0);
});
