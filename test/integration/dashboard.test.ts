// `xpr dashboard` in real headless chromium (Debian's, through playwright-core) over real jobs on the built-in local
// system: the page lists the store's jobs, follows a job to its end without reload, shows a failed job's stack, draws
// one timeline bar per job and is not blank; requests without the token get 403; the --once report has no URL.
import test from 'ava';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RemoteJob, runJob, JobFailedError, autoparallelize, XprContext } from '../../src/index.ts';
import { startDashboard, DashboardListenError, type Dashboard } from '../../src/dashboard/index.ts';
import { add, sleepThenReturn, throwsCustom } from '../fixtures/ops/basic.ts';
import { double } from '../fixtures/autopara/ops.ts';
import { makeProject, type TestProject } from '../helpers/project.ts';
import { launchChromium, distinctColours } from '../helpers/browser.ts';

const run = promisify(execFile);
const oneCore = { system: 'local', resources: { num_cores: 1, max_time: '5m' }, partialNode: true } as const;
const XPR = join(import.meta.dirname, '../../cli/xpr.mjs');
const WAIT = { timeout: 120_000 };

// A project with a succeeded job, a failed one and an autoparallelize call (2 items, 1 per job).
async function projectWithJobs(): Promise<{ p: TestProject; ctx: XprContext; failedId: string }> {
  const p = makeProject();
  const ctx = p.context();
  t0Ok(await runJob({ op: add, args: [2, 3], ...oneCore, context: ctx }));
  let failedId = '';
  try {
    await runJob({ op: throwsCustom, args: ['no convergence'], ...oneCore, context: ctx });
  } catch (err) {
    if (!(err instanceof JobFailedError)) throw err;
    failedId = err.jobId;
  }
  await autoparallelize(double, [1, 2], {
    context: ctx, progress: 'silent',
    remoteInfo: { sys_name: 'local', job_name: 'dbl', resources: { num_cores: 1, max_time: '5m' }, partial_node: true, num_inputs_per_queued_job: 1, check_interval: 0.5 },
  });
  return { p, ctx, failedId };
}
function t0Ok(v: unknown): void {
  if (v !== 5) throw new Error(`add(2, 3) gave ${String(v)}`);
}

test('the page lists the jobs, follows a job to its end without reload, shows a failed stack and one timeline bar per job', async (t) => {
  const browser = await launchChromium(t);
  if (!browser) return;
  const { p, ctx, failedId } = await projectWithJobs();
  t.truthy(failedId, 'the failing op made a failed job');
  // The job that ends while the page is open: started (by the test's context), not awaited yet.
  const slow = await RemoteJob.create<string>({ op: sleepThenReturn, args: [3000, 'late'] }, ctx);
  await slow.start(oneCore);
  // A job whose row carries resource usage (as the runner and queue accounting record it): the page shows it.
  const usage = { elapsed_s: 100, cpu_s: 90, cores: 1, cpu_efficiency: 0.9, max_rss_bytes: 200 * 2 ** 20, source: 'runner' };
  ctx.store.claim({ id: 'measured_job', cacheKey: 'measured', name: 'measured', system: 'local', stageDir: join(p.root, 'nowhere'), runDir: join(p.root, 'nowhere'), outputDir: p.dir, envHash: 'e', details: { usage } });
  for (const s of ['staged', 'submitted', 'running', 'succeeded'] as const) ctx.store.transition('measured_job', s);
  // The dashboard reads the store through its own connection, as `xpr dashboard` in another terminal would.
  const viewer = p.context();
  let dash: Dashboard | undefined;
  try {
    dash = await startDashboard(viewer.store, { watchIntervalMs: 200 });
    const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(`http://127.0.0.1:${dash!.port}/`)) external.push(r.url());
    });
    await page.goto(dash.url);
    const total = ctx.store.list().length;
    await page.waitForFunction((n) => document.querySelectorAll('#jobs tbody tr').length === n, total, WAIT);
    const ids = await page.$$eval('#jobs tbody tr', (rows) => rows.map((r) => (r as HTMLElement).dataset.jobId));
    t.deepEqual([...ids].sort(), ctx.store.list().map((r) => r.id).sort(), 'every job of the store is listed');

    // The slow job ends (its result is collected by the test's context, which records it in the store) while the page
    // stays loaded: the marker set on the window survives, so the row changed without a reload.
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    t.is(await slow.result(), 'late');
    await page.waitForFunction((id) => document.querySelector(`#jobs tr[data-job-id="${id}"]`)?.getAttribute('data-state') === 'succeeded', slow.id!, WAIT);
    t.is(await page.evaluate(() => (window as unknown as { marker?: number }).marker), 42, 'no reload');

    // A failed job's remote error and stack.
    await page.click(`#jobs tr[data-job-id="${failedId}"]`);
    await page.waitForSelector('#detail .error-stack', WAIT);
    t.regex(await page.textContent('#detail .error-message') ?? '', /DftConvergenceError: no convergence/);
    t.regex(await page.textContent('#detail .error-stack') ?? '', /test\/fixtures\/ops\/basic\.ts/);

    // The timeline: one bar (row) per job.
    const bars = await page.evaluate(() => {
      const c = (window as unknown as { __xpr: { charts: { timeline: { data: { labels: unknown[]; datasets: Array<{ data: unknown[] }> } } } } }).__xpr.charts.timeline;
      return { labels: c.data.labels.length, wait: c.data.datasets[0]!.data.length };
    });
    t.deepEqual(bars, { labels: total, wait: total });
    // The autoparallelize call with its 2 items done by its jobs.
    t.deepEqual(await page.$$eval('#calls tbody tr', (rows) => rows.map((r) => [r.querySelector('.done')?.textContent, r.querySelector('.failed')?.textContent, r.querySelector('.cached')?.textContent])), [['2', '0', '0']]);

    // CPU efficiency and peak memory of the job that recorded them, in its row and in the usage chart.
    t.deepEqual(await page.$$eval('#jobs tr[data-job-id="measured_job"] td', (tds) => [tds[8]?.textContent, tds[9]?.textContent]), ['90%', '200.0 MiB']);
    // One usage bar per job that recorded usage (the runner records it for every job that ran), the measured one among them.
    const labels = await page.evaluate(() => (window as unknown as { __xpr: { charts: { usage: { data: { labels: string[] } } } } }).__xpr.charts.usage.data.labels);
    const withUsage = await page.$$eval('#jobs tbody tr', (rows) => rows.filter((r) => !['', '-'].includes(r.querySelectorAll('td')[9]?.textContent?.trim() ?? '')).length);
    t.is(labels.length, withUsage);
    t.true(labels.some((l) => l.endsWith('(ed_job)')), labels.join(', '));

    const png = await page.screenshot({ fullPage: true });
    t.true((await distinctColours(browser, png)) > 50, 'the screenshot is not blank');
    t.deepEqual(external, [], 'the page loads nothing from elsewhere');
  } finally {
    await dash?.close();
    await browser.close();
    await viewer.close();
    await ctx.close();
  }
});

test('requests without the right token get 403; the API answers with it; it listens on 127.0.0.1 only and is read-only', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  const dash = await startDashboard(ctx.store);
  try {
    const base = `http://127.0.0.1:${dash.port}`;
    for (const path of ['/', '/api/jobs', '/api/calls', '/api/events', '/api/jobs/x', `/?token=${dash.token}x`, '/api/jobs?token=']) {
      t.is((await fetch(base + path)).status, 403, path);
    }
    const ok = await fetch(`${base}/api/jobs?token=${dash.token}`);
    t.is(ok.status, 200);
    t.deepEqual(await ok.json(), { jobs: [] });
    t.is((await fetch(`${base}/api/jobs/nope?token=${dash.token}`)).status, 404);
    t.is((await fetch(`${base}/api/jobs?token=${dash.token}`, { method: 'POST' })).status, 405);
    t.regex(dash.url, new RegExp(`^http://127\\.0\\.0\\.1:${dash.port}/\\?token=[A-Za-z0-9_-]{32}$`));
  } finally {
    await dash.close();
    await ctx.close();
  }
});

test('xpr dashboard --once writes a report that holds the jobs and the failed stack, with no URL outside its data, and renders offline', async (t) => {
  const browser = await launchChromium(t);
  if (!browser) return;
  const { p, ctx, failedId } = await projectWithJobs();
  try {
    const out = join(p.dir, 'report.html');
    await run(process.execPath, [XPR, 'dashboard', '--once', '--out', out], { cwd: p.dir, env: p.env });
    const html = readFileSync(out, 'utf8');
    const data = /<script type="application\/json" id="xpr-data">([\s\S]*?)<\/script>/.exec(html);
    t.truthy(data, 'the data is inlined');
    const outside = html.replace(data![0], '');
    t.deepEqual(outside.match(/https?:\/\/[^\s"'<>)]*/g) ?? [], [], 'no http(s) URL outside the data');
    t.notRegex(outside, /<(script|link|img)[^>]+(src|href)=/i, 'nothing loaded from a file or address');
    const report = JSON.parse(data![1]!) as { jobs: Array<{ id: string }>; details: Record<string, { error: { stack: string } }> };
    t.deepEqual(report.jobs.map((j) => j.id).sort(), ctx.store.list().map((r) => r.id).sort());
    t.regex(report.details[failedId]!.error.stack, /test\/fixtures\/ops\/basic\.ts/);

    // Opened from disk with every network request refused: the jobs and the failed stack are shown.
    const page = await browser.newPage();
    const requests: string[] = [];
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file://')) return route.continue();
      requests.push(url);
      return route.abort();
    });
    await page.goto(`file://${out}`);
    await page.waitForFunction((n) => document.querySelectorAll('#jobs tbody tr').length === n, report.jobs.length, WAIT);
    await page.click(`#jobs tr[data-job-id="${failedId}"]`);
    t.regex(await page.textContent('#detail .error-stack') ?? '', /test\/fixtures\/ops\/basic\.ts/);
    t.deepEqual(requests, []);
  } finally {
    await browser.close();
    await ctx.close();
  }
});

test('a port already in use is a DashboardListenError naming the port; --out without --once is a usage error', async (t) => {
  const p = makeProject();
  const ctx = p.context();
  const first = await startDashboard(ctx.store);
  try {
    const err = await t.throwsAsync(startDashboard(ctx.store, { port: first.port }), { instanceOf: DashboardListenError });
    t.regex(err.message, new RegExp(`127\\.0\\.0\\.1:${first.port}.*--port`));
  } finally {
    await first.close();
    await ctx.close();
  }
  const usage = await t.throwsAsync(run(process.execPath, [XPR, 'dashboard', '--out', join(p.dir, 'r.html')], { cwd: p.dir, env: p.env }));
  t.is((usage as { code?: number }).code, 2);
  t.regex((usage as { stderr?: string }).stderr ?? '', /--out goes with --once/);
});
