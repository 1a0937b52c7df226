// `--watch`: redraw a command's output every N seconds until Ctrl-C (SIGINT) or SIGTERM, which end it cleanly
// (exit 0, listeners and timers removed). On a terminal the screen is cleared before each frame, as watch(1) does.
import { setTimeout as sleep } from 'node:timers/promises';
import { localTime } from './format.ts';

const CLEAR = '\u001b[H\u001b[2J';

// Write render() every `seconds` until interrupted; render errors end the loop and propagate.
export async function watchLoop(seconds: number, title: string, render: () => string, out: NodeJS.WriteStream = process.stdout): Promise<void> {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    while (!stop.signal.aborted) {
      const frame = render();
      const head = `Every ${seconds}s: ${title}    ${localTime(Date.now() / 1000)}    (Ctrl-C to stop)\n\n`;
      out.write((out.isTTY ? CLEAR : '') + head + frame + (out.isTTY ? '' : '\n'));
      try {
        await sleep(seconds * 1000, undefined, { signal: stop.signal });
      } catch {
        break; // interrupted while waiting
      }
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
