// Type-level checks of the public autoparallelize API, verified by `npx tsc --noEmit` (tsconfig includes test/):
// each @ts-expect-error line must be a type error, everything else must compile. The calls are never run.
import test from 'ava';
import {
  autoparallelize, collectCall, EnvSettingError, PoolOpLoadError, XprError,
  type AutoparaHandle, type AutoparaResults, type CollectOptions, type AutoparaProgressEvent,
} from '../../../src/index.ts';
import { addArgs, double } from '../../fixtures/autopara/ops.ts';

type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends (<T>() => T extends Y ? 1 : 2) ? true : false;
const assertType = <T extends true>(): T | undefined => undefined;

// Never called: only type-checked.
export function typeChecks(wait: boolean): void {
  // An op without extra args: options and args are optional.
  const plain = autoparallelize(double, [1, 2]);
  assertType<Equal<typeof plain, Promise<AutoparaResults<number>>>>();
  void autoparallelize(double, [1], { batchSize: 2 });
  void autoparallelize(double, [1], { args: [] });
  // @ts-expect-error double takes no extra arguments
  void autoparallelize(double, [1], { args: [1] });

  // An op with extra args: args are required, with the op's types.
  const summed = autoparallelize(addArgs, [1], { args: [1, 2] });
  assertType<Equal<typeof summed, Promise<AutoparaResults<{ sum: number; thread: number }>>>>();
  // @ts-expect-error args missing for an op that needs them
  void autoparallelize(addArgs, [1], { batchSize: 2 });
  // @ts-expect-error no options at all for an op that needs args
  void autoparallelize(addArgs, [1]);
  // @ts-expect-error args of the wrong type
  void autoparallelize(addArgs, [1], { args: ['1', 2] });
  // @ts-expect-error inputs of the wrong type
  void autoparallelize(double, ['x']);

  // wait: false gives a handle, wait: true results, a boolean either.
  const handle = autoparallelize(addArgs, [1], { args: [1, 2], wait: false });
  assertType<Equal<typeof handle, Promise<AutoparaHandle<{ sum: number; thread: number }>>>>();
  const waited = autoparallelize(double, [1], { wait: true });
  assertType<Equal<typeof waited, Promise<AutoparaResults<number>>>>();
  const either = autoparallelize(double, [1], { wait });
  assertType<Equal<typeof either, Promise<AutoparaResults<number> | AutoparaHandle<number>>>>();

  const collectOptions: CollectOptions = { ignoreFailed: true, progress: 'silent' };
  const collected = collectCall<number>('key', collectOptions);
  assertType<Equal<typeof collected, Promise<AutoparaResults<number>>>>();
}

test('errors thrown by local calls are exported from the package entry', (t) => {
  t.true(new EnvSettingError('XPR_NUM_WORKERS', 'two', 'a number') instanceof XprError);
  t.true(new PoolOpLoadError('/x.ts', 'op', 'missing') instanceof XprError);
  t.is(typeof typeChecks, 'function');
});

// onProgress receives the exported event type; its phase and counts are typed.
export function progressTypeChecks(): void {
  const events: AutoparaProgressEvent[] = [];
  void autoparallelize(double, [1], { onProgress: (e) => { events.push(e); assertType<Equal<typeof e.phase, 'start' | 'update' | 'end'>>(); } });
  void autoparallelize(double, [1], { onProgress: (e) => void (e.items.done + e.items.failed + e.items.cached + e.jobs.running + e.total) });
  // @ts-expect-error no such count
  void autoparallelize(double, [1], { onProgress: (e) => e.items.pending });
}
