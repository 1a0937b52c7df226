// Secrets and trust on the real job path: env values marked secret reach the job but are never written to the job store,
// the local stage dir, the job script or the logs (checked by grepping them all); stage dirs are 0700 here and on the
// system; an unknown or changed host key is refused by default, also through the user's OpenSSH (remsh_cmd).
import test from 'ava';
import { readFileSync, readdirSync, statSync, existsSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { runJob, RemoteJob, autoparallelize } from '../../src/index.ts';
import { OpenSshTransport, UnknownHostKeyError } from '../../src/transport/index.ts';
import { jobDirFacts, envDigests } from './fixtures/hostile-ops.ts';
import { clusterEnv, clusterProject } from '../helpers/cluster.ts';

const res = { num_cores: 1, max_time: '10m' };

// Every file under dir (following no symlinks) whose bytes contain needle.
function filesContaining(dir: string, needle: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true }).map(String).map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile() && readFileSync(f).includes(needle));
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

for (const [system, needs] of [['slurm_ssh', 'slurm'], ['local', null]] as const) {
  test.serial(`${system}: a secret env value reaches the job but no store, stage dir, script or log; stage dirs are 0700`, async (t) => {
    const c = clusterEnv(t, needs ? [needs] : []);
    if (!c) return;
    const p = clusterProject(c);
    const ctx = p.context({ XPR_TIMING: '1' }); // the most talkative logging
    const secret = `tok-${randomBytes(12).toString('hex')}-$HOME'"\`x\``;
    try {
      const facts = await runJob<ReturnType<typeof jobDirFacts>>({
        op: jobDirFacts, args: [['API_TOKEN', 'PLAIN']],
        envVars: { API_TOKEN: secret, PLAIN: 'visible' }, secretEnvVars: ['API_TOKEN'],
        system, resources: res, partialNode: true, checkIntervalS: 1, context: ctx,
      });
      t.is(facts.env.API_TOKEN, sha256(secret), 'the job got the secret, verbatim (no expansion)');
      t.is(facts.env.PLAIN, sha256('visible'));
      t.false(facts.secretFileLeft, 'the job removed the secret file before the op ran');
      t.is(facts.mode, '700', 'the job dir on the system is 0700');
      t.is(facts.parentMode, '700', 'the run dir on the system is 0700');

      const [row] = ctx.store.list();
      t.deepEqual(row!.details.secretEnvVars, ['API_TOKEN'], 'only the name is recorded');
      // the store (with its WAL), the whole project root (stage dirs, scripts, queue records) and the log lines
      t.deepEqual(filesContaining(p.root, secret), []);
      t.deepEqual(filesContaining(p.root, secret.slice(0, 28)), [], 'not even a prefix');
      t.true(filesContaining(p.root, 'export PLAIN=visible').length > 0, 'the check finds a value that is stored (the plain env var, in the job script)');
      t.false(p.logLines.join('').includes(secret.slice(0, 28)));
      t.false(JSON.stringify(ctx.store.events(row!.id)).includes(secret.slice(0, 28)));

      const session = await ctx.session(system);
      t.is(mode(session.localBase), '700', 'local stage base');
      t.is(mode(row!.stageDir), '700', 'local job stage dir');
      t.is(mode(join(session.localBase, '_code')), '700', 'local code dir');
      if (!session.sharesFs) {
        const left = await session.transport.exec(['grep', '-rlF', '--', secret.slice(0, 28), row!.runDir]);
        t.is(left.code, 1, `nothing in the job dir on the system holds the secret: ${left.stdout}`);
        const modes = await session.transport.exec(['stat', '-c', '%a %n', session.base, row!.runDir, `${session.base}/_code`]);
        t.deepEqual(modes.stdout.toString().trim().split('\n').map((l) => l.split(' ')[0]), ['700', '700', '700'], modes.stdout.toString());
      }
    } finally {
      await ctx.close();
    }
  });
}

test.serial('an unknown host key is refused by default on the job path: nothing is staged or submitted', async (t) => {
  const c = clusterEnv(t, ['slurm']);
  if (!c) return;
  const p = clusterProject(c);
  // The user's own ssh config for the alias, with OpenSSH's defaults for host keys, and a host never connected to.
  const config = readFileSync(join(p.dir, '.ssh', 'config'), 'utf8').split('\n').filter((l) => !/UserKnownHostsFile|StrictHostKeyChecking/i.test(l));
  writeFileSync(join(p.dir, '.ssh', 'config'), config.join('\n'));
  writeFileSync(join(p.dir, '.ssh', 'known_hosts'), '');
  const ctx = p.context();
  try {
    const job = await RemoteJob.create({ op: jobDirFacts, args: [[]] }, ctx);
    const err = await t.throwsAsync(job.start({ system: 'slurm_ssh', resources: res, partialNode: true }));
    t.true(err instanceof UnknownHostKeyError, `${err.name}: ${err.message}`);
    t.regex(err.message, /SHA256:/);
    t.deepEqual(ctx.store.list().filter((r) => r.state !== 'created'), [], 'nothing was staged or submitted');
  } finally {
    await ctx.close();
  }
});

test.serial('OpenSSH transport (remsh_cmd): an unknown or a changed host key is refused, never accepted silently', async (t) => {
  const c = clusterEnv(t, []);
  if (!c) return;
  const dir = mkdtempSync(join(tmpdir(), 'xpr-kh-'));
  const kh = join(dir, 'known_hosts');
  const ssh = (file: string) => new OpenSshTransport({
    host: `${c.user}@${c.host}`, controlDir: dir,
    remshCmd: ['ssh', '-F', '/dev/null', '-p', c.port, '-i', c.key, '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${file}`, '-o', 'GlobalKnownHostsFile=/dev/null'],
  });
  writeFileSync(kh, '');
  const unknown = ssh(kh);
  const e1 = await t.throwsAsync(unknown.exec(['touch', join(dir, 'ran')]));
  t.regex(e1.message, /Host key verification failed|host key/i);
  await unknown.close();
  t.is(readFileSync(kh, 'utf8'), '', 'the unknown key was not added');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'other')]);
  const otherPub = readFileSync(join(dir, 'other.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
  writeFileSync(kh, `[${c.host}]:${c.port} ${otherPub}\n`);
  const changed = ssh(kh);
  const e2 = await t.throwsAsync(changed.exec(['touch', join(dir, 'ran')]));
  t.regex(e2.message, /Host key verification failed|HOST IDENTIFICATION HAS CHANGED|host key/i);
  await changed.close();
  t.false(existsSync(join(dir, 'ran')), 'no command ran');
});

test.serial('autoparallelize: RemoteInfo secret_env_vars reach every chunk job but never the store, stage dirs or logs', async (t) => {
  const c = clusterEnv(t, []);
  if (!c) return;
  const p = clusterProject(c);
  const ctx = p.context({ XPR_TIMING: '1' });
  const secret = `pw-${randomBytes(12).toString('hex')}`;
  try {
    const remoteInfo = {
      sys_name: 'local', job_name: 'secret', resources: res, partial_node: true, check_interval: 1, num_inputs_per_queued_job: 1,
      env_vars: { DB_PASSWORD: secret, PLAIN: 'visible' }, secret_env_vars: ['DB_PASSWORD'],
    };
    const out = await autoparallelize(envDigests, ['DB_PASSWORD', 'PLAIN'], { context: ctx, remoteInfo, progress: 'silent' });
    t.deepEqual([...out], [sha256(secret), sha256('visible')]);
    t.is(ctx.store.list().length, 2, 'one job per item');
    t.deepEqual(filesContaining(p.root, secret), []);
    t.false(p.logLines.join('').includes(secret));
    await t.throwsAsync(
      autoparallelize(envDigests, ['X'], { context: ctx, remoteInfo: { ...remoteInfo, secret_env_vars: ['NOT_SET'] }, progress: 'silent' }),
      { message: /secret_env_vars.*NOT_SET.*not in env_vars/ },
    );
  } finally {
    await ctx.close();
  }
});
