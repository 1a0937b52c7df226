// Pieces shared by the backends' find-by-name queries (Scheduler.findByNameArgvs / parseFindByName): the name
// check, the "could not ask" answer, and ids in submission order.
import { checkSchedulerIds, outputLines, type MarkedOutput } from './common.ts';
import type { FoundByName } from './types.ts';

// Refuse a name that could not be an xpr job id (it is passed as one argv element, but a bug should show).
export function checkJobName(name: string): void {
  checkSchedulerIds([name], 'name');
}

// The answer when `what` (e.g. `squeue`) gave no usable reply: no ids, and why.
export function notAnswered(what: string, out: MarkedOutput): FoundByName {
  const said = outputLines(out.text)[0];
  return { ids: [], answered: false, problem: `${what} did not answer (${out.rc === null ? 'no exit code' : `exit code ${out.rc}`}${said ? `: ${said}` : ''})` };
}

// Distinct ids, oldest (lowest job number) first.
export function foundIds(ids: Iterable<string>): string[] {
  const num = (id: string): number => Number(/^\d+/.exec(id)?.[0] ?? Number.MAX_SAFE_INTEGER);
  return [...new Set(ids)].sort((a, b) => num(a) - num(b) || a.localeCompare(b));
}
