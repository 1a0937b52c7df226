// Parse argv with the real command-line grammar (cli/program.ts); each command's action only records what it was
// given, so nothing runs. Shared by the CLI tests that check how flags and arguments parse.
import { Command } from 'commander';
import { buildProgram } from '../../../cli/program.ts';

export async function parse(argv: string[]): Promise<{ command: string; args: unknown[] }> {
  const program = buildProgram();
  let seen: { command: string; args: unknown[] } | undefined;
  const quiet = (c: Command): void => {
    c.configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
    c.commands.forEach(quiet);
  };
  quiet(program);
  for (const c of program.commands) c.action((...args: unknown[]) => void (seen = { command: c.name(), args: args.slice(0, -1) }));
  await program.parseAsync(argv, { from: 'user' });
  if (!seen) throw new Error('no action ran');
  return seen;
}
