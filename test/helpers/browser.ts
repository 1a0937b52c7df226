// Test helper: Debian's headless chromium driven by playwright-core (never a downloaded browser build).
// Missing chromium = a failing test naming the install script, never a silent skip.
import { existsSync } from 'node:fs';
import type { ExecutionContext } from 'ava';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

// A launched browser, or null (with t.fail) when Debian's chromium is not installed.
export async function launchChromium(t: ExecutionContext): Promise<Browser | null> {
  if (!existsSync(CHROMIUM)) {
    t.fail(`${CHROMIUM} is missing: run bash test/browser/install-chromium.sh (npm test does) or apt-get install -y chromium`);
    return null;
  }
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}

// How many distinct colours a PNG has, decoded by the browser itself (a blank page has one or two).
export async function distinctColours(browser: Browser, png: Buffer): Promise<number> {
  const page = await browser.newPage();
  try {
    return await page.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const g = c.getContext('2d')!;
      g.drawImage(img, 0, 0);
      const px = g.getImageData(0, 0, c.width, c.height).data;
      const seen = new Set<number>();
      for (let i = 0; i < px.length; i += 4) seen.add((px[i]! << 16) | (px[i + 1]! << 8) | px[i + 2]!);
      return seen.size;
    }, png.toString('base64'));
  } finally {
    await page.close();
  }
}
