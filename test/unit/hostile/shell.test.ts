// Hostile input reaching a shell: job names, env values, run dirs, input file names, partition names, header lines
// and pre_submit_cmds data carrying `$(...)`, backticks, quotes, `;`, newlines, spaces and leading `-`. Every generated
// line is RUN by bash here; a canary file proves that no payload ran, and values must arrive byte for byte.
import test from 'ava';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, existsSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { quote, quoteArgv } from '../../../src/transport/quote.ts';
import { renderJobBody, normalizeEnvVars } from '../../../src/system/job-script.ts';
import { sanitizeJobName, makeJobId } from '../../../src/job/ids.ts';
import { preSubmit } from '../../../src/system/system-ops.ts';
import { resolveInputFiles, prepareJob } from '../../../src/job/spec.ts';
import { packEntries, unpackInto } from '../../../src/system/tar-stream.ts';
import { JobOptionError } from '../../../src/job/errors.ts';
import { makeScheduler } from '../../../src/scheduler/index.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { ConfigError } from '../../../src/config/errors.ts';
import { findPartition, normalizeResources } from '../../../src/resources/resources.ts';
import { add } from '../../fixtures/ops/basic.ts';

const scratch = mkdtempSync(join(tmpdir(), 'xpr-hostile-'));
const CANARY = join(scratch, 'canary');

// Payloads that would create the canary if any shell evaluated them.
const PAYLOADS: Record<string, string> = {
  'command substitution': `$(touch ${CANARY})`,
  backticks: `\`touch ${CANARY}\``,
  'single quote breakout': `'; touch ${CANARY}; echo '`,
  'double quote breakout': `"; touch ${CANARY}; echo "`,
  semicolon: `x; touch ${CANARY}`,
  newline: `x\ntouch ${CANARY}`,
  'spaces and glob': `a b * ?`,
  'leading dash': `-rf --help`,
  'ANSI-C and arithmetic': `$'\\x41' $((1+1)) $[1]`,
  'pipes and redirects': `x | touch ${CANARY} > /dev/null & wait`,
};

function bash(script: string, cwd = scratch): { stdout: string; status: number | null; stderr: string } {
  const r = spawnSync('bash', ['-c', script], { cwd, encoding: 'utf8', env: { ...process.env, BASH_ENV: '' } });
  return { stdout: r.stdout, status: r.status, stderr: r.stderr };
}

function noCanary(t: { false: (v: boolean, m?: string) => void }, what: string): void {
  t.false(existsSync(CANARY), `a payload ran (${what})`);
  rmSync(CANARY, { force: true });
}

for (const [kind, payload] of Object.entries(PAYLOADS)) {
  test.serial(`quote(): ${kind} arrives as one verbatim argument`, (t) => {
    const r = bash(`printf '%s\\0' ${quoteArgv(['first', payload, 'last'])}`);
    t.deepEqual(r.stdout.split('\0').slice(0, -1), ['first', payload, 'last']);
    noCanary(t, kind);
  });
}

test.serial('env var values (object form) with every payload reach the job verbatim; nothing runs', (t) => {
  const dir = mkdtempSync(join(scratch, 'env-'));
  const names = Object.keys(PAYLOADS).map((_, i) => `V${i}`);
  const envVars = normalizeEnvVars(Object.fromEntries(names.map((n, i) => [n, Object.values(PAYLOADS)[i]!])));
  const body = renderJobBody({
    jobId: 'j', jobDir: dir, runnerPath: 'runner.mjs', nodeCmd: 'true', fit: { partition: { name: 'p', schedulerName: 'p', numCores: 1, maxTimeS: null, maxMemKb: null, header: [] }, numNodes: 1, numCores: 1, numCoresPerNode: 1, maxTimeS: 600 },
    systemCommands: [], preCmds: [], envVars,
    postCmds: names.map((n) => `printf '%s\\0' "$${n}" >> values`),
  });
  t.is(bash(body).status, 0);
  t.deepEqual(readFileSync(join(dir, 'values'), 'utf8').split('\0').slice(0, -1), Object.values(PAYLOADS));
  noCanary(t, 'env values');
});

for (const [value, problem] of [[`$(touch ${CANARY})`, /command substitution/], [`\`touch ${CANARY}\``, /command substitution/], ['"unterminated', /unterminated double quote/], ['$1', /special parameter/]] as const) {
  test(`env var values in "NAME=value" form: ${JSON.stringify(value)} is refused naming the entry`, (t) => {
    const err = t.throws(() => normalizeEnvVars([`OK=1`, `BAD=${value}`]), { instanceOf: JobOptionError });
    t.is(err.option, 'env_vars.BAD');
    t.regex(err.message, problem);
  });
}

test('env var names that are not shell names are refused naming them', (t) => {
  for (const name of ['A;touch x', '$(x)', '-x', 'A B', '1A', 'A\nB']) {
    const err = t.throws(() => normalizeEnvVars({ [name]: 'v' }), { instanceOf: JobOptionError });
    t.true(err.message.includes(JSON.stringify(name)), err.message);
  }
});

test('job names with shell metacharacters become safe ids (letters first, no leading dash)', (t) => {
  for (const name of [...Object.values(PAYLOADS), '--partition=evil', '-', '']) {
    const id = makeJobId(sanitizeJobName(name), 'ab'.repeat(32));
    t.regex(id, /^[A-Za-z][A-Za-z0-9_-]*$/, JSON.stringify(name));
    t.is(quote(id), id, 'the id needs no quoting anywhere');
  }
});

test.serial('a run dir (job dir) full of metacharacters: the job script cds into it and runs there, nothing else runs', (t) => {
  const dir = join(scratch, `run $(touch ${CANARY}) \`x\` ; 'q' "d"\nnl -x`);
  mkdirSync(dir, { recursive: true });
  const body = renderJobBody({
    jobId: 'j', jobDir: dir, runnerPath: `${dir}/runner.mjs`, nodeCmd: 'true',
    fit: { partition: { name: 'p', schedulerName: 'p', numCores: 1, maxTimeS: null, maxMemKb: null, header: [] }, numNodes: 1, numCores: 1, numCoresPerNode: 1, maxTimeS: 600 },
    systemCommands: [], preCmds: [], postCmds: [], envVars: [],
  });
  t.is(bash(body).status, 0);
  t.is(readFileSync(join(dir, '_xpr_exit'), 'utf8'), '0\n');
  t.true(existsSync(join(dir, '_xpr_started')));
  noCanary(t, 'run dir');
});

test.serial('pre_submit_cmds tokens are data: operators stay operators, payloads stay words', (t) => {
  const [line] = preSubmit(['printf', '%s\\n', PAYLOADS['command substitution']!, ';', 'printf', '%s\\n', PAYLOADS.backticks!, '&&', `A=${PAYLOADS.semicolon}`, 'printf', 'ok\\n']);
  const r = bash(line!);
  t.is(r.stdout, `${PAYLOADS['command substitution']}\n${PAYLOADS.backticks}\nok\n`);
  noCanary(t, 'pre_submit_cmds');
});

test.serial('input file names with metacharacters are staged by tar byte for byte (and hashed), nothing runs', async (t) => {
  const cwd = mkdtempSync(join(scratch, 'inputs-'));
  const names = ['$(touch CANARY)', '`touch CANARY`', "q'uote", 'd"q', 'semi;colon', 'new\nline', 'sp ace', '-rf', '--checkpoint-action=exec=touch CANARY'].map((n) => n.replaceAll('CANARY', CANARY.replaceAll('/', '_')));
  for (const n of names) writeFileSync(join(cwd, n), `content of ${n}`);
  const files = await resolveInputFiles(names.map((n) => n.replace(/[*?[\]{}()!]/g, '\\$&')), cwd);
  t.deepEqual(files.map((f) => f.rel).sort(), [...names].sort());
  // pack as staging does (job dir entries relative to the stage base), unpack as the remote does
  const stage = mkdtempSync(join(scratch, 'stage-'));
  mkdirSync(join(stage, 'job1'));
  for (const n of names) writeFileSync(join(stage, 'job1', n), `content of ${n}`);
  const chunks: Buffer[] = [];
  for await (const c of packEntries(stage, ['job1'])) chunks.push(c as Buffer);
  const dest = mkdtempSync(join(scratch, 'dest-'));
  await unpackInto(dest, Buffer.concat(chunks));
  t.deepEqual(readdirSync(join(dest, 'job1')).sort(), [...names].sort());
  for (const n of names) t.is(readFileSync(join(dest, 'job1', n), 'utf8'), `content of ${n}`);
  t.false(existsSync(join(scratch, CANARY.replaceAll('/', '_'))));
  noCanary(t, 'input files');
});

test('output_files globs that leave the job dir are refused when the job is defined', async (t) => {
  for (const glob of ['../secret/*', '/etc/passwd', 'a/../../b']) {
    const err = await t.throwsAsync(prepareJob({ op: add, args: [1, 2], outputFiles: [glob], cwd: scratch }), { instanceOf: JobOptionError });
    t.is(err.option, 'output_files');
    t.true(err.message.includes(JSON.stringify(glob)));
  }
});

// A config whose partition (scheduler name) or header lines try to smuggle a command into the job script.
function configWith(dir: string, system: unknown): string {
  const root = join(dir, '_expyre');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'config.json'), JSON.stringify({ systems: { c: system } }));
  return root;
}

for (const [what, partitionName] of [
  ['a newline', `debug\ntouch ${CANARY}`],
  ['a space (extra scheduler options)', 'debug -o /etc/cron.d/x'],
  ['command substitution', `$(touch ${CANARY})`],
  ['a semicolon', `debug;touch ${CANARY}`],
] as const) {
  test.serial(`a partition name with ${what} is refused by config validation naming the key`, (t) => {
    const dir = mkdtempSync(join(scratch, 'cfg-'));
    const root = configWith(dir, { host: null, scheduler: 'slurm', partitions: { std: { num_cores: 4, max_time: '1h', max_mem: '1GB', partition: partitionName } } });
    const err = t.throws(() => loadConfig({ cwd: dir, env: { EXPYRE_ROOT: root }, homeDir: dir }), { instanceOf: ConfigError });
    t.true(err.message.includes('systems.c.partitions.std.partition'), err.message);
    t.true(err.message.includes(join(root, 'config.json')));
  });
}

test.serial('a partition key with a newline is refused too (it is the scheduler name when "partition" is absent)', (t) => {
  const dir = mkdtempSync(join(scratch, 'cfg-'));
  const root = configWith(dir, { host: null, scheduler: 'sge', partitions: { [`all.q\ntouch ${CANARY}`]: { num_cores: 4, max_time: '1h', max_mem: '1GB' } } });
  const err = t.throws(() => loadConfig({ cwd: dir, env: { EXPYRE_ROOT: root }, homeDir: dir }), { instanceOf: ConfigError });
  t.regex(err.message, /systems\.c\.partitions\["all\.q\\ntouch .*"\]\.partition: a partition name is one word/);
});

test.serial('header lines with a newline are refused by config validation naming the line', (t) => {
  const dir = mkdtempSync(join(scratch, 'cfg-'));
  const root = configWith(dir, { host: null, scheduler: 'slurm', header: ['#SBATCH --qos=normal', `#SBATCH --x\ntouch ${CANARY}`], partitions: { std: { num_cores: 4, max_time: '1h', max_mem: '1GB' } } });
  const err = t.throws(() => loadConfig({ cwd: dir, env: { EXPYRE_ROOT: root }, homeDir: dir }), { instanceOf: ConfigError });
  t.true(err.message.includes('systems.c.header[1]'), err.message);
});

test.serial('a rendered Slurm script for a config with odd but valid names runs no payload', (t) => {
  const dir = mkdtempSync(join(scratch, 'slurm-'));
  const root = configWith(dir, { host: null, scheduler: 'slurm', rundir: `${dir}/r $(touch ${CANARY})`, header: ['#SBATCH --partition={partition}'], partitions: { std: { num_cores: 4, max_time: '1h', max_mem: '1GB', partition: 'debug-1.x@y' } } });
  const config = loadConfig({ cwd: dir, env: { EXPYRE_ROOT: root }, homeDir: dir });
  const sys = config.systems.get('c')!;
  const fit = findPartition(normalizeResources({ num_cores: 1, max_time: '10m' }), sys.partitions, { exactFit: false, partialNode: true }, 'c');
  const jobDir = join(sys.rundir!, 'j');
  mkdirSync(jobDir, { recursive: true });
  const scheduler = makeScheduler(sys, { queueDir: dir, queueScriptPath: join(dir, 'q.sh'), totalSlots: 1 });
  const body = renderJobBody({ jobId: 'j', jobDir, runnerPath: 'r.mjs', nodeCmd: 'true', fit, systemCommands: [], preCmds: [], postCmds: [], envVars: [] });
  const script = scheduler.renderScript({ jobId: 'j', system: sys, fit, headerExtra: [], envHeaderExtra: [], jobDir, stdoutFile: 'o', stderrFile: 'e', body });
  t.regex(script, /^#SBATCH --partition=debug-1\.x@y$/m);
  t.is(bash(script).status, 0);
  t.true(existsSync(join(jobDir, '_xpr_exit')));
  noCanary(t, 'slurm script');
});
