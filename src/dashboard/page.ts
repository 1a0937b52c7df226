// The dashboard page as one HTML string: the template, style and script in src/dashboard/page/ (loaded relative to
// this module), the script bundled with Chart.js by esbuild (once per process, offline), optional data inlined.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { DashboardAssetError } from './errors.ts';

const PAGE_DIR = new URL('./page/', import.meta.url);
let bundled: Promise<string> | undefined;

// The page script with Chart.js, minified (built on first use, then reused).
export function pageScript(): Promise<string> {
  bundled ??= bundleScript().catch((err: unknown) => {
    bundled = undefined;
    throw err;
  });
  return bundled;
}

async function bundleScript(): Promise<string> {
  const entry = fileURLToPath(new URL('app.js', PAGE_DIR));
  try {
    const out = await build({
      entryPoints: [entry], bundle: true, write: false, format: 'iife', platform: 'browser', target: 'es2020', minify: true,
      legalComments: 'none', logLevel: 'silent',
      banner: { js: '/* xpr dashboard; includes Chart.js (c) Chart.js Contributors, MIT License */' },
    });
    return out.outputFiles[0]!.text;
  } catch (err) {
    throw new DashboardAssetError(entry, err);
  }
}

const asset = (name: string): string => {
  try {
    return readFileSync(new URL(name, PAGE_DIR), 'utf8');
  } catch (err) {
    throw new DashboardAssetError(fileURLToPath(new URL(name, PAGE_DIR)), err);
  }
};

// Text safe inside a <script> element (no closing tag, no HTML comment opener).
const scriptSafe = (s: string): string => s.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');

/**
 * The page. `data` (the report's content) is inlined as JSON and the page shows it without a server; without it the
 * page reads /api/* and listens to /api/events with the token of its own URL.
 */
export async function renderPage(data?: unknown): Promise<string> {
  const script = await pageScript();
  const json = data === undefined ? '' : JSON.stringify(data).replace(/</g, '\\u003c');
  const parts: Record<string, string> = {
    STYLE: asset('style.css'),
    DATA: data === undefined ? '' : `<script type="application/json" id="xpr-data">${json}</script>`,
    SCRIPT: `<script>${scriptSafe(script)}</script>`,
  };
  return asset('index.html').replace(/<!--XPR_(STYLE|DATA|SCRIPT)-->/g, (_m, k: string) => parts[k]!);
}
