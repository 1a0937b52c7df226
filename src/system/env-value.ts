// Env var values for job scripts, rendered safely. Two forms: a literal value where only ${NAME} references
// expand on the node (object form; a bare $ is literal), and ExPyRe/wfl's "NAME=value" list form, read as one shell word: quotes are
// removed and references expand as a shell would, but command substitution is refused (nothing is executed).
import { quote } from '../transport/quote.ts';
import { JobOptionError } from './errors.ts';

type Segment = { lit: string } | { ref: string };

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

// Render a value for `export NAME=<here>`: literal parts single-quoted, references as "${NAME}".
export function renderEnvValue(value: string, form: 'literal' | 'word', where: string): string {
  const segments = form === 'literal' ? literalSegments(value) : wordSegments(value, where);
  const out = segments.map((s) => ('lit' in s ? (s.lit === '' ? '' : quote(s.lit)) : `"\${${s.ref}}"`)).join('');
  return out === '' ? "''" : out;
}

function literalSegments(value: string): Segment[] {
  const segments: Segment[] = [];
  let last = 0;
  for (const m of value.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
    if (m.index > last) segments.push({ lit: value.slice(last, m.index) });
    segments.push({ ref: m[1]! });
    last = m.index + m[0].length;
  }
  if (last < value.length) segments.push({ lit: value.slice(last) });
  return segments;
}

// Split a shell word into literal text and variable references, as bash would read it (no word splitting).
function wordSegments(value: string, where: string): Segment[] {
  const segments: Segment[] = [];
  let lit = '';
  const flush = (): void => {
    if (lit) segments.push({ lit });
    lit = '';
  };
  const fail = (problem: string): never => {
    throw new JobOptionError(where, `${problem} in ${JSON.stringify(value)} (values are read as one shell word; command substitution is not run — compute such values in pre_cmds)`);
  };
  // Reads a $-reference at i (value[i] === '$'); returns the index after it, or -1 when the $ is literal.
  const reference = (i: number): number => {
    const next = value[i + 1] ?? '';
    if (next === '(') fail('"$(" (command substitution)');
    if (/[0-9$?!#@*-]/.test(next)) fail(`the special parameter "$${next}" (write \\$ for a literal dollar)`);
    if (next === '{') {
      const end = value.indexOf('}', i + 2);
      const name = end < 0 ? '' : value.slice(i + 2, end);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) fail('only ${NAME} references are supported, not "${' + (end < 0 ? value.slice(i + 2) : name) + '}"');
      flush();
      segments.push({ ref: name });
      return end + 1;
    }
    if (!NAME_START.test(next)) return -1;
    let j = i + 1;
    while (j < value.length && NAME_CHAR.test(value[j]!)) j++;
    flush();
    segments.push({ ref: value.slice(i + 1, j) });
    return j;
  };
  // A `$` at i: a reference, or a literal dollar. Returns the index after it.
  const dollar = (i: number): number => {
    const after = reference(i);
    if (after >= 0) return after;
    lit += '$';
    return i + 1;
  };
  let i = 0;
  while (i < value.length) {
    const c = value[i]!;
    if (c === '`') fail('"`" (command substitution)');
    if (c === '\\') {
      lit += value[i + 1] ?? '';
      i += 2;
    } else if (c === "'") {
      const end = value.indexOf("'", i + 1);
      if (end < 0) fail('an unterminated single quote');
      lit += value.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= value.length) fail('an unterminated double quote');
        const d = value[i]!;
        if (d === '"') break;
        if (d === '`') fail('"`" (command substitution)');
        if (d === '\\' && '$`"\\'.includes(value[i + 1] ?? '')) {
          lit += value[i + 1];
          i += 2;
        } else if (d === '$') {
          i = dollar(i);
        } else {
          lit += d;
          i++;
        }
      }
      i++;
    } else if (c === '$') {
      i = dollar(i);
    } else {
      lit += c;
      i++;
    }
  }
  flush();
  return segments;
}
