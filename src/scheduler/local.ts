// The `local` scheduler: a real queue on the target machine, run by local-queue.sh (detached jobs, core slots,
// walltime via `timeout`, records under a queue dir). Works the same with host null or over a transport.
import type { Scheduler, SchedulerCommands, JobScriptSpec, QueueStatus, FoundByName } from './types.ts';
import { splitExitMarker, withExitMarker } from './common.ts';
import { checkJobName, foundIds, notAnswered } from './find-by-name.ts';
import { SchedulerOutputError } from './errors.ts';
import { schedulerShell } from './shell-scripts.ts';

export interface LocalSchedulerOptions {
  /** Where the queue keeps its records and slot locks (on the target machine). */
  queueDir: string;
  /** Path of the staged local-queue.sh on the target machine. */
  queueScriptPath: string;
  /** How many cores jobs may use at once. */
  totalSlots: number;
}

/** The local queue script is bash; it runs each job in its own session (setsid) and takes its slots under flock. */
export const LOCAL_COMMANDS: SchedulerCommands = { required: ['bash', 'setsid', 'flock'], optional: [] };

export class LocalScheduler implements Scheduler {
  readonly kind = 'local' as const;
  readonly scriptName = 'job.script.local';
  readonly commands = LOCAL_COMMANDS;
  /** The local queue has no arrays: jobs go one by one. */
  readonly arrays = null;
  readonly #opts: LocalSchedulerOptions;

  constructor(opts: LocalSchedulerOptions) {
    this.#opts = opts;
  }

  renderScript(spec: JobScriptSpec): string {
    return `#!${spec.system.scriptExec}\n${spec.body}`;
  }

  submitArgv(spec: JobScriptSpec): string[] {
    const { queueDir, queueScriptPath, totalSlots } = this.#opts;
    return [
      'bash', queueScriptPath, 'submit', queueDir, spec.jobDir, this.scriptName,
      String(spec.fit.numCores), String(spec.fit.maxTimeS), String(totalSlots), spec.stdoutFile, spec.stderrFile,
    ];
  }

  parseSubmitOutput(stdout: string): string {
    const id = stdout.trim();
    if (!/^\d+$/.test(id)) throw new SchedulerOutputError('local', 'submit', stdout, 'a queue id (an integer) on one line');
    return id;
  }

  statusArgvs(schedulerIds: readonly string[]): string[][] {
    return [['bash', this.#opts.queueScriptPath, 'status', this.#opts.queueDir, ...schedulerIds]];
  }

  parseStatus(outputs: readonly string[], schedulerIds: readonly string[]): Map<string, QueueStatus> {
    const wanted = new Set(schedulerIds);
    const out = new Map<string, QueueStatus>();
    for (const line of (outputs[0] ?? '').split('\n')) {
      const [id, raw, exit, reason] = line.trim().split('|');
      if (!id || !raw || !wanted.has(id)) continue;
      const status: QueueStatus = { schedulerId: id, rawState: raw, state: mapLocalState(raw) };
      if (exit) status.exitCode = Number(exit);
      if (reason) status.reason = reason;
      out.set(id, status);
    }
    return out;
  }

  cancelArgv(schedulerIds: readonly string[]): string[] {
    return ['bash', this.#opts.queueScriptPath, 'cancel', this.#opts.queueDir, ...schedulerIds];
  }

  /** Queue records whose job dir is named `name` (the job dir is `<base>/<xpr job id>`). */
  findByNameArgvs(name: string): string[][] {
    checkJobName(name);
    return [withExitMarker(['sh', '-c', schedulerShell('local-find'), 'sh', this.#opts.queueDir, name])];
  }

  parseFindByName(outputs: readonly string[], _name: string): FoundByName {
    const out = splitExitMarker(outputs[0] ?? '');
    if (out.rc !== 0) return notAnswered('the local queue', out);
    return { ids: foundIds(out.text.split('\n').map((l) => l.trim()).filter((l) => /^\d+$/.test(l))), answered: true };
  }
}

function mapLocalState(raw: string): QueueStatus['state'] {
  switch (raw) {
    case 'QUEUED': return 'queued';
    case 'RUNNING': return 'running';
    case 'ENDED':
    case 'VANISHED': return 'ended';
    default: return 'unknown';
  }
}
