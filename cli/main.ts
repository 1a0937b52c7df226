// The xpr command line: every command declared here with its flags (commander), each loaded only when it runs.
// One handler maps errors to exit codes: XprError = explained to the user (exit 1); anything else is a bug (exit 70).
import { Command, InvalidArgumentError, Option } from 'commander';
import { XprError } from '../src/errors.ts';

const program = new Command('xpr')
  .description('Run functions as cached, resumable batch jobs on Slurm, SGE, PBS or a local queue')
  .showHelpAfterError();

const filters = (cmd: Command): Command =>
  cmd
    .option('-s, --state <states>', 'comma-separated states (e.g. running,queued); "live" = staged..running')
    .option('--system <name>', 'only jobs on this system')
    .option('-n, --name <regexp>', 'only jobs whose name matches')
    .option('-i, --id <ids...>', 'only these job ids');

program
  .command('demo')
  .description('run a few jobs on the built-in local system (no config needed); run twice to see the cache')
  .option('--fresh', 'forget the previous demo run first')
  .action(async (o: { fresh?: boolean }) => {
    const { runDemo } = await import('./commands/demo.ts');
    await runDemo({ fresh: o.fresh });
  });

filters(program.command('ls').description('list jobs in this project'))
  .option('--json', 'one JSON object per line')
  .action(async (o) => (await import('./commands/ls.ts')).ls(o));

program
  .command('show <id>')
  .description("show a job's details and its state history")
  .option('--json', 'print JSON')
  .action(async (id: string, o: { json?: boolean }) => (await import('./commands/show.ts')).show(id, o));

program
  .command('logs <id>')
  .description("print a job's stdout and stderr (from the local copy)")
  .option('--tail <bytes>', 'only the last N bytes', (v) => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`expected a whole number of bytes, got ${JSON.stringify(v)}`);
    return Number(v);
  })
  .action(async (id: string, o: { tail?: number }) => (await import('./commands/logs.ts')).logs(id, o));

filters(program.command('cancel').description('cancel jobs in their queue and record them as cancelled'))
  .option('-y, --yes', 'do not ask')
  .action(async (o) => (await import('./commands/cancel.ts')).cancel(o));

filters(program.command('rm').description('remove jobs: cancel live ones, delete their files here and on the system, forget them'))
  .option('-y, --yes', 'do not ask')
  .action(async (o) => (await import('./commands/rm.ts')).rm(o));

filters(program.command('reset-status').description('force jobs back to a state (e.g. after fixing something by hand)'))
  .addOption(new Option('--to <state>', 'new state').choices(['created', 'staged', 'submitted', 'queued', 'running', 'succeeded', 'failed', 'died']).makeOptionMandatory())
  .option('-y, --yes', 'do not ask')
  .action(async (o) => (await import('./commands/reset-status.ts')).resetStatus(o));

program
  .command('db-unlock')
  .alias('db_unlock')
  .description('remove a stale writer lock left by a killed xpr on a network filesystem')
  .option('--force', 'remove it even if its holder may still be running (say, on another host)')
  .action(async (o: { force?: boolean }) => (await import('./commands/db-unlock.ts')).dbUnlock(o));

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof XprError) {
    process.stderr.write(`xpr: ${err.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`xpr: internal error (a bug in xpr; please report it with this output):\n${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 70;
  }
});
