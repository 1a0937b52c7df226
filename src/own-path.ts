// Where xpr's own files are at run time: beside the calling module as TypeScript sources (tsx, this repo) or as the
// compiled JavaScript of the npm package (dist/), whichever form the calling module itself has.

/** URL of the sibling `rel` (written as `./name.ts`) of the module at `base`, with .js when `base` is compiled JS. */
export function ownFile(rel: string, base: string): URL {
  const compiled = /\.js$/.test(new URL(base).pathname);
  return new URL(compiled ? rel.replace(/\.ts$/, '.js') : rel, base);
}
