// The dashboard page's script (bundled with Chart.js by src/dashboard/page.ts): renders jobs, calls, timeline and
// usage from the JSON API (live: re-read on each server-sent `change` event) or from the report's inlined data.
import Chart from 'chart.js/auto';

const COLORS = { queued: '#b0bec5', running: '#1565c0', succeeded: '#2e7d32', failed: '#c62828', died: '#e65100', cancelled: '#757575' };
const MAX_ROWS = 1000;
const MAX_BARS = 200;

const $ = (id) => document.getElementById(id);
const inlined = $('xpr-data');
const report = inlined ? JSON.parse(inlined.textContent) : null;
const token = new URLSearchParams(location.search).get('token') || '';
const state = { jobs: [], calls: [], sort: { key: 'createdAt', dir: -1 }, selected: null, charts: {} };
window.__xpr = state; // for tests and curious users: the data and the Chart.js charts

// An element with text content (never HTML from data).
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

const api = async (path) => {
  const sep = path.includes('?') ? '&' : '?';
  const r = await fetch(`${path}${sep}token=${encodeURIComponent(token)}`, { cache: 'no-store' });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json();
};

const nowS = () => Date.now() / 1000;
const fmtTime = (s) => (s ? new Date(s * 1000).toLocaleString() : '-');
const fmtDur = (s) => {
  if (s === null || s === undefined || !isFinite(s)) return '-';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
};
const fmtBytes = (b) => {
  if (b === null || b === undefined) return '-';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (b >= 1024 && i < u.length - 1) { b /= 1024; i++; }
  return `${b.toFixed(i ? 1 : 0)} ${u[i]}`;
};
const fmtPct = (x) => (x === null || x === undefined ? '-' : `${(x * 100).toFixed(0)}%`);

// Derived, sortable fields of a job.
function derive(j) {
  const end = j.endedAt ?? (j.outcome ? j.updatedAt : null);
  const t = nowS();
  return {
    ...j,
    waitS: j.queuedAt ? (j.runningAt ?? end ?? t) - j.queuedAt : null,
    runS: j.runningAt ? (end ?? t) - j.runningAt : null,
    cpuEff: j.usage ? j.usage.cpu_efficiency : null,
    maxRss: j.usage ? j.usage.max_rss_bytes : null,
  };
}

function filtered() {
  const s = $('f-state').value, sys = $('f-system').value, name = $('f-name').value.trim().toLowerCase();
  return state.jobs.filter((j) => (!s || j.state === s) && (!sys || j.system === sys) && (!name || j.name.toLowerCase().includes(name)));
}

function sorted(jobs) {
  const { key, dir } = state.sort;
  return [...jobs].sort((a, b) => {
    const x = a[key], y = b[key];
    if (x === y) return 0;
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) * dir;
  });
}

// Keep a <select>'s options equal to the values seen (plus "all"), keeping the choice.
function syncOptions(select, values) {
  const have = [...select.options].slice(1).map((o) => o.value);
  const want = [...new Set(values)].sort();
  if (have.join('\n') === want.join('\n')) return;
  const keep = select.value;
  while (select.options.length > 1) select.remove(1);
  for (const v of want) select.add(new Option(v, v));
  select.value = want.includes(keep) ? keep : '';
}

function renderJobs() {
  syncOptions($('f-state'), state.jobs.map((j) => j.state));
  syncOptions($('f-system'), state.jobs.map((j) => j.system));
  const rows = sorted(filtered());
  const body = $('jobs').tBodies[0];
  body.replaceChildren();
  for (const j of rows.slice(0, MAX_ROWS)) {
    const tr = el('tr');
    tr.dataset.jobId = j.id;
    tr.dataset.state = j.state;
    tr.append(el('td', j.id, 'id'), el('td', j.name), el('td', j.system), el('td', j.state, `st st-${j.state} state`), el('td', j.schedulerId ?? '-'),
      el('td', fmtTime(j.createdAt)), el('td', fmtDur(j.waitS)), el('td', fmtDur(j.runS)), el('td', fmtPct(j.cpuEff)), el('td', fmtBytes(j.maxRss)));
    const reason = el('td', j.reason ?? '', 'reason');
    reason.title = j.reason ?? '';
    tr.append(reason);
    tr.addEventListener('click', () => select(j.id));
    body.append(tr);
  }
  $('shown').textContent = rows.length > MAX_ROWS ? `showing ${MAX_ROWS} of ${rows.length} matching jobs` : `${rows.length} of ${state.jobs.length} jobs`;
  for (const th of $('jobs').tHead.rows[0].cells) th.className = th.dataset.key === state.sort.key ? (state.sort.dir > 0 ? 'asc' : 'desc') : '';
  const counts = {};
  for (const j of state.jobs) counts[j.state] = (counts[j.state] || 0) + 1;
  $('summary').textContent = Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(' · ') || 'no jobs';
  renderTimeline(rows);
  renderUsage(rows);
}

function renderCalls() {
  const body = $('calls').tBodies[0];
  body.replaceChildren();
  $('no-calls').hidden = state.calls.length > 0;
  for (const c of [...state.calls].reverse()) {
    const tr = el('tr');
    tr.dataset.callKey = c.callKey;
    const bar = el('span', null, 'bar');
    let left = 0;
    for (const [n, color] of [[c.cached, '#90a4ae'], [c.done, COLORS.succeeded], [c.failed, COLORS.failed]]) {
      const w = c.items ? (100 * n) / c.items : 0;
      const s = el('span');
      s.style.left = `${left}%`; s.style.width = `${w}%`; s.style.background = color;
      bar.append(s);
      left += w;
    }
    const prog = el('td');
    prog.append(bar, el('span', ` ${c.items ? Math.round((100 * (c.done + c.cached)) / c.items) : 100}%`));
    tr.append(el('td', c.callKey.slice(0, 16)), el('td', fmtTime(c.createdAt)), el('td', c.items), el('td', c.done, 'done'), el('td', c.failed, 'failed'),
      el('td', c.cached, 'cached'), el('td', c.pending, 'pending'), el('td', c.jobIds.length), prog);
    body.append(tr);
  }
}

// The timeline: one horizontal bar per job (newest MAX_BARS of the filtered jobs), waiting part then running part.
function renderTimeline(rows) {
  const jobs = [...rows].sort((a, b) => a.createdAt - b.createdAt).slice(-MAX_BARS);
  $('timeline-note').textContent = rows.length > MAX_BARS ? `the ${MAX_BARS} newest of ${rows.length} matching jobs` : '';
  const t = report ? report.generatedAt : nowS();
  const waitBars = [], runBars = [], waitColors = [], runColors = [];
  for (const j of jobs) {
    const start = j.queuedAt ?? j.createdAt;
    const end = j.endedAt ?? (j.outcome ? j.updatedAt : t);
    const color = COLORS[j.outcome] ?? (j.state === 'running' ? COLORS.running : COLORS.queued);
    if (j.runningAt) {
      waitBars.push([start, j.runningAt]); waitColors.push(COLORS.queued);
      runBars.push([j.runningAt, Math.max(end, j.runningAt)]); runColors.push(color);
    } else {
      waitBars.push([start, Math.max(end, start)]); waitColors.push(j.outcome ? color : COLORS.queued);
      runBars.push(null); runColors.push(color);
    }
  }
  const origin = Math.min(...jobs.map((j) => j.queuedAt ?? j.createdAt), t);
  const data = {
    labels: jobs.map((j) => `${j.name} (${j.id.slice(-6)})`),
    datasets: [
      { label: 'queued', data: waitBars, backgroundColor: waitColors, grouped: false, barPercentage: 0.8, minBarLength: 2 },
      { label: 'running', data: runBars, backgroundColor: runColors, grouped: false, barPercentage: 0.8, minBarLength: 2 },
    ],
  };
  $('timeline-box').style.height = `${Math.max(120, 40 + jobs.length * 18)}px`;
  $('timeline').dataset.bars = String(jobs.length);
  if (state.charts.timeline) {
    state.charts.timeline.data = data;
    state.charts.timeline.options.scales.x.min = origin;
    state.charts.timeline.update('none');
    return;
  }
  state.charts.timeline = new Chart($('timeline'), {
    type: 'bar',
    data,
    options: {
      indexAxis: 'y', animation: false, responsive: true, maintainAspectRatio: false,
      plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c) => (c.raw ? `${c.dataset.label}: ${fmtDur(c.raw[1] - c.raw[0])}` : '') } } },
      scales: {
        x: { type: 'linear', min: origin, ticks: { callback: (v) => new Date(v * 1000).toLocaleTimeString() } },
        y: { ticks: { autoSkip: false, font: { size: 11 } } },
      },
      onClick: (_e, els) => { if (els.length) select(state.charts.timeline.$jobIds[els[0].index]); },
    },
  });
  state.charts.timeline.$jobIds = jobs.map((j) => j.id);
}

// CPU efficiency (left axis, %) and peak memory (right axis, MiB) of the jobs that recorded usage.
function renderUsage(rows) {
  const jobs = rows.filter((j) => j.usage).sort((a, b) => a.createdAt - b.createdAt).slice(-MAX_BARS);
  $('usage-note').textContent = jobs.length ? '' : 'no job in view has recorded resource usage yet';
  $('usage-box').hidden = jobs.length === 0;
  $('usage-box').style.height = `${Math.max(160, 60 + jobs.length * 14)}px`;
  const data = {
    labels: jobs.map((j) => `${j.name} (${j.id.slice(-6)})`),
    datasets: [
      { label: 'CPU efficiency (%)', data: jobs.map((j) => (j.cpuEff === null ? null : j.cpuEff * 100)), backgroundColor: '#1565c0', xAxisID: 'x' },
      { label: 'peak memory (MiB)', data: jobs.map((j) => (j.maxRss === null ? null : j.maxRss / 2 ** 20)), backgroundColor: '#8e24aa', xAxisID: 'x1' },
    ],
  };
  if (state.charts.usage) {
    state.charts.usage.data = data;
    state.charts.usage.update('none');
    return;
  }
  if (!jobs.length) return;
  state.charts.usage = new Chart($('usage'), {
    type: 'bar',
    data,
    options: {
      indexAxis: 'y', animation: false, responsive: true, maintainAspectRatio: false,
      scales: {
        x: { position: 'bottom', min: 0, suggestedMax: 100, title: { display: true, text: 'CPU efficiency (%)' } },
        x1: { position: 'top', min: 0, grid: { drawOnChartArea: false }, title: { display: true, text: 'peak memory (MiB)' } },
        y: { ticks: { autoSkip: false, font: { size: 11 } } },
      },
    },
  });
}

function renderDetail(d) {
  const box = $('detail');
  box.replaceChildren();
  $('detail-section').hidden = false;
  $('d-id').textContent = d.job.id;
  const dl = el('dl');
  const item = (k, v) => dl.append(el('dt', k), el('dd', v));
  item('name', d.job.name);
  item('system', d.job.system);
  item('state', d.job.reason ? `${d.job.state} (${d.job.reason})` : d.job.state);
  item('queue id', d.job.schedulerId ?? '-');
  item('stage dir', d.stageDir);
  if (d.job.usage) {
    const u = d.job.usage;
    item('usage', `elapsed ${fmtDur(u.elapsed_s)}, CPU ${fmtDur(u.cpu_s)} on ${u.cores ?? '?'} core(s), efficiency ${fmtPct(u.cpu_efficiency)}, peak memory ${fmtBytes(u.max_rss_bytes)} (${u.source ?? '?'})`);
  }
  box.append(dl, el('h3', 'history'));
  const hist = el('pre', d.events.map((e) => `${fmtTime(e.at)}  ${e.fromState ?? '-'} → ${e.toState}${e.detail ? `  (${e.detail})` : ''}`).join('\n'));
  box.append(hist);
  if (d.error) {
    box.append(el('h3', 'remote error'), el('pre', `${d.error.name}: ${d.error.message}`, 'error-message'));
    box.append(el('h3', 'remote stack'), el('pre', d.error.stack ?? '(none)', 'error-stack'));
  }
  for (const name of ['stdout', 'stderr']) {
    box.append(el('h3', `${name} (tail)`), el('pre', d.logs[name] || '(empty, or not brought back yet)', `log-${name}`));
  }
}

async function select(id) {
  state.selected = id;
  if (report) {
    const d = report.details[id];
    if (d) renderDetail(d);
    else {
      const j = state.jobs.find((x) => x.id === id);
      if (j) renderDetail({ job: j, events: [], stageDir: '-', error: null, logs: { stdout: '', stderr: '' } });
    }
    return;
  }
  try {
    renderDetail(await api(`/api/jobs/${encodeURIComponent(id)}`));
  } catch (err) {
    $('detail').replaceChildren(el('p', String(err), 'muted'));
  }
}

// Read everything again (live mode), at most one read at a time.
let reading = null, again = false;
async function refresh() {
  if (reading) { again = true; return reading; }
  reading = (async () => {
    do {
      again = false;
      const [jobs, calls] = await Promise.all([api('/api/jobs'), api('/api/calls')]);
      state.jobs = jobs.jobs.map(derive);
      state.calls = calls.calls;
      renderJobs();
      renderCalls();
      if (state.selected && !$('detail-section').hidden) await select(state.selected);
    } while (again);
  })().finally(() => { reading = null; });
  return reading;
}

function setMode(text, cls) {
  $('mode').textContent = text;
  $('mode').className = `mode ${cls}`;
}

function start() {
  for (const th of $('jobs').tHead.rows[0].cells) {
    th.addEventListener('click', () => {
      const key = th.dataset.key;
      state.sort = { key, dir: state.sort.key === key ? -state.sort.dir : 1 };
      renderJobs();
    });
  }
  for (const id of ['f-state', 'f-system']) $(id).addEventListener('change', renderJobs);
  $('f-name').addEventListener('input', renderJobs);
  $('d-close').addEventListener('click', () => { $('detail-section').hidden = true; state.selected = null; });
  if (report) {
    state.jobs = report.jobs.map(derive);
    state.calls = report.calls;
    setMode(`report of ${new Date(report.generatedAt * 1000).toLocaleString()}`, 'report');
    renderJobs();
    renderCalls();
    return;
  }
  setMode('connecting…', '');
  const events = new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
  events.addEventListener('hello', () => { setMode('live', 'live'); refresh().catch(() => setMode('cannot read', 'lost')); });
  events.addEventListener('change', () => { refresh().catch(() => setMode('cannot read', 'lost')); });
  events.onerror = () => setMode('reconnecting…', 'lost');
}

start();
