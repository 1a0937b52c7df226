// The worker-thread side of the local pool: load the op once, then run each batch the main thread sends, in order.
// Default worker script of runPool; other programs start the same loop on themselves (protocol in pool.ts).
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { PoolOpLoadError } from './errors.ts';
import { installStackMaps } from './stack-maps.ts';
import { loadOp, postOutcomes, runBatch, toWireError, type BatchMessage, type Op, type PoolWorkerData, type WorkerMessage } from './pool-batch.ts';

let started = false;

// Run the worker loop in this thread (once; later calls do nothing). Only meaningful inside a pool worker thread.
export function poolWorkerMain(): void {
  if (started) return;
  const port = parentPort;
  const data = workerData as PoolWorkerData | undefined;
  if (isMainThread || port === null || data?.xprPoolWorker !== 1) {
    throw new Error('poolWorkerMain() must run in a worker thread started by runPool (workerData.xprPoolWorker === 1)');
  }
  started = true;
  installStackMaps(); // before the op is imported: its errors' stacks name its original files
  const send = (message: WorkerMessage): void => port.postMessage(message);
  const opReady: Promise<Op | null> = loadOp(data.codeFile, data.exportName).then(
    (op) => { send({ t: 'ready' }); return op; },
    (error: unknown) => {
      const reason = error instanceof PoolOpLoadError ? error.reason : String((error as Error)?.message ?? error);
      send({ t: 'load-error', reason, error: toWireError(error) });
      return null;
    },
  );
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (message: BatchMessage) => {
    if (message?.t !== 'batch') return;
    queue = queue.then(async () => {
      const op = await opReady;
      if (op === null) return;
      try {
        const outcomes = await runBatch(op, message.items, data.extraArgs);
        postOutcomes(outcomes, message.firstIndex, (o) => send({ t: 'done', id: message.id, outcomes: o }));
      } catch (error) {
        const wire = toWireError(error);
        send({ t: 'done', id: message.id, outcomes: message.items.map(() => ({ ok: false, error: wire })) });
      }
    });
  });
}

if (!isMainThread && (workerData as PoolWorkerData | undefined)?.xprPoolWorker === 1) poolWorkerMain();
