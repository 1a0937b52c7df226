// Test helper: builds throwaway directory trees with config.json files under os.tmpdir().
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const fixturesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** A temp dir tree; `write('a/_expyre/config.json', {...})` creates parents. */
export interface Tree {
  root: string;
  p: (...parts: string[]) => string;
  write: (rel: string, content: unknown) => string;
  mkdir: (rel: string) => string;
  cleanup: () => void;
}

export function makeTree(): Tree {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'xpr-config-')));
  const p = (...parts: string[]) => path.join(root, ...parts);
  return {
    root,
    p,
    write(rel, content) {
      const file = p(rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
      return file;
    },
    mkdir(rel) {
      fs.mkdirSync(p(rel), { recursive: true });
      return p(rel);
    },
    cleanup() {
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

export function fixture(name: string): string {
  return fs.readFileSync(path.join(fixturesDir, name), 'utf8');
}
