// Tells a workflow script whether it is the program Node was started with. The op's module is bundled and loaded
// again inside each job: the script part of a module that also exports ops must run only when it is the main script.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// True when `importMetaUrl` (pass `import.meta.url`) is the script given to node/tsx; false inside a job or a worker.
export function isMainScript(importMetaUrl: string): boolean {
  const argv1 = process.argv[1];
  if (!argv1 || !importMetaUrl.startsWith('file:')) return false;
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(importMetaUrl));
  } catch {
    return false;
  }
}
