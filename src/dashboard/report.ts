// `xpr dashboard --once`: the dashboard's content (jobs, calls, detail of each job that failed or died) as one
// self-contained HTML file: script, style and data inlined, no external URL, so it opens offline.
import type { JobStore } from '../store/index.ts';
import { dashJobs, dashJobDetail, type DashJob, type DashJobDetail } from './jobs.ts';
import { dashCalls, type DashCall } from './calls.ts';
import { renderPage } from './page.ts';

/** What a report holds (also what the page reads from its inlined data). */
export interface ReportData {
  generatedAt: number;
  storePath: string;
  jobs: DashJob[];
  calls: DashCall[];
  /** Detail of the jobs that failed or died, by id. */
  details: Record<string, DashJobDetail>;
}

// The report's data from the store.
export function reportData(store: JobStore): ReportData {
  const jobs = dashJobs(store);
  const details: Record<string, DashJobDetail> = {};
  for (const j of jobs) {
    if (j.outcome !== 'failed' && j.outcome !== 'died') continue;
    const d = dashJobDetail(store, j.id);
    if (d) details[j.id] = d;
  }
  return { generatedAt: Date.now() / 1000, storePath: store.path, jobs, calls: dashCalls(store), details };
}

// The report as one HTML document.
export function renderReport(store: JobStore): Promise<string> {
  return renderPage(reportData(store));
}
