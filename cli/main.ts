// The `xpr` command: parses process.argv with the grammar in cli/program.ts and maps outcomes to exit codes
// (cli/commands/errors.ts EXIT): 0 ok, 1 explained failure, 2 usage, 70 bug.
import { CommanderError } from 'commander';
import { XprError } from '../src/errors.ts';
import { EXIT, UsageError } from './commands/errors.ts';
import { buildProgram } from './program.ts';

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    if (err instanceof CommanderError) {
      // commander has printed the message (and help for a missing command); help and --version exit 0
      process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    } else if (err instanceof UsageError) {
      process.stderr.write(`xpr: ${err.message}\n`);
      process.exitCode = EXIT.usage;
    } else if (err instanceof XprError) {
      process.stderr.write(`xpr: ${err.message}\n`);
      process.exitCode = EXIT.failed;
    } else {
      process.stderr.write(`xpr: internal error (a bug in xpr; please report it with this output):\n${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = EXIT.bug;
    }
  });
