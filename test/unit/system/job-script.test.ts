// Job script bodies: env var values are quoted except ${VAR} references; names are validated; ids are safe.
import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizeEnvVars, renderJobBody } from '../../../src/system/job-script.ts';
import { renderEnvValue } from '../../../src/system/env-value.ts';
import { quote } from '../../../src/transport/quote.ts';
import { sanitizeJobName, makeJobId } from '../../../src/job/ids.ts';
import { JobOptionError } from '../../../src/job/errors.ts';

const evalInBash = (value: string, env: Record<string, string> = {}, form: 'literal' | 'word' = 'literal'): string =>
  execFileSync('bash', ['-c', `X=${renderEnvValue(value, form, 'test')}; printf %s "$X"`], { env: { PATH: process.env.PATH, ...env } }).toString();
const bashWord = (word: string, env: Record<string, string> = {}): string =>
  execFileSync('bash', ['-c', `X=${word}; printf %s "$X"`], { env: { PATH: process.env.PATH, ...env } }).toString();

for (const hostile of ["it's", '$(touch /tmp/xpr-pwned)', '`id`', 'a;b', 'a\nb', '*', '', ' spaced ', '"double"', '\\back', 'ünïcødé']) {
  test(`env var value ${JSON.stringify(hostile)} arrives verbatim`, (t) => {
    t.is(evalInBash(hostile), hostile);
  });
}

test('object form: only ${NAME} references are expanded on the node; a bare $NAME is literal text', (t) => {
  t.is(evalInBash('n=${EXPYRE_NUM_CORES_PER_NODE}/$HOME_X!', { EXPYRE_NUM_CORES_PER_NODE: '16', HOME_X: 'h' }), 'n=16/$HOME_X!');
});

test('object form: {A: "pa$word"} arrives as pa$word (a password is not cut at its $)', (t) => {
  const [v] = normalizeEnvVars({ A: 'pa$word' });
  t.is(evalInBash(v!.value, { word: 'X' }, v!.form), 'pa$word');
  for (const value of ['$1', '$$', 'cost $5', '$(id)', '${', '$}', 'a$b${c']) t.is(evalInBash(value), value, value);
});

test('list-form values are read as a shell word, as ExPyRe\'s `export` did (quotes removed, references expanded)', (t) => {
  const env = { EXPYRE_NCORES_PER_NODE: '16', HOME: '/h' };
  for (const word of [`'{ "ncore": '\${EXPYRE_NCORES_PER_NODE}'}'`, '"a b $HOME"', "'$HOME'", 'a\\ b', 'x"$HOME"y', '$', 'cost\\$5', '']) {
    t.is(evalInBash(word, env, 'word'), bashWord(word, env), word);
  }
  t.is(evalInBash(`'{ "ncore": '\${EXPYRE_NCORES_PER_NODE}'}'`, env, 'word'), '{ "ncore": 16}');
});

test('list-form values never run commands: $(...) and backticks are refused with the entry named', (t) => {
  for (const word of ['$(id)', '`id`', '"$(id)"', '${HOME:-x}', "'unterminated", 'cost$5', '$$']) {
    t.throws(() => normalizeEnvVars([`X=${word}`]), { instanceOf: JobOptionError, message: /env_vars\.X/ }, word);
  }
});

test('env_vars as a list or an object; an entry without "=" or a bad name is an error', (t) => {
  t.deepEqual(normalizeEnvVars(['A=1', 'B=x=y']), [{ name: 'A', value: '1', form: 'word' }, { name: 'B', value: 'x=y', form: 'word' }]);
  t.deepEqual(normalizeEnvVars({ A: '1' }), [{ name: 'A', value: '1', form: 'literal' }]);
  t.throws(() => normalizeEnvVars(['OMP_NUM_THREADS']), { instanceOf: JobOptionError, message: /env_vars\[0\].*NAME=value/ });
  t.throws(() => normalizeEnvVars({ 'BAD NAME': 'x' }), { instanceOf: JobOptionError, message: /not a valid environment variable name/ });
});

test('job names are reduced to scheduler-safe characters and ids are padding-free', (t) => {
  t.is(sanitizeJobName('my job; rm -rf /'), 'my_job_rm_-rf');
  t.is(sanitizeJobName('42abc'), 'abc');
  t.is(sanitizeJobName('!!!'), 'job');
  const id = makeJobId('relax', 'ab'.repeat(32));
  t.regex(id, /^relax_[a-z2-7]{12}_[a-z2-7]{4}$/);
});

test('the runner runs without --enable-source-maps: it maps stacks lazily itself (pool/stack-maps.ts)', (t) => {
  const body = renderJobBody({
    jobId: 'j1', jobDir: '/base/j1', runnerPath: '/base/_code/runner-x.mjs', nodeCmd: 'node',
    fit: { partition: { name: 'p', schedulerName: 'p', numCores: 1, maxTimeS: null, maxMemKb: null, header: [] }, numNodes: 1, numCores: 1, numCoresPerNode: 1, maxTimeS: 600 },
    systemCommands: [], preCmds: [], postCmds: [], envVars: [],
  });
  t.regex(body, /^xpr_job_run node \/base\/_code\/runner-x\.mjs \/base\/j1$/m);
  t.notRegex(body, /source-maps/);
});

const FIT1 = { partition: { name: 'p', schedulerName: 'p', numCores: 1, maxTimeS: null, maxMemKb: null, header: [] }, numNodes: 2, numCores: 8, numCoresPerNode: 4, maxTimeS: 600 };

test('a job body runs under POSIX sh as under bash: started mark, EXPYRE_NUM_* and XPR_JOB_ID, secret env read and deleted, output and exit code in the job dir wherever the user\'s lines cd', (t) => {
  for (const shell of ['sh', 'bash']) {
    const dir = mkdtempSync(join(tmpdir(), 'xpr-body-'));
    writeFileSync(join(dir, '.xpr_secret_env'), "export TOKEN='s3 cret'\n", { mode: 0o600 });
    writeFileSync(join(dir, 'op.sh'), 'printf "%s|%s|%s|%s|%s|%s|%s\\n" "$EXPYRE_NUM_NODES" "$EXPYRE_NUM_CORES" "$EXPYRE_NUM_CORES_PER_NODE" "$EXPYRE_NCORES" "$XPR_JOB_ID" "$TOKEN" "$1"; echo oops >&2; exit 3\n');
    const body = renderJobBody({
      jobId: 'j_1', jobDir: dir, runnerPath: join(dir, 'op.sh'), nodeCmd: 'sh', fit: FIT1, readSecretEnv: true,
      systemCommands: ['cd /'], preCmds: [`cd ${quote(tmpdir())}`], postCmds: [`echo "post $xpr_rc" > ${quote(join(dir, 'post.txt'))}`, 'cd /'], envVars: [],
    });
    const res = spawnSync(shell, ['-c', body], { encoding: 'utf8' });
    t.is(res.status, 3, `${shell}: ${res.stderr}`);
    t.true(existsSync(join(dir, '_xpr_started')), shell);
    t.false(existsSync(join(dir, '.xpr_secret_env')), `${shell}: the secret env file is deleted`);
    t.is(readFileSync(join(dir, '_xpr_stdout'), 'utf8'), `2|8|4|8|j_1|s3 cret|${dir}\n`, shell);
    t.is(readFileSync(join(dir, '_xpr_stderr'), 'utf8'), 'oops\n', shell);
    t.is(readFileSync(join(dir, 'post.txt'), 'utf8'), 'post 3\n', `${shell}: post_cmds see the runner's exit code`);
    t.is(readFileSync(join(dir, '_xpr_exit'), 'utf8'), '3\n', `${shell}: written in the job dir though post_cmds left it`);
  }
});

test('a job script carries only the file names job.sh reads, and no secret-env step unless the job has secrets', (t) => {
  const body = renderJobBody({ jobId: 'j', jobDir: '/b/j', runnerPath: '/b/r.mjs', nodeCmd: 'node', fit: FIT1, systemCommands: [], preCmds: [], postCmds: [], envVars: [] });
  const names = [...body.matchAll(/^(XPR_[A-Z_]+)=/gm)].map((m) => m[1]).sort();
  t.deepEqual(names, ['XPR_JOB_EXIT', 'XPR_JOB_SECRET_ENV', 'XPR_JOB_STARTED', 'XPR_JOB_STDERR', 'XPR_JOB_STDOUT']);
  t.notRegex(body, /^xpr_job_secret_env /m);
  t.regex(body, /^xpr_job_start \/b\/j j 2 8 4$/m);
});
