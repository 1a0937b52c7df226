// Errors raised by the scheduler backends: a header template that cannot be filled, queue command output that cannot
// be read, an id or file name a command line would break on. Each names where, what was received and what was expected.
import { XprError } from '../errors.ts';

/** A batch header line (config `header`, partition `header`, header_extra, EXPYRE_HEADER_EXTRA) cannot be filled in. */
export class HeaderTemplateError extends XprError {
  override name = 'HeaderTemplateError';
  /** Where the line comes from, e.g. `systems.cluster.header[2]` or `EXPYRE_HEADER_EXTRA[0]`. */
  readonly where: string;
  /** The line as written. */
  readonly line: string;
  /** What is wrong with it. */
  readonly problem: string;
  /** Placeholder names a header line may use. */
  readonly known: readonly string[];

  constructor(where: string, line: string, problem: string, known: readonly string[]) {
    super(
      `${where}: cannot fill in header line ${JSON.stringify(line)}: ${problem}. `
        + `Placeholders available: ${known.map((k) => `{${k}}`).join(', ')}; write {{ and }} for literal braces.`,
    );
    this.where = where;
    this.line = line;
    this.problem = problem;
    this.known = known;
  }
}

/** A queue command (sbatch, qsub, ...) printed something we cannot read. */
export class SchedulerOutputError extends XprError {
  override name = 'SchedulerOutputError';
  /** Scheduler kind, e.g. `slurm`. */
  readonly scheduler: string;
  /** What we were doing, e.g. `submit` (the command, e.g. `sbatch --parsable job.script.slurm`, when known). */
  readonly operation: string;
  /** The command's stdout, unchanged. */
  readonly output: string;
  /** What a good answer looks like. */
  readonly expected: string;

  constructor(scheduler: string, operation: string, output: string, expected: string, problem = 'output not understood') {
    const shown = output.length > 2000 ? `${output.slice(0, 2000)}... (${output.length} characters)` : output;
    super(
      `${scheduler} ${operation}: ${problem}; expected ${expected}; `
        + `got ${shown.trim() === '' ? '(no output)' : JSON.stringify(shown)}`,
    );
    this.scheduler = scheduler;
    this.operation = operation;
    this.output = output;
    this.expected = expected;
  }
}

/** A value handed to a scheduler backend cannot be used (e.g. a scheduler id with a comma or a space). */
export class SchedulerArgumentError extends XprError {
  override name = 'SchedulerArgumentError';
  readonly argument: string;
  readonly value: string;

  constructor(argument: string, value: string, rule: string) {
    super(`${argument}: ${rule}; got ${JSON.stringify(value)}`);
    this.argument = argument;
    this.value = value;
  }
}
