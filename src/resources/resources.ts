// Validation of a job's resource request (ExPyRe's Resources keys) and the choice of partition and node count.
// Fixes ExPyRe's B7 (queues ignored), B13 (units) and B14 (partial_node picking a partition that cannot fit).
import type { PartitionSpec } from './types.ts';
import { NoPartitionFitsError, ResourceSpecError, type PartitionRejection, type ResourceProblem } from './errors.ts';
import { unknownKeyMessage } from './suggest.ts';
import type { NodeFit, Resources } from './types.ts';
import { formatHMS, formatMemKb, parseMemKb, parseTimeS, show } from './units.ts';

const RESOURCE_KEYS = ['max_time', 'num_nodes', 'num_cores', 'max_mem_tot', 'max_mem_per_core', 'partitions', 'queues'];

export interface FitOptions {
  /** Cores requests must fill whole nodes (a multiple of the partition's cores per node). */
  exactFit: boolean;
  /** A cores request smaller than one node may use part of one node. */
  partialNode: boolean;
}

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function keepProblems(problems: ResourceProblem[], read: () => void): void {
  try {
    read();
  } catch (error) {
    if (!(error instanceof ResourceSpecError)) throw error;
    problems.push(...error.problems);
  }
}

function readRegexps(value: unknown, where: string, problems: ResourceProblem[]): string[] | null {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((v) => typeof v === 'string')) {
    problems.push({ where, value, message: `expected a regexp string or a non-empty list of them (full match against partition names); found ${show(value)}` });
    return null;
  }
  for (const re of list as string[]) {
    try {
      new RegExp(`^(?:${re})$`);
    } catch (error) {
      problems.push({ where, value: re, message: `${show(re)} is not a valid regexp: ${(error as Error).message}` });
    }
  }
  return list as string[];
}

// Validate a ResourcesInput-shaped value into Resources (seconds, kB, anchored regexps); throws one error listing every problem.
export function normalizeResources(input: unknown, where = 'resources'): Resources {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ResourceSpecError([{ where, value: input, message: `expected an object with max_time and num_nodes or num_cores; found ${show(input)}` }]);
  }
  const raw = input as Record<string, unknown>;
  const problems: ResourceProblem[] = [];
  for (const key of Object.keys(raw)) {
    if (!RESOURCE_KEYS.includes(key)) problems.push({ where: `${where}.${key}`, value: raw[key], message: unknownKeyMessage(key, RESOURCE_KEYS) });
  }

  let maxTimeS = 0;
  if (!isPresent(raw.max_time)) {
    problems.push({ where: `${where}.max_time`, value: raw.max_time, message: 'required: a time such as "2h", "1:30:00", "2-12" or a number of seconds' });
  } else {
    keepProblems(problems, () => {
      maxTimeS = parseTimeS(raw.max_time, `${where}.max_time`);
      if (maxTimeS === 0) problems.push({ where: `${where}.max_time`, value: raw.max_time, message: 'must be more than 0 seconds' });
    });
  }

  let request: Resources['request'] = { kind: 'cores', count: 0 };
  const hasNodes = isPresent(raw.num_nodes);
  const hasCores = isPresent(raw.num_cores);
  if (hasNodes === hasCores) {
    problems.push({ where, value: { num_nodes: raw.num_nodes, num_cores: raw.num_cores }, message: `exactly one of num_nodes and num_cores is required; found ${hasNodes ? 'both' : 'neither'}` });
  } else {
    const key = hasNodes ? 'num_nodes' : 'num_cores';
    const count = raw[key];
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count <= 0) {
      problems.push({ where: `${where}.${key}`, value: count, message: `expected a positive integer; found ${show(count)}` });
    } else {
      request = { kind: hasNodes ? 'nodes' : 'cores', count };
    }
  }

  let mem: Resources['mem'] = null;
  if (isPresent(raw.max_mem_tot) && isPresent(raw.max_mem_per_core)) {
    problems.push({ where, value: { max_mem_tot: raw.max_mem_tot, max_mem_per_core: raw.max_mem_per_core }, message: 'give at most one of max_mem_tot and max_mem_per_core' });
  } else if (isPresent(raw.max_mem_tot)) {
    keepProblems(problems, () => { mem = { kind: 'total', kb: parseMemKb(raw.max_mem_tot, `${where}.max_mem_tot`) }; });
  } else if (isPresent(raw.max_mem_per_core)) {
    keepProblems(problems, () => { mem = { kind: 'per_core', kb: parseMemKb(raw.max_mem_per_core, `${where}.max_mem_per_core`) }; });
  }

  let partitions: string[] | null = null;
  if (isPresent(raw.partitions) && isPresent(raw.queues)) {
    problems.push({ where, value: { partitions: raw.partitions, queues: raw.queues }, message: 'give at most one of partitions and queues (queues is another name for partitions)' });
  } else {
    const key = isPresent(raw.partitions) ? 'partitions' : isPresent(raw.queues) ? 'queues' : null;
    if (key !== null) partitions = readRegexps(raw[key], `${where}.${key}`, problems);
  }

  if (problems.length > 0) throw new ResourceSpecError(problems);
  return { maxTimeS, request, mem, partitions };
}

// One-line summary of a request for messages, e.g. `(num_cores=17, max_time=2:00:00, exact_fit)`.
export function describeRequest(resources: Resources, opts?: FitOptions): string {
  const parts = [`${resources.request.kind === 'nodes' ? 'num_nodes' : 'num_cores'}=${resources.request.count}`];
  parts.push(`max_time=${formatHMS(resources.maxTimeS)}`);
  if (resources.mem) parts.push(`${resources.mem.kind === 'total' ? 'max_mem_tot' : 'max_mem_per_core'}=${formatMemKb(resources.mem.kb)}`);
  if (resources.partitions) parts.push(`partitions=${resources.partitions.join('|')}`);
  if (opts?.exactFit) parts.push('exact_fit');
  if (opts?.partialNode) parts.push('partial_node');
  return `(${parts.join(', ')})`;
}

type Placement = { fit: NodeFit; wastedCores: number } | { reasons: string[] };

// Nodes and cores a request takes on one partition, or why it cannot; memory and time are checked here too.
function place(resources: Resources, p: PartitionSpec, opts: FitOptions): Placement {
  const reasons: string[] = [];
  if (p.maxTimeS !== null && p.maxTimeS < resources.maxTimeS) {
    reasons.push(`max_time ${formatHMS(p.maxTimeS)} < requested ${formatHMS(resources.maxTimeS)}`);
  }
  const cpn = p.numCores;
  const { kind, count } = resources.request;
  let numNodes: number;
  let numCores: number;
  let coresPerNode: number;
  let wastedCores: number;
  if (kind === 'nodes') {
    [numNodes, numCores, coresPerNode, wastedCores] = [count, count * cpn, cpn, 0];
  } else if (opts.partialNode && count <= cpn) {
    // Part of one node: the rest of the node stays available to other jobs, so nothing is wasted.
    [numNodes, numCores, coresPerNode, wastedCores] = [1, count, count, 0];
  } else {
    numNodes = Math.ceil(count / cpn);
    wastedCores = numNodes * cpn - count;
    [numCores, coresPerNode] = [numNodes * cpn, cpn];
    if (opts.exactFit && wastedCores !== 0) {
      const hint = count < cpn ? ' (partial_node would allow part of one node)' : '';
      reasons.push(`needs ${count} cores, exact_fit requires a multiple of ${cpn} cores per node${hint}`);
    }
  }
  const perNodeKb = !resources.mem ? null : resources.mem.kind === 'total'
    ? Math.ceil(resources.mem.kb / numNodes)
    : resources.mem.kb * coresPerNode;
  if (resources.mem && perNodeKb !== null && p.maxMemKb !== null) {
    if (perNodeKb > p.maxMemKb) {
      const how = resources.mem.kind === 'total'
        ? `max_mem_tot over ${numNodes} node(s)`
        : `max_mem_per_core x ${coresPerNode} cores`;
      reasons.push(`max_mem ${formatMemKb(p.maxMemKb)} per node < needed ${formatMemKb(perNodeKb)} (${how})`);
    }
  }
  if (reasons.length > 0) return { reasons };
  const fit: NodeFit = { partition: p, numNodes, numCores, numCoresPerNode: coresPerNode, maxTimeS: resources.maxTimeS };
  if (perNodeKb !== null) fit.memPerNodeKb = perNodeKb;
  return { fit, wastedCores };
}

// Pick the partition (and node count) for a request: every partition is tried in full, fewest wasted cores wins, ties by config order.
export function findPartition(resources: Resources, partitions: readonly PartitionSpec[], opts: FitOptions, systemName: string): NodeFit {
  const patterns = resources.partitions?.map((re) => new RegExp(`^(?:${re})$`)) ?? null;
  const rejections: PartitionRejection[] = [];
  let best: { fit: NodeFit; wastedCores: number } | null = null;
  for (const p of partitions) {
    if (patterns && !patterns.some((re) => re.test(p.name))) {
      rejections.push({ partition: p.name, reason: `name does not match requested partitions ${resources.partitions!.map((r) => show(r)).join(', ')}` });
      continue;
    }
    const placed = place(resources, p, opts);
    if ('reasons' in placed) {
      rejections.push({ partition: p.name, reason: placed.reasons.join('; ') });
    } else if (best === null || placed.wastedCores < best.wastedCores) {
      best = placed;
    }
  }
  if (best === null) throw new NoPartitionFitsError(systemName, describeRequest(resources, opts), rejections);
  return best.fit;
}
