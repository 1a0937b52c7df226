// `xpr completion <shell>` prints a completion script; the hidden `xpr __complete -- <words>` prints the candidates
// for the last word, one per line (what the scripts call on each TAB).
import type { Command } from 'commander';
import { completions, completionScript, projectSource, SHELLS, type Shell } from './complete.ts';
import { UsageError } from './errors.ts';

// Print the script for `shell`; an unknown shell is a usage error naming the supported ones.
export function completion(shell: string): void {
  if (!(SHELLS as readonly string[]).includes(shell)) {
    throw new UsageError(`completion: unknown shell ${JSON.stringify(shell)}; expected one of ${SHELLS.join(', ')}`);
  }
  process.stdout.write(completionScript(shell as Shell));
}

// Print the candidates for the last of `words` (the words after `xpr`); prints nothing rather than failing.
export function complete(program: Command, words: string[]): void {
  const list = completions(program, words.length === 0 ? [''] : words, projectSource());
  if (list.length > 0) process.stdout.write(list.join('\n') + '\n');
}
