// gap_fit's command-line grammar: parameters as `key=value` (T/F, {a b c}, quoted strings) plus the gap={desc : desc}
// block with {{a b c}} lists and {{k:v:...}} mappings; rendered as the argv gap_fit receives, one per `key=value`.
import { FitOptionError } from './errors.ts';

export type GapScalar = string | number | boolean;
export type GapValue = GapScalar | readonly GapScalar[] | Readonly<Record<string, GapScalar | readonly GapScalar[]>>;
/** One descriptor of the gap={...} block, e.g. `{ soap: true, l_max: 6, n_max: 12, atom_sigma: 0.5, cutoff: 5, n_species: 2,
 * species_Z: [8, 1], config_type_n_sparse: { bulk: 100, isolated_atom: 0 }, ... }`. */
export type GapDescriptor = Readonly<Record<string, GapValue | undefined>>;

/** gap_fit parameters: top-level keys (undefined = left out), plus `_gap` (the descriptors, in order). */
export interface GapFitParams {
  readonly [key: string]: GapValue | readonly GapDescriptor[] | undefined;
  readonly _gap?: readonly GapDescriptor[];
}

// How libAtoms reads the line (ParamReader param_read_args / param_read_line, System split_string): the arguments are
// joined with spaces (one holding a space after `key=` gets quotes, unless its value starts with " ' or {); fields are
// split at spaces and commas outside "...", '...' and {...} (nested, each balanced), and one level of those is removed;
// descriptors are split at : and ; outside {...}. So: quotes never appear inside a value, a top-level string with a
// space, comma, = or brace is sent quoted as "...", and a value inside gap={...}, a list or a mapping is one plain word.
const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CONTROL = /[\x00-\x1f\x7f]/;
const NEEDS_QUOTES = /[ ,={}]/;
const NOT_IN_WORD = /[\s"',{}:;=]/;

function number(v: number, where: string): string {
  if (!Number.isFinite(v)) throw new FitOptionError(where, `expected a finite number, got ${v}`);
  return String(v);
}

function notScalar(v: unknown, where: string): never {
  throw new FitOptionError(where, `expected a string, number or boolean, got ${v === null ? 'null' : typeof v}`);
}

// A top-level value: T/F, a number, or a string (quoted when it holds a space, comma, = or brace, or is empty).
function topScalar(v: unknown, where: string): string {
  if (typeof v === 'boolean') return v ? 'T' : 'F';
  if (typeof v === 'number') return number(v, where);
  if (typeof v !== 'string') notScalar(v, where);
  if (CONTROL.test(v)) throw new FitOptionError(where, `a string cannot hold control characters (tab, newline...): ${JSON.stringify(v)}`);
  if (/["']/.test(v)) throw new FitOptionError(where, `a string cannot hold " or ' (gap_fit reads them as quotes): ${JSON.stringify(v)}`);
  let depth = 0;
  for (const ch of v) {
    depth += ch === '{' ? 1 : ch === '}' ? -1 : 0;
    if (depth < 0) break;
  }
  if (depth !== 0) throw new FitOptionError(where, `a string can hold { and } only in balanced pairs (gap_fit matches them): ${JSON.stringify(v)}`);
  return v === '' || NEEDS_QUOTES.test(v) ? `"${v}"` : v;
}

// A value inside gap={...}, a list or a mapping: T/F, a number, or a string that is one plain word there.
function word(v: unknown, where: string, place: 'descriptor' | 'item'): string {
  if (typeof v === 'boolean') return v ? 'T' : 'F';
  if (typeof v === 'number') return number(v, where);
  if (typeof v !== 'string') notScalar(v, where);
  if (v === '') {
    if (place === 'descriptor') return '""';
    throw new FitOptionError(where, 'an empty string cannot be a list or mapping item');
  }
  if (NOT_IN_WORD.test(v) || CONTROL.test(v)) {
    const what = place === 'descriptor' ? 'a value inside gap={...}' : 'a list or mapping item';
    throw new FitOptionError(where, `${what} cannot hold spaces, quotes, commas, braces, :, ; or = (gap_fit splits or strips them there): ${JSON.stringify(v)}`);
  }
  return v;
}

function pair(key: string, value: unknown, where: string, inGap: boolean): string {
  if (!KEY.test(key)) throw new FitOptionError(where, `${JSON.stringify(key)} is not a valid gap_fit key`);
  const [open, close] = inGap ? ['{{', '}}'] : ['{', '}'];
  if (Array.isArray(value)) {
    if (value.length === 0) throw new FitOptionError(where, 'an empty list cannot be written on the gap_fit command line');
    return `${key}=${open}${value.map((x, i) => word(x, `${where}[${i}]`, 'item')).join(' ')}${close}`;
  }
  if (value !== null && typeof value === 'object') {
    // e.g. config_type_sigma={isolated_atom:0.0001:0.0:0.0:0.0:bulk:0.002:0.2:0.2:0.0}, e0={Ti:-150.0:O:-320}, and
    // inside a descriptor config_type_n_sparse={{bulk:3:rattled:4}} (gap_fit splits it at : as it does at top level)
    const parts = Object.entries(value).flatMap(([k, v]) => [
      word(k, `${where}.${k}`, 'item'),
      ...(Array.isArray(v) ? v : [v]).map((x, i) => word(x, `${where}.${k}${Array.isArray(v) ? `[${i}]` : ''}`, 'item')),
    ]);
    if (parts.length === 0) throw new FitOptionError(where, 'an empty mapping cannot be written on the gap_fit command line');
    return `${key}=${open}${parts.join(':')}${close}`;
  }
  return `${key}=${inGap ? word(value, where, 'descriptor') : topScalar(value, where)}`;
}

// gap_fit turns its core potential on whenever core_ip_args (or its alias baseline_ip_args) is present, even empty: it
// then reads core_param_file (default quip_params.xml in its cwd) and aborts. So an empty value is refused here.
function validateCoreIpArgs(params: GapFitParams): void {
  for (const key of ['core_ip_args', 'baseline_ip_args']) {
    const v = params[key];
    if (typeof v === 'string' && v.trim() === '') {
      throw new FitOptionError(`params.${key}`, `an empty ${key} still turns gap_fit's core potential on (gap_fit then reads core_param_file, default quip_params.xml, and aborts); leave ${key} out to fit without a core potential`);
    }
  }
}

// gap_fit takes a descriptor's sparse point count from a nonzero n_sparse or from config_type_n_sparse, never both
// ("Confused: cannot specify both n_sparse and config_type_n_sparse"), unless the points come from sparse_file.
function validateSparseCounts(d: GapDescriptor, where: string): void {
  if (d.config_type_n_sparse === undefined || d.n_sparse === undefined || String(d.n_sparse) === '0' || d.sparse_file !== undefined) return;
  throw new FitOptionError(`${where}.n_sparse`, 'n_sparse and config_type_n_sparse cannot both be set in one descriptor (gap_fit refuses the pair); leave n_sparse out to take the sparse points per config type from config_type_n_sparse');
}

// The argv gap_fit gets (without the program): one element per top-level `key=value`, then one `gap={...}` element,
// each exactly as gap_fit's parser reads it (libAtoms leaves arguments whose value starts with " or { as they are), e.g.
//   at_file=train.xyz | default_sigma={0.01 0.1 0.1 0.0} | core_ip_args="IP Glue" | gap={soap=T l_max=6 species_Z={{8 1}} : distance_2b=T cutoff=5}
export function gapFitArgs(params: GapFitParams): string[] {
  if (params === null || typeof params !== 'object' || Array.isArray(params)) throw new FitOptionError('params', 'expected an object of gap_fit parameters');
  validateCoreIpArgs(params);
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (key === '_gap' || value === undefined) continue;
    parts.push(pair(key, value, `params.${key}`, false));
  }
  const descs = params._gap;
  if (!Array.isArray(descs) || descs.length === 0) throw new FitOptionError('params._gap', 'expected a non-empty list of descriptor objects');
  const rendered = descs.map((d, i) => {
    if (d === null || typeof d !== 'object' || Array.isArray(d) || Object.keys(d).length === 0) {
      throw new FitOptionError(`params._gap[${i}]`, 'expected a descriptor object such as { soap: true, cutoff: 5, ... }');
    }
    validateSparseCounts(d, `params._gap[${i}]`);
    return Object.entries(d).filter(([, v]) => v !== undefined).map(([k, v]) => pair(k, v, `params._gap[${i}].${k}`, true)).join(' ');
  });
  parts.push(`gap={${rendered.join(' : ')}}`);
  return parts;
}

// The gap_fit command line (without the program) as gap_fit prints it: its arguments joined with spaces, e.g.
//   at_file=train.xyz default_sigma={0.01 0.1 0.1 0.0} core_ip_args="IP Glue" gap={soap=T l_max=6 species_Z={{8 1}} : distance_2b=T cutoff=5}
export function gapFitCommandLine(params: GapFitParams): string {
  return gapFitArgs(params).join(' ');
}
