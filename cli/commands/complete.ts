// Shell completion: what to offer for the word being typed, derived from the commander program (commands, flags and
// argument names) plus job ids and system names read from the project; and the bash/zsh/fish scripts that ask for it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command, Option } from 'commander';
import { homedir } from 'node:os';
import { JobStore, JOB_STATES, STORE_FILE } from '../../src/store/index.ts';
import { loadConfig } from '../../src/config/load.ts';
import { STATUS_GROUPS } from './select.ts';
import { LS_COLUMNS } from './ls-columns.ts';

/** Where dynamic values come from (the project of the cwd by default; tests pass their own). */
export interface CompletionSource {
  jobIds(): string[];
  systems(): string[];
}

// The current project's job ids (newest first) and system names; nothing (never an error) when there is no store or config.
export function projectSource(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): CompletionSource {
  const config = (): ReturnType<typeof loadConfig> | null => {
    try {
      return loadConfig({ cwd, env, homeDir: homedir() });
    } catch {
      return null;
    }
  };
  return {
    jobIds: () => {
      const root = config()?.projectRoot;
      // Completion never creates a store: only an existing one is read.
      if (!root || !existsSync(join(root, STORE_FILE))) return [];
      try {
        const store = JobStore.open(root);
        try {
          return store.list().map((r) => r.id);
        } finally {
          store.close();
        }
      } catch {
        return [];
      }
    },
    systems: () => [...(config()?.systems.keys() ?? [])],
  };
}

type ValueKind = 'job' | 'system' | 'state' | 'column' | 'none';

// What kind of value an option or a command argument takes, from its name: --id/<id> -> job ids, --system/<system> -> systems.
function kindOf(name: string): ValueKind {
  const n = name.replace(/^-+/, '').toLowerCase();
  if (n === 'id' || n === 'ids') return 'job';
  if (n === 'system' || n === 'systems') return 'system';
  if (n === 'status' || n === 'state' || n === 'to') return 'state';
  if (n === 'format') return 'column';
  return 'none';
}

const visibleOptions = (cmd: Command): Option[] => cmd.options.filter((o) => !o.hidden);
const visibleCommands = (program: Command): Command[] => program.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);

function optionFor(cmd: Command, word: string): Option | undefined {
  return cmd.options.find((o) => o.long === word || o.short === word);
}

function valuesOf(kind: ValueKind, source: CompletionSource): string[] {
  if (kind === 'job') return source.jobIds();
  if (kind === 'system') return source.systems();
  if (kind === 'column') return Object.keys(LS_COLUMNS);
  if (kind === 'state') return [...JOB_STATES, 'started', ...Object.keys(STATUS_GROUPS).filter((g) => g !== '*')];
  return [];
}

// Candidates for the last of `words` (the words after `xpr`, the last one being typed, possibly ''), filtered by its prefix.
export function completions(program: Command, words: readonly string[], source: CompletionSource): string[] {
  const current = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  const match = (list: Iterable<string>, prefix = ''): string[] =>
    [...new Set(list)].filter((c) => c.startsWith(current.slice(prefix.length))).map((c) => prefix + c);

  const cmdIndex = before.findIndex((w) => !w.startsWith('-'));
  if (cmdIndex < 0) {
    if (current.startsWith('-')) return match(visibleOptions(program).flatMap((o) => [o.long ?? '']).filter(Boolean).concat(['--help']));
    return match(visibleCommands(program).map((c) => c.name()));
  }
  const name = before[cmdIndex]!;
  const cmd = program.commands.find((c) => c.name() === name || c.aliases().includes(name));
  if (!cmd) return [];
  const args = before.slice(cmdIndex + 1);

  // The value of an option given just before (`-S <TAB>`); comma lists complete after the last comma (`-s failed,d<TAB>`).
  const prev = optionFor(cmd, args.at(-1) ?? '');
  if (prev && (prev.required || prev.optional)) {
    const kind = kindOf(prev.long ?? prev.short ?? '');
    const comma = kind === 'state' || kind === 'column' ? current.lastIndexOf(',') + 1 : 0;
    return match(valuesOf(kind, source), current.slice(0, comma));
  }
  if (current.startsWith('-')) {
    return match(visibleOptions(cmd).map((o) => o.long ?? o.short ?? '').concat(['--help']));
  }
  // A command argument: count the operands given so far (skipping options and their values).
  let operands = 0;
  for (let i = 0; i < args.length; i++) {
    const opt = optionFor(cmd, args[i]!);
    if (opt) {
      if (opt.required || opt.optional) i++;
    } else if (!args[i]!.startsWith('-')) operands++;
  }
  const declared = cmd.registeredArguments;
  const arg = declared[Math.min(operands, declared.length - 1)];
  if (!arg || (operands >= declared.length && !arg.variadic)) return [];
  return match(valuesOf(kindOf(arg.name()), source));
}

// The bash script: asks `<the typed command> __complete -- <words>` for the candidates, one per line.
function bashScript(): string {
  return `# xpr completion for bash. Load it with: source <(xpr completion bash)
# or install it: xpr completion bash > ~/.local/share/bash-completion/completions/xpr
_xpr_complete() {
  local cmd="\${COMP_WORDS[0]}"
  COMPREPLY=()
  mapfile -t COMPREPLY < <("$cmd" __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
}
complete -o default -F _xpr_complete xpr
`;
}

function zshScript(): string {
  return `#compdef xpr
# xpr completion for zsh. Load it with: source <(xpr completion zsh)
# or install it as a file named _xpr in a directory of $fpath.
_xpr() {
  local -a candidates
  candidates=("\${(@f)$("\${words[1]}" __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  candidates=("\${(@)candidates:#}")
  if (( \${#candidates} )); then
    compadd -Q -- "\${(@)candidates}"
  else
    _files
  fi
}
if (( $+functions[compdef] )); then
  compdef _xpr xpr
fi
`;
}

function fishScript(): string {
  return `# xpr completion for fish. Load it with: xpr completion fish | source
# or install it: xpr completion fish > ~/.config/fish/completions/xpr.fish
function __xpr_complete
    set -l tokens (commandline -opc)
    set -l current (commandline -ct)
    $tokens[1] __complete -- $tokens[2..-1] "$current" 2>/dev/null
end
complete -c xpr -f -a '(__xpr_complete)'
`;
}

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

// The completion script for a shell.
export function completionScript(shell: Shell): string {
  return shell === 'bash' ? bashScript() : shell === 'zsh' ? zshScript() : fishScript();
}
