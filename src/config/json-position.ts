// JSON parsing of config files with the line and column of the first syntax error.
// Node's JSON.parse does not always say where it failed, so a small scanner finds the spot itself.

/** Where and why a text is not valid JSON; line and column are 1-based. */
export interface JsonSyntaxProblem {
  line: number;
  column: number;
  message: string;
}

class Stop {
  constructor(readonly offset: number, readonly message: string) {}
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;

// Offset and reason of the first JSON syntax error in `text`, or null when it is valid JSON.
export function findJsonError(text: string): { offset: number; message: string } | null {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const describe = (at: number): string => (at >= text.length ? 'unexpected end of file' : `unexpected ${JSON.stringify(text[at])}`);
  const str = (): void => {
    const start = i++;
    for (;;) {
      const ch = text[i];
      if (ch === undefined) throw new Stop(start, 'unterminated string');
      if (ch === '"') { i++; return; }
      if (ch < ' ') throw new Stop(i, 'control character (e.g. a raw newline or tab) inside a string; write it as \\n or \\t');
      if (ch === '\\') {
        const esc = text[i + 1];
        if (esc === 'u' && HEX4.test(text.slice(i + 2, i + 6))) { i += 6; continue; }
        if (esc === undefined || !'"\\/bfnrt'.includes(esc)) throw new Stop(i, `invalid escape "\\${esc ?? ''}" in a string`);
        i += 2;
        continue;
      }
      i++;
    }
  };
  const container = (close: '}' | ']'): void => {
    i++;
    ws();
    if (text[i] === close) { i++; return; }
    for (;;) {
      ws();
      if (close === '}') {
        if (text[i] !== '"') {
          const why = text[i] === '}' ? 'trailing comma before "}" (not allowed in JSON)' : `expected a double-quoted property name, ${describe(i)}`;
          throw new Stop(i, why);
        }
        str();
        ws();
        if (text[i] !== ':') throw new Stop(i, `expected ":" after the property name, ${describe(i)}`);
        i++;
        ws();
      } else if (text[i] === ']') {
        throw new Stop(i, 'trailing comma before "]" (not allowed in JSON)');
      }
      value();
      ws();
      if (text[i] === ',') { i++; continue; }
      if (text[i] === close) { i++; return; }
      throw new Stop(i, `expected "," or "${close}", ${describe(i)}`);
    }
  };
  const value = (): void => {
    const ch = text[i];
    if (ch === '{') return container('}');
    if (ch === '[') return container(']');
    if (ch === '"') return str();
    if (ch === "'") throw new Stop(i, 'strings must use double quotes in JSON');
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) {
      NUMBER.lastIndex = i;
      if (!NUMBER.test(text)) throw new Stop(i, 'invalid number');
      i = NUMBER.lastIndex;
      return;
    }
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) { i += word.length; return; }
    }
    throw new Stop(i, `expected a value, ${describe(i)}`);
  };
  try {
    ws();
    value();
    ws();
    if (i < text.length) throw new Stop(i, `unexpected content after the JSON value, ${describe(i)}`);
    return null;
  } catch (error) {
    if (error instanceof Stop) return { offset: error.offset, message: error.message };
    throw error;
  }
}

// 1-based line and column of a character offset.
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

// Parse JSON text; on failure return the problem with its line and column instead of throwing.
export function parseJsonText(text: string): { ok: true; value: unknown } | { ok: false; problem: JsonSyntaxProblem } {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch (error) {
    const found = findJsonError(body);
    const atMatch = /at position (\d+)/.exec((error as Error).message);
    const offset = found?.offset ?? (atMatch ? Number(atMatch[1]) : 0);
    const message = found?.message ?? (error as Error).message;
    return { ok: false, problem: { ...lineColumn(body, offset), message: `JSON syntax error: ${message}` } };
  }
}
