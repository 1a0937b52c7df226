// Errors raised while reading a resource request or placing it on a system's partitions.
// Each carries the offending key path and value, or every partition with the reason it was rejected.
import { XprError } from '../errors.ts';

/** One thing wrong with a resource request: where (a key path), what was given, what is accepted. */
export interface ResourceProblem {
  where: string;
  value: unknown;
  message: string;
}

/** A resource value (time, memory, count, regexp) that cannot be read; lists every problem found. */
export class ResourceSpecError extends XprError {
  override name = 'ResourceSpecError';
  readonly problems: ResourceProblem[];

  constructor(problems: ResourceProblem[]) {
    const lines = problems.map((p) => `${p.where}: ${p.message}`);
    super(lines.length === 1 ? lines[0] : `Invalid resources (${lines.length} problems):\n  ${lines.join('\n  ')}`);
    this.problems = problems;
  }

  /** Key path of the first problem, e.g. `resources.max_time`. */
  get where(): string {
    return this.problems[0]?.where ?? '';
  }
}

/** Why one partition cannot take a request. */
export interface PartitionRejection {
  partition: string;
  reason: string;
}

/** No partition of a system can take a request; `rejections` says why for each partition, in config order. */
export class NoPartitionFitsError extends XprError {
  override name = 'NoPartitionFitsError';
  readonly systemName: string;
  readonly request: string;
  readonly rejections: PartitionRejection[];

  constructor(systemName: string, request: string, rejections: PartitionRejection[]) {
    const list = rejections.length === 0
      ? '  (the system has no partitions: add a "partitions" entry to its config)'
      : rejections.map((r) => `  ${r.partition}: ${r.reason}`).join('\n');
    super(`No partition of system "${systemName}" fits the request ${request}:\n${list}`);
    this.systemName = systemName;
    this.request = request;
    this.rejections = rejections;
  }
}
