// Batch header lines: filling `{num_cores}`-style placeholders as ExPyRe's `line.rstrip().format(**node_dict)`
// does (Python str.format rules, `{{`/`}}` escapes, format specs), and putting a job's header together in ExPyRe's order.
import type { NodeFit } from '../resources/types.ts';
import { formatHMS } from '../resources/units.ts';
import { HEADER_TEMPLATE_KEYS } from '../config/header-template.ts';
import type { JobScriptSpec } from './types.ts';
import { HeaderTemplateError } from './errors.ts';

/**
 * Placeholders a header line may use (ExPyRe's node_dict): `{max_time}` is `H:MM:SS` as in ExPyRe, so
 * `#SBATCH --time={max_time}` from an ExPyRe config keeps its meaning (`{max_time_HMS}` is the same, by its
 * explicit name); `{partition}` and its alias `{queue}` are the scheduler's name of the partition.
 * Kept equal to config/header-template.ts HEADER_TEMPLATE_KEYS (a test checks).
 */
export const HEADER_PLACEHOLDERS = HEADER_TEMPLATE_KEYS;

type Value = string | number;

// The values header placeholders stand for, for one job.
export function headerValues(fit: NodeFit, jobId: string): Record<(typeof HEADER_PLACEHOLDERS)[number], Value> {
  return {
    id: jobId,
    max_time: formatHMS(fit.maxTimeS),
    max_time_HMS: formatHMS(fit.maxTimeS),
    partition: fit.partition.schedulerName,
    queue: fit.partition.schedulerName,
    num_nodes: fit.numNodes,
    num_cores: fit.numCores,
    num_cores_per_node: fit.numCoresPerNode,
  };
}

// Double every brace so a literal value passes through the templating unchanged.
export function escapeTemplate(text: string): string {
  return text.replaceAll('{', '{{').replaceAll('}', '}}');
}

// Fill each line (right-trimmed, as ExPyRe) from the job's allocation; errors name `${where}[i]`.
export function renderHeaderLines(lines: readonly string[], fit: NodeFit, jobId: string, where: string): string[] {
  const values = headerValues(fit, jobId);
  return lines.map((line, i) => renderTemplate(line.trimEnd(), values, `${where}[${i}]`));
}

/**
 * The whole header of a job, in ExPyRe's order: system `header`, partition `header`, the call's header_extra,
 * the scheduler's default lines (unless the system sets `no_default_header`), then EXPYRE_HEADER_EXTRA.
 * Every part is templated. Where a scheduler honours the last of repeated options (sbatch does), the
 * defaults therefore win over the same option in the system header, as in ExPyRe.
 */
export function composeHeader(spec: JobScriptSpec, defaults: readonly string[]): string[] {
  const { system, fit, jobId } = spec;
  const at = `systems.${system.name}`;
  return [
    ...renderHeaderLines(system.header, fit, jobId, `${at}.header`),
    ...renderHeaderLines(fit.partition.header, fit, jobId, `${at}.partitions.${fit.partition.name}.header`),
    ...renderHeaderLines(spec.headerExtra, fit, jobId, 'header_extra'),
    ...(system.noDefaultHeader ? [] : renderHeaderLines(defaults, fit, jobId, `default ${system.scheduler} header`)),
    ...renderHeaderLines(spec.envHeaderExtra, fit, jobId, 'EXPYRE_HEADER_EXTRA'),
  ];
}

// Python str.format over named values; anything str.format would reject (or we do not support) is a HeaderTemplateError.
export function renderTemplate(line: string, values: Readonly<Record<string, Value>>, where: string): string {
  const fail = (problem: string): never => {
    throw new HeaderTemplateError(where, line, problem, HEADER_PLACEHOLDERS);
  };
  if (/[\r\n]/.test(line)) fail('a header line must not contain a line break');
  let out = '';
  let i = 0;
  while (i < line.length) {
    const ch = line[i]!;
    if (ch === '}') {
      if (line[i + 1] !== '}') fail(`single "}" at character ${i + 1}`);
      out += '}';
      i += 2;
    } else if (ch !== '{') {
      out += ch;
      i += 1;
    } else if (line[i + 1] === '{') {
      out += '{';
      i += 2;
    } else {
      const end = line.indexOf('}', i + 1);
      if (end < 0) fail(`"{" at character ${i + 1} is never closed`);
      const field = line.slice(i + 1, end);
      if (field.includes('{')) fail(`nested "{" inside {${field}} is not supported`);
      out += renderField(field, values, fail);
      i = end + 1;
    }
  }
  return out;
}

function renderField(field: string, values: Readonly<Record<string, Value>>, fail: (p: string) => never): string {
  const m = /^([^!:]*)(?:!([^:]*))?(?::(.*))?$/s.exec(field)!;
  const name = m[1]!;
  if (name === '' || /^\d+$/.test(name)) fail(`positional field {${field}} is not allowed; use a name`);
  if (/[.[]/.test(name)) fail(`{${field}}: attribute and index access are not supported`);
  if (!Object.hasOwn(values, name)) fail(`unknown placeholder {${name}}`);
  let value: Value = values[name]!;
  const conversion = m[2];
  if (conversion !== undefined) {
    if (conversion === 's') value = String(value);
    else if (conversion === 'r' || conversion === 'a') value = pythonRepr(value);
    else fail(`{${field}}: unknown conversion "!${conversion}" (use !s, !r or !a)`);
  }
  return formatValue(value, m[3] ?? '', (p) => fail(`{${field}}: ${p}`));
}

function pythonRepr(value: Value): string {
  if (typeof value === 'number') return String(value);
  const body = value.replaceAll('\\', '\\\\');
  if (!value.includes("'")) return `'${body}'`;
  if (!value.includes('"')) return `"${body}"`;
  return `'${body.replaceAll("'", "\\'")}'`;
}

const SPEC = /^(?:(.)?([<>=^]))?([-+ ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bdnosxXfF%])?$/s;

// Python's format-spec mini-language for str and int values (types s, d, n, b, o, x, X, f, F, %).
function formatValue(value: Value, spec: string, fail: (p: string) => never): string {
  if (spec === '') return String(value);
  const m = SPEC.exec(spec);
  if (!m) fail(`format spec ":${spec}" is not supported`);
  const [, fillChar, alignChar, sign, alt, zero, widthText, grouping, precisionText, type] = m!;
  const width = widthText === undefined ? 0 : Number(widthText);
  let fill = fillChar ?? ' ';
  let align = alignChar;
  if (zero && align === undefined) {
    fill = '0';
    align = typeof value === 'string' ? '<' : '=';
  }
  if (typeof value === 'string') {
    if (type !== undefined && type !== 's') fail(`format type "${type}" needs a number, this value is text`);
    if (sign !== undefined || alt !== undefined || grouping !== undefined) fail('sign, # and grouping need a number');
    if (align === '=') fail('"=" alignment needs a number');
    const text = precisionText === undefined ? value : value.slice(0, Number(precisionText));
    return pad(text, '', width, fill, align ?? '<');
  }
  if (type === 's') fail('format type "s" needs text, this value is a number');
  let digits: string;
  let prefix = '';
  switch (type) {
    case 'f': case 'F': case '%': {
      const scaled = Math.abs(type === '%' ? value * 100 : value);
      digits = scaled.toFixed(precisionText === undefined ? 6 : Number(precisionText)) + (type === '%' ? '%' : '');
      if (grouping) digits = group(digits, 3, grouping);
      break;
    }
    default: {
      if (precisionText !== undefined) fail('precision is not allowed for integers');
      const radix = type === 'b' ? 2 : type === 'o' ? 8 : type === 'x' || type === 'X' ? 16 : 10;
      digits = Math.abs(value).toString(radix);
      if (type === 'X') digits = digits.toUpperCase();
      if (alt && radix !== 10) prefix = { 2: '0b', 8: '0o', 16: type === 'X' ? '0X' : '0x' }[radix]!;
      if (grouping) digits = group(digits, radix === 10 ? 3 : 4, grouping);
    }
  }
  const signText = value < 0 ? '-' : sign === '+' ? '+' : sign === ' ' ? ' ' : '';
  return pad(digits, signText + prefix, width, fill, align ?? '>');
}

function group(digits: string, size: number, sep: string): string {
  const [intPart, rest = ''] = digits.split(/(?=[.%])/);
  let grouped = '';
  for (let i = intPart!.length; i > 0; i -= size) grouped = intPart!.slice(Math.max(0, i - size), i) + (grouped ? sep + grouped : '');
  return grouped + rest;
}

function pad(body: string, signPrefix: string, width: number, fill: string, align: string): string {
  const missing = width - body.length - signPrefix.length;
  if (missing <= 0) return signPrefix + body;
  const filler = (n: number): string => fill.repeat(n);
  switch (align) {
    case '<': return signPrefix + body + filler(missing);
    case '^': return filler(Math.floor(missing / 2)) + signPrefix + body + filler(missing - Math.floor(missing / 2));
    case '=': return signPrefix + filler(missing) + body;
    default: return filler(missing) + signPrefix + body;
  }
}

// Full job script text: shebang, header lines, a blank line, then the body (ending with a newline).
export function renderBatchScript(spec: JobScriptSpec, header: readonly string[]): string {
  const exec = spec.system.scriptExec;
  if (exec.trim() === '' || /[\r\n]/.test(exec)) {
    throw new HeaderTemplateError(`systems.${spec.system.name}.script_exec`, exec, 'the shebang interpreter must be one non-empty line', HEADER_PLACEHOLDERS);
  }
  const body = spec.body.endsWith('\n') ? spec.body : `${spec.body}\n`;
  return [`#!${exec}`, ...header, '', body].join('\n');
}

// The first word of script_exec (e.g. `/bin/bash` of `/bin/bash -l`): SGE's and PBS's `-S` take a path only.
export function shellPath(scriptExec: string): string {
  return scriptExec.trim().split(/\s+/)[0] ?? '/bin/bash';
}
