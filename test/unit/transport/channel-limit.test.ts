import test from 'ava';
import { ChannelLimit } from '../../../src/transport/channel-limit.ts';

test('no more than max holders at once, and waiters are served in arrival order', async (t) => {
  const limit = new ChannelLimit(2);
  const order: number[] = [];
  let active = 0;
  let peak = 0;
  await Promise.all(Array.from({ length: 7 }, async (_, i) => {
    const release = await limit.acquire();
    order.push(i);
    peak = Math.max(peak, ++active);
    await new Promise((r) => setTimeout(r, 5));
    active--;
    release();
  }));
  t.is(peak, 2);
  t.deepEqual(order, [0, 1, 2, 3, 4, 5, 6]);
  t.is(limit.active, 0);
});

test('an aborted waiter leaves the queue and rejects with the signal reason', async (t) => {
  const limit = new ChannelLimit(1);
  const release = await limit.acquire();
  const ac = new AbortController();
  const waiting = limit.acquire(ac.signal);
  t.is(limit.waiting, 1);
  ac.abort(new Error('gone'));
  await t.throwsAsync(waiting, { message: 'gone' });
  t.is(limit.waiting, 0);
  release();
  t.is(limit.active, 0);
});

test('releasing twice gives back only one slot', async (t) => {
  const limit = new ChannelLimit(1);
  const release = await limit.acquire();
  release();
  release();
  t.is(limit.active, 0);
  await limit.acquire();
  t.is(limit.active, 1);
});

test('rejectWaiting fails every queued waiter', async (t) => {
  const limit = new ChannelLimit(1);
  await limit.acquire();
  const a = limit.acquire();
  const b = limit.acquire();
  limit.rejectWaiting(new Error('closed'));
  await t.throwsAsync(a, { message: 'closed' });
  await t.throwsAsync(b, { message: 'closed' });
});

test('a max below 1 is refused with the received value', (t) => {
  t.throws(() => new ChannelLimit(0), { message: /maxChannels.*got 0/ });
});
