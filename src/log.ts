// The Logger the library's messages go through (XprContext.logger): stderr lines, `xpr:` / `xpr warn:` / `xpr error:`;
// quiet (XPR_QUIET=1) drops info only. The progress display and the Ctrl-C notice (job/interrupt.ts) write their own.

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
