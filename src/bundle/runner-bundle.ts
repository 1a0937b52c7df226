// Builds the job runner (src/runner/main.ts) into one ESM file that needs only Node.js on the compute node.
// Built once per driver process and shipped under a content-hash name, like op bundles.
import { fileURLToPath } from 'node:url';
import { bundleModule, type CodeBundle } from './bundle.ts';
import { ownFile } from '../own-path.ts';

let cached: Promise<CodeBundle> | undefined;

// Bundle the runner (memoised for the life of the process).
export function bundleRunner(): Promise<CodeBundle> {
  cached ??= bundleModule(
    { modulePath: fileURLToPath(ownFile('../runner/main.ts', import.meta.url)), exportName: 'runnerMain' },
    { fileNamePrefix: 'runner-', runExport: true },
  );
  cached.catch(() => (cached = undefined));
  return cached;
}
