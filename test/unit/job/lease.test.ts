// Submission leases: unique per taker, and still judged live or stale by their host, pid and age.
import test from 'ava';
import { newLease, isStaleLease, leaseHeld } from '../../../src/job/lease.ts';

test('two leases taken by one process in the same millisecond are different', (t) => {
  const leases = Array.from({ length: 50 }, () => newLease());
  t.is(new Set(leases).size, leases.length);
});

test('a new lease of this live process is held; one of an old or gone process is stale', (t) => {
  const mine = newLease();
  t.false(isStaleLease(mine));
  t.true(leaseHeld(mine));
  const [host] = mine.split(':');
  t.true(isStaleLease(`${host}:${process.pid}:${Date.now() - 3 * 3600_000}:1-00`), 'too old');
  t.true(isStaleLease(`${host}:2147483646:${Date.now()}:1-00`), 'its process is gone');
  t.true(isStaleLease(`${host}:2147483646:${Date.now()}`), 'an older lease without the unique part is still read');
});
