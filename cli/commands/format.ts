// Human output helpers: colour (only on a terminal, never with NO_COLOR or TERM=dumb), durations, times, tables.
// Machine output (--json) never goes through here.
import Table from 'cli-table3';
import { InvalidArgumentError } from 'commander';
import type { JobState } from '../../src/store/index.ts';

// Whether to colour what goes to this stream.
export function useColor(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1 } as const;
export type Colour = keyof typeof CODES;

// Wrap text in an ANSI colour when colour is on.
export function paint(text: string, colour: Colour, on = useColor()): string {
  return on ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text;
}

const STATE_COLOUR: Partial<Record<JobState, Colour>> = {
  succeeded: 'green', processed: 'green', failed: 'red', died: 'red', cancelled: 'magenta',
  running: 'cyan', queued: 'yellow', submitted: 'yellow', staged: 'yellow', created: 'gray', cleaned: 'gray',
};

// A state, coloured by how it went.
export function paintState(state: JobState, on = useColor()): string {
  const c = STATE_COLOUR[state];
  return c ? paint(state, c, on) : state;
}

// Seconds as a short human duration: 45s, 12m, 3h05m, 2d04h.
export function shortDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, '0')}h`;
}

// Epoch seconds as local "YYYY-MM-DD HH:MM:SS".
export function localTime(epochS: number): string {
  const d = new Date(epochS * 1000);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

// Parse an age such as 90, 90s, 30m, 2h, 7d or 1w into seconds (commander argument parser).
export function parseAge(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw]?)$/i.exec(text.trim());
  if (!m) throw new InvalidArgumentError(`expected an age such as 30m, 2h, 7d or 1w, got ${JSON.stringify(text)}`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2]!.toLowerCase() as '' | 's' | 'm' | 'h' | 'd' | 'w'];
  return Number(m[1]) * unit;
}

// A table for the terminal: borders and coloured headers only when colour is on; plain aligned columns otherwise.
export function makeTable(head: string[], on = useColor()): Table.Table {
  return on
    ? new Table({ head: head.map((h) => paint(h, 'bold', on)), style: { head: [], border: ['gray'] } })
    : new Table({
        head,
        chars: { top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ' },
        style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
      });
}
