// `xpr dashboard`: a local, read-only web page of the project's jobs (live through server-sent events on store
// changes) and its offline HTML report. Public surface of src/dashboard/.
export { startDashboard, dashboardApp, type Dashboard, type DashboardOptions } from './server.ts';
export { renderReport, reportData, type ReportData } from './report.ts';
export { dashJobs, dashJobDetail, type DashJob, type DashJobDetail, type JobQuery } from './jobs.ts';
export { dashCalls, type DashCall } from './calls.ts';
export type { DashUsage } from './usage.ts';
export { DashboardListenError, DashboardAssetError } from './errors.ts';
