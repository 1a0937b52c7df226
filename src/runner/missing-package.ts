// Inside a job: an op bundle that cannot import a package (one marked external, not installed on the node) fails
// with a message naming the package and the fix, instead of Node's bare ERR_MODULE_NOT_FOUND.

// `err` itself, or an Error explaining which package is missing and how to provide it (the original as its cause).
export function explainMissingPackage(err: unknown, codeDir: string): unknown {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    const m = /Cannot find (?:package|module) '([^']+)'/.exec(e.message);
    if (code !== 'ERR_MODULE_NOT_FOUND' || !m || /^[./]/.test(m[1]!)) continue;
    const name = m[1]!.split('/').slice(0, m[1]!.startsWith('@') ? 2 : 1).join('/');
    return new Error(
      `the op needs package "${name}", which is not bundled (it is listed in external) and not installed on this node. ` +
        `Install it where the job's code (${codeDir}) resolves packages from, e.g. \`npm install ${name}\` in the system's ` +
        `rundir or a parent directory on the node, or remove "${name}" from external so that it travels in the bundle.`,
      { cause: err },
    );
  }
  return err;
}
