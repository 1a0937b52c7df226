// Reads, from the source text V8 compiled, which export of its module a function is: the declaration that ends at
// the function's location (`export function f`, `const f = (...) =>`, ...) and the export naming it. No import needed.

/** Where V8 says a function starts: the 0-based line and column just after its name (at its parameters). */
export interface FunctionLocation {
  lineNumber: number;
  columnNumber: number;
}

const ID = '[A-Za-z_$][\\w$]*';
// A statement-level declaration at the start of a line or after `;`/`}` (loaders such as tsx minify whitespace away):
// a function declaration ending at the location, groups export?, default?, name?.
const START = '(?:^|[;}])\\s*';
const FUNCTION_DECL = new RegExp(`${START}(export\\s+)?(default\\s+)?(?:async\\s+)?function\\s*\\*?\\s*(${ID})?\\s*$`);
// A top-level binding whose initialiser is the function (arrow or function expression, maybe wrapped in __name().
const BINDING = new RegExp(
  `${START}(export\\s+)?(?:const|let|var)\\s+(${ID})\\s*(?::[^=]*)?=\\s*(?:/\\*\\s*@__PURE__\\s*\\*/\\s*)?(?:__name\\(\\s*)?` +
    `(?:async\\s+)?(?:function\\s*\\*?\\s*(?:${ID})?\\s*)?$`,
);

// The export name of the function at `loc` in `source`, or null when it is not (visibly) a top-level export.
export function exportNameAt(source: string, loc: FunctionLocation): string | null {
  const lines = source.split('\n');
  const line = lines[loc.lineNumber];
  if (line === undefined) return null;
  const before = line.slice(0, loc.columnNumber);
  let declared: string | null = null;
  const fn = FUNCTION_DECL.exec(before);
  if (fn) {
    if (fn[1] && fn[2]) return 'default';
    if (!fn[3]) return null;
    if (fn[1]) return fn[3];
    declared = fn[3];
  } else {
    const b = BINDING.exec(before);
    if (!b) return null;
    if (b[1]) return b[2]!;
    declared = b[2]!;
  }
  return exportedAs(source, declared);
}

// The name under which an export clause (`export { a, b as c }`, without `from`) exports the local binding `local`.
function exportedAs(source: string, local: string): string | null {
  const clause = /(?:^|[\n;}])\s*export\s*\{([^}]*)\}\s*(?!\s*from\b)/g;
  for (let m = clause.exec(source); m; m = clause.exec(source)) {
    if (/^\s*from\b/.test(source.slice(clause.lastIndex))) continue;
    for (const part of m[1]!.split(',')) {
      const [name, alias] = part.trim().split(/\s+as\s+/);
      if (name === local) return (alias ?? name)!.trim();
    }
  }
  return null;
}
