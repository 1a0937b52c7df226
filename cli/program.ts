// The xpr command line's grammar: every command declared with its flags (commander), each loaded only when it runs.
// Building it does no work; cli/main.ts parses process.argv with it and maps outcomes to exit codes.
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseAge } from './commands/format.ts';
import { LS_COLUMNS } from './commands/ls-columns.ts';

const LS_COLUMN_NAMES = Object.keys(LS_COLUMNS);

const EXIT_HELP = `
Exit codes:
  0   done (also when no job matched)
  1   a problem the message explains (unknown job, unreachable system, doctor found problems, answer "no")
  2   bad command line (unknown option, bad value, missing filter, missing --yes without a terminal)
  70  a bug in xpr: please report the output

Colour is used only on a terminal, and never when NO_COLOR is set.`;

const STATUS_HELP = 'states or groups, comma-separated: created, staged, submitted, queued, running (or started), succeeded, failed, died, processed, cleaned, cancelled; groups live, ongoing (created+live), ended, can_produce_results, *';

const appendValue = (value: string, previous: string[] = []): string[] => [...previous, value];

// The selection options shared by the commands that act on many jobs (ExPyRe's spellings kept).
function filters(cmd: Command, destructive = false): Command {
  cmd
    .option('-s, --status <states>', STATUS_HELP, appendValue)
    .addOption(new Option('--state <states>', 'same as --status').hideHelp().argParser(appendValue))
    .option('-n, --name <regexps>', 'job names, full-match regexps, comma-separated', appendValue)
    .option('-i, --id <regexps>', 'job ids, full-match regexps (a plain id matches itself), comma-separated; repeat the flag for more', appendValue)
    .option('-S, --system <regexps>', 'systems, full-match regexps, comma-separated', appendValue)
    .option('--older-than <age>', 'created longer ago than AGE (30m, 2h, 7d, 1w)', parseAge)
    .option('--newer-than <age>', 'created less than AGE ago', parseAge);
  if (destructive) cmd.option('--all', 'select every job (these commands refuse to run without a filter otherwise)');
  return cmd;
}

// --interval: a positive number of seconds (NaN or 0 would make `logs --follow` spin).
// A whole number >= 0 (e.g. --limit).
export function parseCount(v: string): number {
  if (!/^\d+$/.test(v.trim())) throw new InvalidArgumentError(`expected a whole number >= 0, got ${JSON.stringify(v)}`);
  return Number(v.trim());
}

export function parseInterval(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number of seconds, got ${JSON.stringify(v)}`);
  return n;
}

const example = (cmd: Command, lines: string[]): Command => cmd.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}`);

// The whole command line, ready to parse (exitOverride: commander throws instead of exiting).
export function buildProgram(): Command {
  const program = new Command('xpr')
    .description('Run functions as cached, resumable batch jobs on Slurm, SGE, PBS or a local queue; inspect and clean them up')
    .version((JSON.parse(readFileSync(new URL(import.meta.url.endsWith('.js') ? '../../package.json' : '../package.json', import.meta.url), 'utf8')) as { version: string }).version)
    .showHelpAfterError()
    .exitOverride()
    .addHelpText('after', EXIT_HELP);

  example(filters(program.command('ls').description('list jobs: id, name, system, status (reason), queue id, age, duration')), [
    'xpr ls -s ongoing', 'xpr ls -s failed,died --json', 'xpr ls -n "relax.*" --newer-than 1d --long',
    'xpr ls --watch', 'xpr ls -s live -o id,state,queue_id,duration --watch 10',
  ])
    .option('--json', 'one JSON object per job per line')
    .option('-l, --long', 'more columns: partition, cores, times, stage dir; full reasons')
    .option('-o, --format <columns>', `the table's columns, comma-separated (squeue -o habit): ${LS_COLUMN_NAMES.join(', ')}`)
    .option('-w, --watch [seconds]', 'redraw every N seconds (default 2) until Ctrl-C', parseInterval)
    .addOption(new Option('--limit <n>', 'show only the newest n matching jobs; 0 = all (default: 200 in the table, all with --json)').argParser(parseCount))
    .addOption(new Option('--long-output', 'ExPyRe\'s spelling of --long').hideHelp())
    .action(async (o) => (await import('./commands/ls.ts')).ls({ ...o, long: o.long || o.longOutput }));

  program
    .command('show <id>')
    .description("one job: options, job script, states with times, dirs, and the error of a failed job")
    .option('--json', 'print JSON')
    .action(async (id: string, o: { json?: boolean }) => (await import('./commands/show.ts')).show(id, o));

  program
    .command('logs <id>')
    .description("print a job's stdout and stderr (from its system while it runs)")
    .option('--tail <bytes>', 'only the last N bytes of each', (v) => {
      if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`expected a whole number of bytes, got ${JSON.stringify(v)}`);
      return Number(v);
    })
    .option('-f, --follow', 'keep printing new output until the job script ends')
    .addOption(new Option('--interval <s>', 'seconds between reads with --follow').default(1).argParser(parseInterval).hideHelp())
    .action(async (id: string, o) => (await import('./commands/logs.ts')).logs(id, o));

  example(filters(program.command('sync').description('ask the systems about live (and died) jobs and record what changed: one query per system')), [
    'xpr sync', 'xpr sync -S archer2 --json',
  ])
    .option('--json', 'one JSON report per system per line')
    .action(async (o) => (await import('./commands/sync.ts')).sync(o));

  example(filters(program.command('cancel').description('cancel jobs in their queues and record them as cancelled (files are kept)'), true), [
    'xpr cancel -i relax_abc123 --yes', 'xpr cancel -s queued -n "gap.*" --dry-run',
  ])
    .option('-y, --yes', 'do not ask')
    .option('--dry-run', 'only list what would be cancelled')
    .action(async (o) => (await import('./commands/cancel.ts')).cancel(o));

  example(filters(program.command('rm').description('forget jobs: cancel live ones first; with -c also delete their dirs here and on the system'), true), [
    'xpr rm -s failed -c --yes', 'xpr rm -n "relax.*" --older-than 7d -c --dry-run',
  ])
    .option('-c, --clean', 'also delete the local stage dirs and the job dirs on the system')
    .option('--items', 'also drop the item results (autoparallelize cache) these jobs produced, or with --call the call\'s item results')
    .option('--call <key>', 'select the jobs of this autoparallelize call (its callKey); with --items also drop its item results and record')
    .option('-y, --yes', 'do not ask')
    .option('--dry-run', 'only list what would be removed')
    .action(async (o) => (await import('./commands/rm.ts')).rm(o));

  example(program.command('gc').description('delete files and rows of processed, cleaned, failed and cancelled jobs unchanged for longer than AGE'), [
    'xpr gc --older-than 30d --dry-run', 'xpr gc --older-than 7d --yes',
  ])
    .requiredOption('--older-than <age>', 'unchanged for longer than AGE (30m, 2h, 7d, 1w)', parseAge)
    .option('--items', 'also drop item results (autoparallelize cache) stored longer than AGE ago')
    .option('-y, --yes', 'do not ask')
    .option('--dry-run', 'only list what would be deleted')
    .action(async (o) => (await import('./commands/gc.ts')).gc(o));

  program
    .command('config')
    .description('the resolved configuration: project root, files read, and every system with the files that set it')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => (await import('./commands/config.ts')).config(o));

  example(program.command('script <system>').description('print the job script a job would be submitted with, without submitting anything'), [
    'xpr script archer2 --resources \'{"num_nodes": 1, "max_time": "2h"}\'',
    'xpr script local --resources num_cores=2,max_time=10m --partial-node --env OMP_NUM_THREADS=2',
    'xpr script archer2 -r num_cores=128,max_time=1h,partitions=standard,highmem',
  ])
    .requiredOption('-r, --resources <spec>', 'JSON/YAML object or comma-separated key=value pairs (repeatable): num_nodes, num_cores, max_time, max_mem_tot, max_mem_per_core, partitions (full-match regexps: partitions=a,b or -r partitions=a -r partitions=b)', appendValue)
    .option('--name <name>', 'job name', 'job')
    .option('--job-id <id>', 'render with this job id instead of a placeholder')
    .option('-e, --env <NAME=value>', 'environment variable for the op (repeatable)', appendValue)
    .option('--pre-cmd <line>', 'shell line before the op (repeatable)', appendValue)
    .option('--post-cmd <line>', 'shell line after the op (repeatable)', appendValue)
    .option('--header-extra <line>', 'extra header line (repeatable)', appendValue)
    .option('--partial-node', 'allow part of a node')
    .option('--no-exact-fit', 'allow a core count that does not fill whole nodes')
    .option('--json', 'print the script with its job dir, submit command and partition as JSON')
    .action(async (system: string, o) => (await import('./commands/script.ts')).script(system, o));

  example(program.command('doctor [systems...]').description('check the config and each system: connection, scheduler commands, Node.js >= 20, writable run dir'), [
    'xpr doctor', 'xpr doctor archer2',
  ])
    .option('--json', 'one JSON object per check per line')
    .action(async (systems: string[], o: { json?: boolean }) => (await import('./commands/doctor.ts')).doctor(systems, o));

  filters(program.command('reset-status [state]').alias('reset_status').description('force jobs into a state, recorded in their history (repairs by hand)'), true)
    .addOption(new Option('--to <state>', 'the new state (same as the argument)'))
    .option('-y, --yes', 'do not ask')
    .action(async (state: string | undefined, o) => (await import('./commands/reset-status.ts')).resetStatus(state, o));

  program
    .command('db-unlock')
    .alias('db_unlock')
    .description('remove a stale writer lock left by a killed xpr on a network filesystem')
    .option('--force', 'remove it even if its holder may still be running (say, on another host)')
    .action(async (o: { force?: boolean }) => (await import('./commands/db-unlock.ts')).dbUnlock(o));

  example(program.command('dashboard').description('a live web page of the jobs (127.0.0.1, token in the printed URL, read-only); --once writes an HTML report'), [
    'xpr dashboard', 'xpr dashboard --port 8765', 'xpr dashboard --once --out report.html',
  ])
    .option('--port <n>', 'port on 127.0.0.1 (default: a free one)', (v) => {
      if (!/^\d+$/.test(v) || Number(v) > 65535) throw new InvalidArgumentError(`expected a port number 0-65535, got ${JSON.stringify(v)}`);
      return Number(v);
    })
    .option('--once', 'write a self-contained HTML report (opens offline) instead of serving')
    .option('--out <file>', 'with --once: the report file (default: standard output)')
    .action(async (o) => (await import('./commands/dashboard.ts')).dashboard(o));
  example(program.command('completion <shell>').description('print a shell completion script (bash, zsh or fish): commands, flags, job ids and system names'), [
    'source <(xpr completion bash)', 'xpr completion zsh > "${fpath[1]}/_xpr"', 'xpr completion fish > ~/.config/fish/completions/xpr.fish',
  ])
    .action(async (shell: string) => (await import('./commands/completion.ts')).completion(shell));

  program
    .command('__complete', { hidden: true })
    .description('candidates for the last word (used by the completion scripts)')
    .argument('[words...]')
    .helpOption(false)
    .allowUnknownOption()
    .action(async (words: string[]) => (await import('./commands/completion.ts')).complete(buildProgram(), words));

  program
    .command('demo')
    .description('run a few jobs on the built-in local system (no config needed); run twice to see the cache')
    .option('--fresh', 'forget the previous demo run first')
    .action(async (o: { fresh?: boolean }) => {
      const { runDemo } = await import('./commands/demo.ts');
      await runDemo({ fresh: o.fresh });
    });
  return program;
}
