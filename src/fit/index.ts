// Public surface of fits: command jobs (runCommand, runCommands), GAP simple / multistage / committee fits, ACE fit,
// the gap_fit command-line grammar, and their errors. Routing is internal; of the in-job op, its step runner and error.
export {
  runCommand, runCommands, runCommandLocally,
  type CommandJobDefinition, type CommandInput, type CommandOutput, type CommandResult, type RunCommandOptions, type RunCommandsOptions, type CommandStep, type ProgramSource,
} from './command.ts';
export { runCommandSteps, CommandStepError } from './command-op.ts';
export {
  gapSimpleFit, gapMultistageFit, gapCommitteeFit, gapFitCommandLine, gapFitArgs,
  type GapFitOptions, type GapSimpleFitOptions, type GapMultistageOptions, type GapMultistageResult, type GapCommitteeOptions,
  type GapFitParams, type GapDescriptor, type GapValue,
} from './gap.ts';
export { aceFit, type AceFitOptions, type AceFitParams } from './ace.ts';
export { FitOptionError, CommandJobError, FitOutputError, FitRoutingError } from './errors.ts';
export type { FitRoutingOptions } from './routing.ts';
