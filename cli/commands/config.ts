// `xpr config`: the resolved configuration: project root, config files read (shallowest first), and every system
// with the files that set it. --json prints the same as one object.
import { XprContext, systemSources } from '../../src/index.ts';
import { makeTable, paint, useColor } from './format.ts';

// Print the resolved config.
export function config(o: { json?: boolean }): void {
  const ctx = new XprContext();
  const cfg = ctx.config;
  const sources = systemSources(cfg);
  const systems = [...cfg.systems.values()].map((s) => ({ ...s, sources: sources.get(s.name) ?? [], builtIn: (sources.get(s.name) ?? []).length === 0 }));
  if (o.json) {
    process.stdout.write(JSON.stringify({ projectRoot: cfg.projectRoot, files: cfg.files, remoteRundirSubmitHostname: cfg.remoteRundirSubmitHostname, systems }, null, 2) + '\n');
    return;
  }
  const c = useColor();
  const out = [
    `${paint('project root:', 'bold', c)} ${cfg.projectRoot}`,
    `${paint('config files:', 'bold', c)} ${cfg.files.length ? '' : '(none: only the built-in "local" system)'}`,
    ...cfg.files.map((f) => `  ${f}`),
  ];
  const table = makeTable(['system', 'scheduler', 'host', 'rundir', 'partitions', 'from'], c);
  for (const s of systems) {
    const parts = s.partitions.map((p) => `${p.name}${p.schedulerName !== p.name ? `→${p.schedulerName}` : ''} (${p.numCores} cores${p.maxTimeS === null ? '' : `, ${p.maxTimeS}s`})`).join('\n');
    table.push([s.name, s.scheduler, s.host ?? '(this machine)', s.rundir ?? '(stage dir)', parts || '-', s.builtIn ? '(built in)' : s.sources.join('\n')]);
  }
  process.stdout.write(`${out.join('\n')}\n${table.toString()}\n`);
}
