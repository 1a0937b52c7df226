// Where a fit runs: remoteInfo, the inside-a-job guard, a WFL_EXPYRE_INFO key matching the fit function (as for
// autoparallelize) or remote_label, else the legacy WFL_*_FIT_REMOTEINFO variables (RemoteInfo JSON or a path).
import { fileURLToPath } from 'node:url';
import { callerStack, type StackFrame } from '../routing/stack.ts';
import { resolveRemoteInfo, parseExpyreInfo } from '../routing/expyre-info.ts';
import { normalizeRemoteInfo, type RemoteInfo, type RemoteInfoInput } from '../routing/remote-info.ts';
import type { XprContext } from '../job/index.ts';
import { FitRoutingError } from './errors.ts';
import { ownFile } from '../own-path.ts';

const XPR_SRC = fileURLToPath(new URL('..', import.meta.url));

/** The fit functions as routing sees them: their frame, wfl's equivalent frame, and their legacy env var. */
export const FIT_KINDS = {
  gapSimple: { file: fileURLToPath(ownFile('./gap.ts', import.meta.url)), fn: 'gapSimpleFit', wflFile: '/wfl/fit/gap/simple.py', wflFn: 'run_gap_fit', legacy: 'WFL_GAP_SIMPLE_FIT_REMOTEINFO' },
  gapMultistage: { file: fileURLToPath(ownFile('./gap.ts', import.meta.url)), fn: 'gapMultistageFit', wflFile: '/wfl/fit/gap/multistage.py', wflFn: 'fit', legacy: 'WFL_GAP_MULTISTAGE_FIT_REMOTEINFO' },
  ace: { file: fileURLToPath(ownFile('./ace.ts', import.meta.url)), fn: 'aceFit', wflFile: '/wfl/fit/ace.py', wflFn: 'run_ace_fit', legacy: 'WFL_ACE_FIT_REMOTEINFO' },
} as const;

export type FitKind = keyof typeof FIT_KINDS;

export interface FitRoutingOptions {
  /** Run on a system with these settings; 'local' forces a local run. Wins over every env var. */
  remoteInfo?: RemoteInfoInput | 'local' | null;
  /** Select the WFL_EXPYRE_INFO entry whose key equals this label. */
  remoteLabel?: string;
}

export interface FitRoute {
  info: RemoteInfo | null;
  reason: string;
}

// The caller's frames, read synchronously at the start of a public fit function (before any await).
export function fitCallerStack(): StackFrame[] {
  return callerStack([XPR_SRC]);
}

// Decide where a fit runs. `inner` lists the fit frames, outermost first (e.g. [multistage, simple] for a stage).
export function routeFit(ctx: XprContext, kinds: FitKind[], opts: FitRoutingOptions, stack: StackFrame[]): FitRoute {
  const kind = FIT_KINDS[kinds[kinds.length - 1]!];
  const who = `${kind.fn}()`;
  if (opts.remoteInfo === 'local') return { info: null, reason: `${who} -> local (remoteInfo: 'local')` };
  if (opts.remoteInfo != null) {
    const info = normalizeRemoteInfo(opts.remoteInfo, 'remoteInfo');
    return { info, reason: `${who} -> system "${info.sys_name}" (remoteInfo option)` };
  }
  if (ctx.env.XPR_JOB_ID) return { info: null, reason: `${who} -> local (inside a running xpr job)` };

  const envText = ctx.env.WFL_EXPYRE_INFO;
  if (envText !== undefined && envText.trim() !== '') {
    const tsFrames = kinds.map((k) => ({ file: FIT_KINDS[k].file, functionName: FIT_KINDS[k].fn })).reverse();
    const wflFrames = kinds.map((k) => ({ file: FIT_KINDS[k].wflFile, functionName: FIT_KINDS[k].wflFn })).reverse();
    for (const frames of [tsFrames, wflFrames]) {
      const r = resolveRemoteInfo({
        remoteLabel: opts.remoteLabel, envText, stack: [...frames, ...stack], insideJob: false, opName: kind.fn, cwd: ctx.cwd,
      });
      for (const w of r.warnings) ctx.logger.warn(w);
      if (r.decision === 'remote') return { info: r.info!, reason: r.reason };
      if (opts.remoteLabel !== undefined) break;
    }
  }
  const legacy = ctx.env[kind.legacy];
  if (legacy !== undefined && legacy.trim() !== '') {
    let table: Record<string, unknown>;
    try {
      table = parseExpyreInfo(legacy, kind.legacy, ctx.cwd);
    } catch (error) {
      throw new FitRoutingError(kind.legacy, `expected RemoteInfo JSON or the path of a JSON file: ${(error as Error).message}`, { cause: error });
    }
    const info = normalizeRemoteInfo(table, kind.legacy);
    return { info, reason: `${who} -> system "${info.sys_name}" (${kind.legacy})` };
  }
  return { info: null, reason: `${who} -> local (no WFL_EXPYRE_INFO key or ${kind.legacy} routes it)` };
}
