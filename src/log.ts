// The library's human messages: stderr, prefixed `xpr:`, silenced by XPR_QUIET=1 (warnings still show). The CLI's
// own last-resort error lines (cli/main.ts) and machine output (--json) do not go through here.

export type LogLevel = 'info' | 'warn' | 'error';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

// A logger writing to a stream (stderr by default); `quiet` drops info lines.
export function createLogger(opts: { stream?: NodeJS.WritableStream; quiet?: boolean } = {}): Logger {
  const stream = opts.stream ?? process.stderr;
  const write = (level: LogLevel, message: string): void => {
    if (level === 'info' && opts.quiet) return;
    const prefix = level === 'info' ? 'xpr:' : `xpr ${level}:`;
    stream.write(`${prefix} ${message}\n`);
  };
  return {
    info: (m) => write('info', m),
    warn: (m) => write('warn', m),
    error: (m) => write('error', m),
  };
}
