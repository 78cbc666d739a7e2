import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, connect } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { after, afterEach, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { LimiterUnavailableError, SLOT_LEASE_MS, WINDOW_MS } from '../src/rate-limit/limiter.ts';
import type { CounterCheck, LimitDecision, LimitQuery, RateLimiter, SlotCheck } from '../src/rate-limit/limiter.ts';
import { MemoryRateLimiter } from '../src/rate-limit/memory.ts';
import { RedisRateLimiter } from '../src/rate-limit/redis.ts';

const T0 = Date.UTC(2026, 0, 1);

function counter(key: string, limit: number, options: { enforce?: boolean; warnAt?: number } = {}): CounterCheck {
  return { key, limit, enforce: options.enforce ?? true, warnAt: options.warnAt ?? 0 };
}

function slot(key: string, limit: number, enforce = true): SlotCheck {
  return { key, limit, enforce };
}

function query(now: number, counters: CounterCheck[], slots: SlotCheck[] = []): LimitQuery {
  return { now, counters, slots };
}

async function decide(limiter: RateLimiter, q: LimitQuery): Promise<LimitDecision> {
  return limiter.decide(q);
}

/** An adapter under test: `open` gives a limiter on a namespace no other test uses. */
interface Subject {
  name: string;
  open(): Promise<RateLimiter>;
}

/** Opens limiters and closes every one after each test. */
function opener(subject: Subject): () => Promise<RateLimiter> {
  const opened: RateLimiter[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((l) => l.close()));
  });
  return async () => {
    const limiter = await subject.open();
    opened.push(limiter);
    return limiter;
  };
}

function contract(subject: Subject): void {
  describe(`rate limiter contract (${subject.name})`, () => {
    const open = opener(subject);

    it('starts a window at the first check and starts a new one WINDOW_MS later', async () => {
      const l = await open();
      const c = counter('org', 1);
      const first = await decide(l, query(T0, [c]));
      assert.equal(first.admitted, true);
      assert.deepEqual(first.counters, [{ count: 1, resetAt: T0 + WINDOW_MS, over: false, firstOver: false, warned: false }]);
      const later = await decide(l, query(T0 + 30_000, [c]));
      assert.equal(later.admitted, false);
      assert.equal(later.counters[0]!.resetAt, T0 + WINDOW_MS);
      assert.equal((await decide(l, query(T0 + WINDOW_MS - 1, [c]))).admitted, false);
      const next = await decide(l, query(T0 + WINDOW_MS, [c]));
      assert.equal(next.admitted, true);
      assert.deepEqual(next.counters, [{ count: 1, resetAt: T0 + 2 * WINDOW_MS, over: false, firstOver: false, warned: false }]);
    });

    it('starts the window at a refused first check too', async () => {
      const l = await open();
      const zero = counter('zero', 0);
      const first = await decide(l, query(T0 + 5, [zero]));
      assert.equal(first.admitted, false);
      assert.equal(first.counters[0]!.resetAt, T0 + 5 + WINDOW_MS);
      const other = await decide(l, query(T0 + 10, [counter('zero', 3)]));
      assert.equal(other.admitted, true);
      assert.equal(other.counters[0]!.resetAt, T0 + 5 + WINDOW_MS, 'the window began with the refused check');
    });

    it('admits exactly the limit, counting up to it, and refuses the rest without counting', async () => {
      const l = await open();
      const c = counter('client', 5);
      const decisions: LimitDecision[] = [];
      for (let i = 0; i < 9; i++) decisions.push(await decide(l, query(T0 + i, [c])));
      assert.deepEqual(
        decisions.map((d) => d.admitted),
        [true, true, true, true, true, false, false, false, false],
      );
      assert.deepEqual(
        decisions.slice(0, 5).map((d) => d.counters[0]!.count),
        [1, 2, 3, 4, 5],
      );
      const firstRefusal = decisions[5]!.counters[0]!;
      assert.deepEqual(firstRefusal, { count: 5, resetAt: T0 + WINDOW_MS, over: true, firstOver: true, warned: false });
      for (const d of decisions.slice(5)) {
        assert.equal(d.counters[0]!.over, true);
        assert.equal(d.counters[0]!.count, 5);
        assert.equal(d.lease, null);
      }
    });

    it('is all or nothing: a request refused by its second counter counts nothing and takes no slot', async () => {
      const l = await open();
      const a = counter('a', 10);
      const b = counter('b', 2);
      const s = slot('s', 10);
      for (let i = 0; i < 2; i++) {
        const d = await decide(l, query(T0, [a, b], [s]));
        assert.equal(d.admitted, true);
      }
      const refused = await decide(l, query(T0, [a, b], [s]));
      assert.equal(refused.admitted, false);
      assert.equal(refused.lease, null);
      assert.deepEqual(refused.counters, [
        { count: 2, resetAt: T0 + WINDOW_MS, over: false, firstOver: false, warned: false },
        { count: 2, resetAt: T0 + WINDOW_MS, over: true, firstOver: true, warned: false },
      ]);
      assert.deepEqual(refused.slots, [{ inFlight: 2, over: false, firstOver: false }]);
      assert.equal((await decide(l, query(T0, [a, b], [s]))).admitted, false);

      const aAlone = await decide(l, query(T0, [a]));
      assert.equal(aAlone.admitted, true);
      assert.equal(aAlone.counters[0]!.count, 3, 'the refused requests did not count on a');
      const sAlone = await decide(l, query(T0, [], [s]));
      assert.equal(sAlone.admitted, true);
      assert.equal(sAlone.slots[0]!.inFlight, 3, 'the refused requests took no slot');
    });

    it('refuses when an enforced slot is full, counting nothing on the counters', async () => {
      const l = await open();
      const c = counter('c', 10);
      const s = slot('s', 1);
      const held = await decide(l, query(T0, [c], [s]));
      assert.equal(held.admitted, true);
      const refused = await decide(l, query(T0, [c], [s]));
      assert.equal(refused.admitted, false);
      assert.deepEqual(refused.counters[0], { count: 1, resetAt: T0 + WINDOW_MS, over: false, firstOver: false, warned: false });
      assert.deepEqual(refused.slots, [{ inFlight: 1, over: true, firstOver: true }]);
      assert.equal((await decide(l, query(T0, [c]))).counters[0]!.count, 2);
    });

    it('admits past an unenforced counter and keeps counting it', async () => {
      const l = await open();
      const preview = counter('preview', 2, { enforce: false });
      const decisions: LimitDecision[] = [];
      for (let i = 0; i < 5; i++) decisions.push(await decide(l, query(T0, [preview])));
      assert.deepEqual(
        decisions.map((d) => [d.admitted, d.counters[0]!.count, d.counters[0]!.over, d.counters[0]!.firstOver]),
        [
          [true, 1, false, false],
          [true, 2, false, false],
          [true, 3, true, true],
          [true, 4, true, false],
          [true, 5, true, false],
        ],
      );
    });

    it('an unenforced counter over its limit does not refuse, an enforced one beside it still does', async () => {
      const l = await open();
      const preview = counter('preview', 0, { enforce: false });
      const enforced = counter('enforced', 1);
      assert.equal((await decide(l, query(T0, [preview, enforced]))).admitted, true);
      const refused = await decide(l, query(T0, [preview, enforced]));
      assert.equal(refused.admitted, false);
      assert.deepEqual(
        refused.counters.map((c) => [c.count, c.over]),
        [
          [1, true],
          [1, true],
        ],
      );
    });

    it('reports firstOver once per window, and again in the next window', async () => {
      const l = await open();
      const c = counter('c', 1);
      assert.equal((await decide(l, query(T0, [c]))).admitted, true);
      const refusals: boolean[] = [];
      for (let i = 1; i <= 5; i++) refusals.push((await decide(l, query(T0 + i * 1000, [c]))).counters[0]!.firstOver);
      assert.deepEqual(refusals, [true, false, false, false, false]);
      assert.equal((await decide(l, query(T0 + WINDOW_MS, [c]))).admitted, true);
      const next: boolean[] = [];
      for (let i = 1; i <= 3; i++) next.push((await decide(l, query(T0 + WINDOW_MS + i, [c]))).counters[0]!.firstOver);
      assert.deepEqual(next, [true, false, false]);
    });

    it('reports warned on the one admitted request reaching warnAt, once per window', async () => {
      const l = await open();
      const c = counter('c', 5, { warnAt: 3 });
      const warned: boolean[] = [];
      for (let i = 0; i < 7; i++) warned.push((await decide(l, query(T0, [c]))).counters[0]!.warned);
      assert.deepEqual(warned, [false, false, true, false, false, false, false]);
      const next: boolean[] = [];
      for (let i = 0; i < 4; i++) next.push((await decide(l, query(T0 + WINDOW_MS, [c]))).counters[0]!.warned);
      assert.deepEqual(next, [false, false, true, false]);
      const none = counter('none', 5);
      for (let i = 0; i < 6; i++) assert.equal((await decide(l, query(T0, [none]))).counters[0]!.warned, false);
    });

    it('acquires slots up to the limit, refuses when full, and frees them on release', async () => {
      const l = await open();
      const s = slot('org:concurrency', 2);
      const first = await decide(l, query(T0, [], [s]));
      const second = await decide(l, query(T0, [], [s]));
      assert.deepEqual([first.slots, second.slots], [[{ inFlight: 1, over: false, firstOver: false }], [{ inFlight: 2, over: false, firstOver: false }]]);
      assert.deepEqual(first.lease?.keys, ['org:concurrency']);
      const refused = await decide(l, query(T0, [], [s]));
      assert.equal(refused.admitted, false);
      assert.equal(refused.lease, null);
      assert.deepEqual(refused.slots, [{ inFlight: 2, over: true, firstOver: true }]);

      l.release(first.lease!, T0 + 1);
      const again = await decide(l, query(T0 + 2, [], [s]));
      assert.equal(again.admitted, true);
      assert.equal(again.slots[0]!.inFlight, 2);
      l.release(second.lease!, T0 + 3);
      l.release(again.lease!, T0 + 3);
      const empty = await decide(l, query(T0 + 4, [], [s]));
      assert.equal(empty.slots[0]!.inFlight, 1);
    });

    it('takes every slot of a request and releases them all', async () => {
      const l = await open();
      const org = slot('org', 5);
      const principal = slot('principal', 1);
      const d = await decide(l, query(T0, [counter('c', 10)], [org, principal]));
      assert.equal(d.admitted, true);
      assert.deepEqual(d.lease?.keys, ['org', 'principal']);
      const refused = await decide(l, query(T0, [], [org, principal]));
      assert.equal(refused.admitted, false);
      assert.deepEqual(refused.slots, [
        { inFlight: 1, over: false, firstOver: false },
        { inFlight: 1, over: true, firstOver: true },
      ]);
      l.release(d.lease!, T0 + 1);
      const after = await decide(l, query(T0 + 2, [], [org, principal]));
      assert.equal(after.admitted, true);
      assert.deepEqual(
        after.slots.map((x) => x.inFlight),
        [1, 1],
      );
    });

    it('admits past an unenforced slot and counts it in flight', async () => {
      const l = await open();
      const s = slot('preview', 1, false);
      const decisions: LimitDecision[] = [];
      for (let i = 0; i < 3; i++) decisions.push(await decide(l, query(T0, [], [s])));
      assert.deepEqual(
        decisions.map((d) => [d.admitted, d.slots[0]!.inFlight, d.slots[0]!.over, d.slots[0]!.firstOver, d.lease !== null]),
        [
          [true, 1, false, false, true],
          [true, 2, true, true, true],
          [true, 3, true, false, true],
        ],
      );
    });

    it('reports a full slot key firstOver at most once per CONCURRENCY_EVENT_INTERVAL_MS', async () => {
      const l = await open();
      const s = slot('s', 1);
      const holder = await decide(l, query(T0, [], [s]));
      const seen: boolean[] = [];
      for (const at of [T0, T0 + 1000, T0 + 59_999]) seen.push((await decide(l, query(at, [], [s]))).slots[0]!.firstOver);
      // A fresh holder, so the slot stays full past SLOT_LEASE_MS on every adapter.
      l.release(holder.lease!, T0 + 50_000);
      assert.equal((await decide(l, query(T0 + 50_000, [], [s]))).admitted, true);
      for (const at of [T0 + 60_000, T0 + 60_001, T0 + 100_000]) seen.push((await decide(l, query(at, [], [s]))).slots[0]!.firstOver);
      assert.deepEqual(seen, [true, false, false, true, false, false]);
    });

    it('limit 0 admits none when enforced and counts when not', async () => {
      const l = await open();
      const c = await decide(l, query(T0, [counter('c', 0)]));
      assert.equal(c.admitted, false);
      assert.deepEqual(c.counters, [{ count: 0, resetAt: T0 + WINDOW_MS, over: true, firstOver: true, warned: false }]);
      const s = await decide(l, query(T0, [], [slot('s', 0)]));
      assert.equal(s.admitted, false);
      assert.deepEqual(s.slots, [{ inFlight: 0, over: true, firstOver: true }]);
      const preview = await decide(l, query(T0, [counter('p', 0, { enforce: false })], [slot('ps', 0, false)]));
      assert.equal(preview.admitted, true);
      assert.deepEqual(preview.counters, [{ count: 1, resetAt: T0 + WINDOW_MS, over: true, firstOver: true, warned: false }]);
      assert.deepEqual(preview.slots, [{ inFlight: 1, over: true, firstOver: true }]);
    });

    it('admits an empty query and gives no lease without slots', async () => {
      const l = await open();
      assert.deepEqual(await decide(l, query(T0, [])), { admitted: true, counters: [], slots: [], lease: null });
      const d = await decide(l, query(T0, [counter('c', 1)]));
      assert.equal(d.lease, null);
    });

    it('counts a key listed twice in one query twice, as two checks', async () => {
      const l = await open();
      const c = counter('dup', 3);
      const s = slot('dup', 2);
      const first = await decide(l, query(T0, [c, c], [s, s]));
      assert.equal(first.admitted, true);
      assert.deepEqual(
        [first.counters.map((x) => x.count), first.slots.map((x) => x.inFlight)],
        [
          [1, 2],
          [1, 2],
        ],
      );
      const second = await decide(l, query(T0, [c, c]));
      assert.deepEqual(
        second.counters.map((x) => x.count),
        [3, 4],
      );
      const refused = await decide(l, query(T0, [c, c]));
      assert.equal(refused.admitted, false);
      assert.deepEqual(
        refused.counters.map((x) => [x.over, x.firstOver]),
        [
          [true, true],
          [true, false],
        ],
      );
      l.release(first.lease!, T0 + 1);
      assert.equal((await decide(l, query(T0 + 2, [], [s]))).slots[0]!.inFlight, 1);
    });

    it('keeps keys apart', async () => {
      const l = await open();
      assert.equal((await decide(l, query(T0, [counter('a', 1)]))).admitted, true);
      assert.equal((await decide(l, query(T0, [counter('b', 1)]))).admitted, true);
      assert.equal((await decide(l, query(T0, [], [slot('a', 1)]))).admitted, true);
    });
  });
}

contract({ name: 'memory', open: async () => new MemoryRateLimiter() });

const redisUrl = process.env.TOLLGATE_TEST_REDIS_URL;
if (!redisUrl) process.stderr.write('TOLLGATE_TEST_REDIS_URL is not set: Redis rate-limiter suites are skipped.\n');

if (redisUrl) {
  const runPrefix = `tollgate-test:rl:${randomBytes(6).toString('hex')}:`;
  let namespaces = 0;
  const newPrefix = () => `${runPrefix}${++namespaces}:`;
  const admin = new Redis(redisUrl);

  after(async () => {
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${runPrefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await admin.del(...keys);
    } while (cursor !== '0');
    await admin.quit();
  });

  contract({ name: 'redis', open: async () => new RedisRateLimiter({ url: redisUrl, prefix: newPrefix() }) });

  describe('RedisRateLimiter beyond the contract', () => {
    const limiters: RedisRateLimiter[] = [];
    const open = (prefix: string, url = redisUrl) => {
      const limiter = new RedisRateLimiter({ url, prefix });
      limiters.push(limiter);
      return limiter;
    };
    afterEach(async () => {
      await Promise.all(limiters.splice(0).map((l) => l.close()));
    });

    it('frees a slot that is never released after SLOT_LEASE_MS', async () => {
      const l = open(newPrefix());
      const s = slot('s', 1);
      assert.equal((await l.decide(query(T0, [], [s]))).admitted, true);
      assert.equal((await l.decide(query(T0 + SLOT_LEASE_MS - 1, [], [s]))).admitted, false);
      const later = await l.decide(query(T0 + SLOT_LEASE_MS, [], [s]));
      assert.equal(later.admitted, true);
      assert.equal(later.slots[0]!.inFlight, 1);
    });

    it('gives every key an expiry, so abandoned keys are collected', async () => {
      const prefix = newPrefix();
      const l = open(prefix);
      await l.decide(query(T0, [counter('c', 5)], [slot('s', 0)]));
      const ttls = await Promise.all([`${prefix}c:c`, `${prefix}s:s`, `${prefix}e:s`].map((key) => admin.pttl(key)));
      assert.equal(ttls[1], -2, 'a refused request leaves no slot set');
      for (const ttl of [ttls[0]!, ttls[2]!]) assert.ok(ttl > 0 && ttl <= 2 * WINDOW_MS, `pttl ${ttl}`);
      const held = await l.decide(query(T0, [], [slot('t', 1)]));
      assert.equal(held.admitted, true);
      const ttl = await admin.pttl(`${prefix}s:t`);
      assert.ok(ttl > SLOT_LEASE_MS && ttl <= 2 * SLOT_LEASE_MS, `pttl ${ttl}`);
    });

    it('shares counts across instances: exactly the limit of 500 concurrent decisions on two instances', async () => {
      const prefix = newPrefix();
      const a = open(prefix);
      const b = open(prefix);
      const c = counter('shared', 137);
      const decisions = await Promise.all(Array.from({ length: 500 }, (_, i) => (i % 2 === 0 ? a : b).decide(query(T0 + i, [c]))));
      const admitted = decisions.filter((d) => d.admitted);
      assert.equal(admitted.length, 137);
      assert.deepEqual(
        admitted.map((d) => d.counters[0]!.count).sort((x, y) => x - y),
        Array.from({ length: 137 }, (_, i) => i + 1),
      );
      assert.equal(decisions.filter((d) => d.counters[0]!.firstOver).length, 1, 'one violation across instances');
      for (const d of decisions) if (!d.admitted) assert.equal(d.counters[0]!.count, 137);
    });

    it('shares slots across instances exactly', async () => {
      const prefix = newPrefix();
      const a = open(prefix);
      const b = open(prefix);
      const s = slot('shared', 25);
      const decisions = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a : b).decide(query(T0, [], [s]))));
      const held = decisions.filter((d) => d.admitted);
      assert.equal(held.length, 25);
      assert.equal(decisions.filter((d) => d.slots[0]!.firstOver).length, 1);
      decisions.forEach((d, i) => {
        if (d.lease) (i % 2 === 0 ? a : b).release(d.lease, T0 + 1);
      });
      // Each instance's release goes out on its own connection before its next decision.
      await a.decide(query(T0 + 1, [counter('flush', 10)]));
      await b.decide(query(T0 + 1, [counter('flush', 10)]));
      const after = await a.decide(query(T0 + 2, [], [s]));
      assert.equal(after.admitted, true);
      assert.equal(after.slots[0]!.inFlight, 1);
    });

    it('refuses a counter it saw over its limit locally until its window ends', async () => {
      const prefix = newPrefix();
      const a = open(prefix);
      const c = counter('hot', 2);
      await a.decide(query(T0, [c]));
      await a.decide(query(T0, [c]));
      const refused = await a.decide(query(T0 + 1, [c, counter('other', 10)]));
      assert.equal(refused.admitted, false);
      assert.equal(refused.counters[0]!.firstOver, true);
      assert.equal(refused.counters[1]!.count, 0);

      // Redis forgets the window; only a decision that skips Redis still refuses.
      await admin.del(`${prefix}c:hot`);
      const local = await a.decide(query(T0 + 2, [counter('other', 10), c], [slot('s', 5)]));
      assert.equal(local.admitted, false);
      assert.deepEqual(local.counters, [
        { count: 0, resetAt: T0 + 2 + WINDOW_MS, over: false, firstOver: false, warned: false },
        { count: 2, resetAt: T0 + WINDOW_MS, over: true, firstOver: false, warned: false },
      ]);
      assert.deepEqual(local.slots, [{ inFlight: 0, over: false, firstOver: false }]);
      assert.equal((await a.decide(query(T0 + 3, [counter('other', 10)]))).counters[0]!.count, 1, 'the local refusal counted nothing');

      const fresh = open(prefix);
      assert.equal((await fresh.decide(query(T0 + 3, [c]))).counters[0]!.count, 1, 'a new instance asks Redis');
      assert.equal((await a.decide(query(T0 + 4, [counter('hot', 2, { enforce: false })]))).admitted, true, 'unenforced checks go to Redis');
      assert.equal((await a.decide(query(T0 + 5, [counter('hot', 5)]))).admitted, true, 'a higher limit goes to Redis');
      // The remembered window (from T0) has ended: Redis decides on the window `fresh` began at T0 + 3.
      const ended = await a.decide(query(T0 + WINDOW_MS, [c]));
      assert.deepEqual(ended.counters, [{ count: 3, resetAt: T0 + 3 + WINDOW_MS, over: true, firstOver: true, warned: false }]);
      const next = await a.decide(query(T0 + 3 + WINDOW_MS, [c]));
      assert.equal(next.admitted, true);
      assert.equal(next.counters[0]!.count, 1);
    });

    it('two instances refuse locally after one violation event', async () => {
      const prefix = newPrefix();
      const a = open(prefix);
      const b = open(prefix);
      const c = counter('org', 3);
      const decisions: LimitDecision[] = [];
      for (let i = 0; i < 20; i++) decisions.push(await (i % 2 === 0 ? a : b).decide(query(T0 + i, [c])));
      assert.equal(decisions.filter((d) => d.admitted).length, 3);
      assert.equal(decisions.filter((d) => d.counters[0]!.firstOver).length, 1);
    });

    it('recovers by itself when Redis comes back', async () => {
      const target = new URL(redisUrl);
      const proxy = new TcpRelay(target.hostname, Number(target.port || 6379));
      await proxy.start(0);
      const proxied = new URL(redisUrl);
      proxied.port = String(proxy.port);
      const l = open(newPrefix(), proxied.toString());
      const c = counter('c', 1000);
      assert.equal((await l.decide(query(T0, [c]))).admitted, true);

      await proxy.stop();
      const started = Date.now();
      await assert.rejects(l.decide(query(T0, [c])), LimiterUnavailableError);
      await assert.rejects(l.decide(query(T0, [c])), LimiterUnavailableError);
      assert.ok(Date.now() - started < 1000, `rejected in ${Date.now() - started} ms`);

      await proxy.start(proxy.port);
      const deadline = Date.now() + 5000;
      let recovered: LimitDecision | null = null;
      while (recovered === null && Date.now() < deadline) {
        recovered = await l.decide(query(T0, [c])).catch(() => null);
        if (recovered === null) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.ok(recovered, 'recovered within 5 s');
      assert.equal(recovered.admitted, true);
      assert.equal(recovered.counters[0]!.count, 2);
      await proxy.stop();
    });
  });
}

describe('RedisRateLimiter without a server', () => {
  it('rejects with LimiterUnavailableError within a second, every time; release never throws', async () => {
    const l = new RedisRateLimiter({ url: 'redis://127.0.0.1:1', prefix: 'unused:' });
    try {
      for (let i = 0; i < 3; i++) {
        const started = Date.now();
        await assert.rejects(l.decide(query(T0, [counter('c', 1)], [slot('s', 1)])), LimiterUnavailableError);
        assert.ok(Date.now() - started < 1000, `rejected in ${Date.now() - started} ms`);
      }
      l.release({ keys: ['s'], id: 'x' }, T0);
      l.release({ keys: ['s', 't'], id: 'y' }, T0);
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      await l.close();
    }
  });
});

/** A TCP relay to Redis that can be cut and restored, to stand for an outage without touching the shared server. */
class TcpRelay {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly host: string,
    private readonly targetPort: number,
  ) {}

  async start(port: number): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, this.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
