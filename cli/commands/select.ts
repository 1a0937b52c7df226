// Job selection shared by the commands that take filters (ls, sync, cancel, rm, reset-status), with ExPyRe's
// spellings: -s/--status (names and groups), -n/--name, -i/--id, -S/--system as full-match regexps; plus age filters.
import { ENDED_STATES, JOB_STATES, LIVE_STATES, NEW_OR_LIVE_STATES, REUSABLE_STATES, type JobBrief, type JobRow, type JobState, type JobStore } from '../../src/store/index.ts';
import { UsageError } from './errors.ts';

export interface FilterOptions {
  status?: string[];
  /** Old spelling of --status. */
  state?: string[];
  system?: string[];
  name?: string[];
  id?: string[];
  olderThan?: number;
  newerThan?: number;
  all?: boolean;
}

/** Status groups accepted wherever a status is (ExPyRe's `ongoing` and `can_produce_results` included). */
export const STATUS_GROUPS: Record<string, readonly JobState[]> = {
  live: LIVE_STATES,
  ongoing: NEW_OR_LIVE_STATES,
  ended: ENDED_STATES,
  can_produce_results: REUSABLE_STATES,
  '*': JOB_STATES,
};

/** ExPyRe status names that xpr spells differently. */
const STATUS_ALIASES: Record<string, JobState> = { started: 'running' };

// Split comma-separated values given once or several times (`-s failed,died` or `-s failed -s died`), trimmed.
export function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

// The states a --status list stands for; unknown names are a usage error listing what is accepted.
export function statesOf(list: readonly string[], option = '--status'): JobState[] {
  const out = new Set<JobState>();
  for (const word of list) {
    const group = STATUS_GROUPS[word];
    if (group) group.forEach((s) => out.add(s));
    else if (STATUS_ALIASES[word]) out.add(STATUS_ALIASES[word]!);
    else if ((JOB_STATES as readonly string[]).includes(word)) out.add(word as JobState);
    else throw new UsageError(`${option}: unknown state ${JSON.stringify(word)}; expected one of ${JOB_STATES.join(', ')}, or a group: ${Object.keys(STATUS_GROUPS).join(', ')}`);
  }
  return [...out];
}

function fullMatch(list: readonly string[], option: string): RegExp[] {
  return list.map((r) => {
    try {
      return new RegExp(`^(?:${r})$`);
    } catch (err) {
      throw new UsageError(`${option}: ${JSON.stringify(r)} is not a regular expression: ${(err as Error).message}`);
    }
  });
}

// The filter lists as given: each option's values split on commas. A value with nothing in it (`-i ""`, `-s ,`, an
// empty shell variable) is a usage error naming the option: dropped silently it would select every job.
export function filterLists(o: FilterOptions): { status: string[]; id: string[]; name: string[]; system: string[] } {
  const list = (values: readonly string[] | undefined, option: string): string[] => {
    for (const v of values ?? []) {
      if (splitList([v]).length === 0) throw new UsageError(`${option}: empty value ${JSON.stringify(v)}; give one or more comma-separated values (an empty shell variable?)`);
    }
    return splitList(values);
  };
  return {
    status: [...list(o.status, '-s/--status'), ...list(o.state, '--state')],
    id: list(o.id, '-i/--id'),
    name: list(o.name, '-n/--name'),
    system: list(o.system, '-S/--system'),
  };
}

// Whether any filter was given (destructive commands require one, or --all); throws on an empty filter value.
export function hasFilter(o: FilterOptions): boolean {
  const l = filterLists(o);
  return [l.status, l.id, l.name, l.system].some((v) => v.length > 0) || o.olderThan !== undefined || o.newerThan !== undefined;
}

// Refuse a destructive command without any filter.
export function requireFilter(o: FilterOptions, command: string): void {
  if (!hasFilter(o) && !o.all) {
    throw new UsageError(`${command} needs a filter (-s/--status, -n/--name, -i/--id, -S/--system, --older-than, --newer-than), or --all for every job; \`xpr ls\` with the same filter shows what would be selected`);
  }
}

// The filters as one test of a job's id, name, system and creation time, plus the states to ask the store for.
function jobMatcher(o: FilterOptions, nowMs: number): { states: JobState[] | undefined; onlyStates: boolean; test: (r: JobBrief) => boolean } {
  const l = filterLists(o);
  const states = l.status.length ? statesOf(l.status) : undefined;
  const ids = fullMatch(l.id, '--id');
  const names = fullMatch(l.name, '--name');
  const systems = fullMatch(l.system, '--system');
  const now = nowMs / 1000;
  const any = (res: RegExp[], value: string): boolean => res.length === 0 || res.some((re) => re.test(value));
  return {
    states,
    onlyStates: ids.length + names.length + systems.length === 0 && o.olderThan === undefined && o.newerThan === undefined,
    test: (r) => any(ids, r.id) && any(names, r.name) && any(systems, r.system)
      && (o.olderThan === undefined || now - r.createdAt > o.olderThan)
      && (o.newerThan === undefined || now - r.createdAt < o.newerThan),
  };
}

// The jobs of this project that match the filters, oldest first.
export function selectJobs(store: JobStore, o: FilterOptions, nowMs = Date.now()): JobRow[] {
  const m = jobMatcher(o, nowMs);
  return store.list({ states: m.states }).filter(m.test);
}

// The same selection as selectJobs, as brief rows (no details read), with how many jobs match in all. `limit` (> 0)
// keeps the newest `limit` (still oldest first). Filters by state only go to the store as they are (count + the
// newest `limit` by index: `xpr ls` on 10^5 jobs reads 200); regexp and age filters test every job's brief row.
export function selectJobBriefs(store: JobStore, o: FilterOptions, limit = 0, nowMs = Date.now()): { rows: JobBrief[]; total: number } {
  const m = jobMatcher(o, nowMs);
  if (m.onlyStates && limit > 0) {
    return { rows: store.listBrief({ states: m.states }, { newestFirst: true, limit }).reverse(), total: store.count({ states: m.states }) };
  }
  const all = store.listBrief({ states: m.states }).filter(m.test);
  return { rows: limit > 0 && all.length > limit ? all.slice(-limit) : all, total: all.length };
}

// Ask before a destructive action on a terminal; without one, --yes is required.
export async function confirm(question: string, yes: boolean | undefined): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) throw new UsageError(`${question} Refusing without --yes (stdin is not a terminal)`);
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}
