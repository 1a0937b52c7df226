// Shell completion as a user gets it: the bash script sourced in a real bash completes `xpr l<TAB>` and
// `xpr show <TAB>` (job ids of a real store); fish completes through its own `complete -C`; the zsh and fish scripts
// parse; and the candidates come from the commander program, not from a list kept by hand.
import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { JobStore } from '../../../src/store/index.ts';
import { buildProgram } from '../../../cli/program.ts';
import { completions, completionScript, type CompletionSource } from '../../../cli/commands/complete.ts';

const xprBin = fileURLToPath(new URL('../../../cli/xpr.mjs', import.meta.url));
const IDS = ['relax_a1b2c3d4e5f6_x1y2', 'relax_ffeeddccbbaa_q9w8', 'md_001122334455_zz00'];

// A project with a config (two systems) and a store holding IDS, and a PATH where `xpr` is this checkout's CLI.
function project(): { env: NodeJS.ProcessEnv; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'xpr-complete-'));
  const root = join(dir, '_expyre');
  mkdirSync(root);
  writeFileSync(join(root, 'config.json'), JSON.stringify({ systems: {
    archer2: { host: 'me@archer2', scheduler: 'slurm', partitions: { standard: { num_cores: 128, max_time: '24h', max_mem: '256GB' } } },
  } }));
  const store = JobStore.open(root);
  for (const id of IDS) store.claim({ id, cacheKey: id, name: id.split('_')[0]!, system: 'local', stageDir: join(root, id), runDir: join(root, id), outputDir: root, envHash: '', details: {} });
  store.close();
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'xpr'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(xprBin)} "$@"\n`);
  chmodSync(join(bin, 'xpr'), 0o755);
  return { dir, env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, EXPYRE_ROOT: root, HOME: dir } };
}

// Candidates bash offers for a command line whose last word is being completed (COMP_WORDS/COMP_CWORD as bash sets them).
function bashComplete(p: { env: NodeJS.ProcessEnv; dir: string }, words: string[]): string[] {
  const script = [
    'source <(xpr completion bash)',
    'complete -p xpr >/dev/null || { echo "no completion registered for xpr" >&2; exit 3; }',
    `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})`,
    `COMP_CWORD=${words.length - 1}`,
    'COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}',
    '_xpr_complete',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const out = execFileSync('bash', ['--norc', '--noprofile', '-c', script], { cwd: p.dir, env: p.env, encoding: 'utf8' });
  return out.split('\n').filter(Boolean).sort();
}

const available = (shell: string): boolean => spawnSync(shell, ['-c', 'exit 0']).status === 0;

test('bash: `xpr l<TAB>` offers ls and logs; `xpr show <TAB>` the job ids of the store', (t) => {
  const p = project();
  t.deepEqual(bashComplete(p, ['xpr', 'l']), ['logs', 'ls']);
  t.deepEqual(bashComplete(p, ['xpr', 'show', '']), [...IDS].sort());
  t.deepEqual(bashComplete(p, ['xpr', 'show', 'relax_f']), ['relax_ffeeddccbbaa_q9w8']);
});

test('bash: flags of a command, systems after -S, states after -s (after the last comma)', (t) => {
  const p = project();
  t.true(bashComplete(p, ['xpr', 'ls', '--']).includes('--json'));
  t.true(bashComplete(p, ['xpr', 'ls', '--w']).every((f) => f.startsWith('--w')));
  t.deepEqual(bashComplete(p, ['xpr', 'ls', '-S', '']), ['archer2', 'local']);
  t.deepEqual(bashComplete(p, ['xpr', 'script', 'ar']), ['archer2']);
  t.deepEqual(bashComplete(p, ['xpr', 'ls', '-s', 'failed,di']), ['failed,died']);
  t.deepEqual(bashComplete(p, ['xpr', 'rm', '-i', 'md']), ['md_001122334455_zz00']);
});

test('fish: `complete -C` completes subcommands and job ids through the fish script', (t) => {
  if (!available('fish')) {
    t.fail('fish is not installed (apt-get install -y fish)');
    return;
  }
  const p = project();
  const run = (line: string): string[] => execFileSync('fish', ['--no-config', '-c', `xpr completion fish | source; complete -C ${JSON.stringify(line)}`], { cwd: p.dir, env: p.env, encoding: 'utf8' })
    .split('\n').filter(Boolean).map((l) => l.split('\t')[0]!).sort();
  t.deepEqual(run('xpr l'), ['logs', 'ls']);
  t.deepEqual(run('xpr show '), [...IDS].sort());
});

for (const shell of ['bash', 'zsh', 'fish'] as const) {
  test(`${shell}: the completion script parses (${shell} -n)`, (t) => {
    if (!available(shell)) {
      t.fail(`${shell} is not installed (apt-get install -y ${shell})`);
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'xpr-complete-'));
    const file = join(dir, `xpr.${shell}`);
    writeFileSync(file, completionScript(shell));
    const r = spawnSync(shell, ['-n', file], { encoding: 'utf8' });
    t.is(r.status, 0, r.stderr);
  });
}

test('zsh: the script defines _xpr, which completes through `xpr __complete`', (t) => {
  if (!available('zsh')) {
    t.fail('zsh is not installed (apt-get install -y zsh)');
    return;
  }
  const p = project();
  // compadd/compdef exist only inside the completion system; stand-ins record what _xpr would offer.
  const script = `compadd() { while [[ $1 != -- ]]; do shift; done; shift; print -l -- "$@"; }; _files() { print FILES; }
source <(xpr completion zsh)
words=(xpr show ''); CURRENT=3; _xpr`;
  const out = execFileSync('zsh', ['-f', '-c', script], { cwd: p.dir, env: p.env, encoding: 'utf8' });
  t.deepEqual(out.split('\n').filter(Boolean).sort(), [...IDS].sort());
});

const none: CompletionSource = { jobIds: () => [], systems: () => [] };

test('commands and flags come from the commander program: a command added to it is completed, hidden ones are not', (t) => {
  const program = buildProgram();
  const offered = completions(program, [''], none);
  t.deepEqual(offered, program.commands.map((c) => c.name()).filter((n) => n !== '__complete'));
  t.false(completions(program, ['ls', '--'], none).includes('--long-output'), 'hidden flags are not offered');
  const extra = new Command('x');
  extra.command('frobnicate').option('--widgets <n>');
  t.deepEqual(completions(extra, ['fr'], none), ['frobnicate']);
  t.deepEqual(completions(extra, ['frobnicate', '--w'], none), ['--widgets']);
});

test('xpr completion with an unknown shell is a usage error naming the shells', (t) => {
  const r = spawnSync(process.execPath, [xprBin, 'completion', 'tcsh'], { encoding: 'utf8' });
  t.is(r.status, 2);
  t.regex(r.stderr, /unknown shell "tcsh"; expected one of bash, zsh, fish/);
});
