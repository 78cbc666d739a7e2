// `GET /api/v1/logs` end to end through HTTP, on SQLite and PostgreSQL: the response shape
// against Okta's spec, polling and bounded modes with their cursors, `q`, `filter`, parameter
// errors, retention and purge, permissions, and polling while several instances write.
//
// Time comes from the org's FakeClock: events are written with the clock set where they
// should be published, and the clock is moved instead of sleeping.
//
// What these tests pin down where Okta's documentation is silent:
// - `since` is inclusive and `until` exclusive (an event published exactly at `until` is left
//   out), in bounded mode; a DESCENDING query without `until` is bounded by "now", exclusive.
// - Events published at the same millisecond come out in persistence order (ascending) or its
//   reverse (descending), and paging through such ties neither repeats nor skips one.
// - `after` cursors are opaque to clients; one test reads Tollgate's polling cursor as a number
//   to check that it never goes backwards.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import type { RoleType } from '../src/domain/authz/roles.ts';
import { systemContext } from '../src/domain/org/bootstrap.ts';
import { randomIds } from '../src/domain/shared/ids.ts';
import type { CallContext } from '../src/domain/shared/context.ts';
import type { Store } from '../src/domain/store.ts';
import type { LogEvent, LogTarget } from '../src/domain/system-log/types.ts';
import type { EventSpec } from '../src/domain/system-log/writer.ts';
import { openStore } from '../src/storage/open-store.ts';
import type { StoreTarget } from '../src/storage/open-store.ts';
import { ORG_URL, startOrg } from './helpers/app.ts';
import type { TestOrg } from './helpers/app.ts';
import { assertOktaError, linkOf } from './helpers/assertions.ts';
import { backends } from './helpers/backends.ts';
import { assertMatchesSchema, assertMatchesSpec } from './helpers/openapi.ts';

const SECOND = 1000;
const DAY = 86_400_000;
const OVER_180_DAYS = 'Invalid parameter: The since parameter is over 180 days prior to the current day.';

type Query = Record<string, string | number>;

const iso = (ms: number) => new Date(ms).toISOString();

function logsUrl(query: Query = {}): string {
  const search = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
  return search === '' ? '/api/v1/logs' : `/api/v1/logs?${search}`;
}

function getLogs(org: TestOrg, query: Query = {}, token?: string): Promise<LightMyRequestResponse> {
  return org.request({ method: 'GET', url: logsUrl(query), ...(token === undefined ? {} : { token }) });
}

/** Follows a link (absolute, on the org's URL) through inject. */
function follow(org: TestOrg, href: string): Promise<LightMyRequestResponse> {
  const url = new URL(href);
  assert.equal(url.origin, ORG_URL, `links point at the org: ${href}`);
  return org.request({ method: 'GET', url: url.pathname + url.search });
}

/** The events of a 200 page. */
function page(res: LightMyRequestResponse): LogEvent[] {
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const body: unknown = res.json();
  assert.ok(Array.isArray(body), res.body);
  return body as LogEvent[];
}

const uuids = (events: readonly LogEvent[]) => events.map((e) => e.uuid);

function nextOf(res: LightMyRequestResponse): string | undefined {
  return linkOf(res, 'next');
}

function requireNext(res: LightMyRequestResponse): string {
  const next = nextOf(res);
  assert.ok(next, `a next link: ${JSON.stringify(res.headers.link)}`);
  return next;
}

function afterOf(href: string): string {
  const after = new URL(href).searchParams.get('after');
  assert.ok(after, `the next link carries after: ${href}`);
  return after;
}

function assertSelf(res: LightMyRequestResponse, url: string): void {
  assert.equal(linkOf(res, 'self'), `${ORG_URL}${url}`, `self link of ${url}: ${JSON.stringify(res.headers.link)}`);
}

/**
 * Reads a bounded query to its end: every page, and whether each page but the last had a
 * `next` link (the last must have none).
 */
async function readBounded(org: TestOrg, query: Query): Promise<{ events: LogEvent[]; sizes: number[] }> {
  let res = await getLogs(org, query);
  const events: LogEvent[] = [];
  const sizes: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const items = page(res);
    events.push(...items);
    sizes.push(items.length);
    const next = nextOf(res);
    if (next === undefined) return { events, sizes };
    res = await follow(org, next);
  }
  return assert.fail('more than 1000 pages');
}

/** Polls from `href` until an empty page; returns what came and the `next` of the empty page. */
async function pollToEnd(org: TestOrg, href: string): Promise<{ events: LogEvent[]; sizes: number[]; next: string }> {
  const events: LogEvent[] = [];
  const sizes: number[] = [];
  let next = href;
  for (let i = 0; i < 1000; i++) {
    const res = await follow(org, next);
    const items = page(res);
    next = requireNext(res);
    if (items.length === 0) return { events, sizes, next };
    events.push(...items);
    sizes.push(items.length);
  }
  return assert.fail('more than 1000 pages');
}

function ctx(): CallContext {
  return systemContext(randomIds.requestId());
}

type Spec = Partial<EventSpec> & { eventType: string };

function build(org: TestOrg, spec: Spec): LogEvent {
  return org.services.log.build(ctx(), { displayMessage: spec.eventType, target: [], ...spec });
}

/** Stores one event published at the org clock's current time. */
async function write(org: TestOrg, spec: Spec, store: Store = org.services.store): Promise<LogEvent> {
  const event = build(org, spec);
  await store.appendLogEvent(event);
  return event;
}

/** Stores one event published at `ms`, then puts the clock back. */
async function writeAt(org: TestOrg, ms: number, spec: Spec): Promise<LogEvent> {
  const now = org.clock.now();
  org.clock.set(ms);
  try {
    return await write(org, spec);
  } finally {
    org.clock.set(now);
  }
}

function target(id: string, displayName = id): LogTarget {
  return { id, type: 'User', alternateId: `${id.toLowerCase()}@example.com`, displayName };
}

const byType = (eventType: string) => `eventType eq "${eventType}"`;

/** Runs one counting query on the org's database, from outside the server. */
async function countRows(target: StoreTarget, query: string): Promise<number> {
  if (target.kind === 'sqlite') {
    const db = new Database(`${target.dataDir}/tollgate.db`, { readonly: true });
    try {
      return Number((db.prepare(query).get() as { n: number | bigint }).n);
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  try {
    if (target.schema) await client.query(`set search_path to ${target.schema}`);
    const result = await client.query<{ n: string }>(query);
    return Number(result.rows[0]?.n);
  } finally {
    await client.end();
  }
}

for (const backend of backends()) {
  describe(`System Log API (${backend.name})`, () => {
    let org: TestOrg;

    before(async () => {
      org = await startOrg(backend);
    });
    after(() => org.close());

    // ------------------------------------------------------------------------------------------
    // 1. Shape

    it('shape: every event matches the spec’s LogEvent, the page matches listLogEvents; self link on every page', async () => {
      const user = await org.userWithToken('shape@example.com', ['SUPER_ADMIN']);
      const firefox = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0';
      const put = await org.request({
        method: 'PUT',
        url: `/api/v1/api-tokens/${user.tokenId}`,
        payload: { name: 'shape' },
        token: user.token,
        headers: { 'user-agent': firefox },
      });
      assert.equal(put.statusCode, 200, put.body);
      const policy = await org.request({ method: 'POST', url: '/api/v1/policies', payload: { type: 'OKTA_SIGN_ON', name: 'Shape' } });
      assert.ok(policy.statusCode < 300, policy.body);
      await write(org, {
        eventType: 'test.shape',
        displayMessage: 'A warning with targets',
        severity: 'WARN',
        outcome: { result: 'FAILURE', reason: 'because' },
        target: [target('00uShapeOne'), target('00uShapeTwo')],
        debugData: { extra: 'value' },
      });
      await org.services.log.flush();
      // Bounded queries without until end at now, exclusive: step past the events just written.
      org.clock.advance(1);

      const url = logsUrl({ since: iso(org.clock.now() - DAY), limit: 1000 });
      const res = await org.request({ method: 'GET', url });
      const body = (await assertMatchesSpec('listLogEvents', res)) as LogEvent[];
      for (const event of body) await assertMatchesSchema('LogEvent', event, `event ${event.eventType} ${event.uuid}`);
      const types = new Set(body.map((e) => e.eventType));
      for (const type of ['system.api_token.create', 'system.api_token.update', 'policy.lifecycle.create', 'test.shape']) assert.ok(types.has(type), type);
      assertSelf(res, url);

      // The event of the PUT carries the request's id, URI, token and user agent.
      const update = body.find((e) => e.eventType === 'system.api_token.update' && e.transaction.detail.requestApiTokenId === user.tokenId);
      assert.ok(update, 'the PUT’s event');
      assert.equal(update.transaction.id, put.headers['x-okta-request-id']);
      assert.equal(update.debugContext.debugData.requestId, put.headers['x-okta-request-id']);
      assert.equal(update.debugContext.debugData.requestUri, `/api/v1/api-tokens/${user.tokenId}`);
      assert.equal(update.actor.id, user.userId);
      assert.equal(update.client.userAgent?.rawUserAgent, firefox);

      // self on every kind of page: polling (empty), bounded, descending, a followed next.
      const queries: Query[] = [
        { filter: byType('test.nothing') },
        { since: iso(org.clock.now() - DAY), until: iso(org.clock.now() + 1) },
        { sortOrder: 'DESCENDING', limit: 1 },
      ];
      for (const query of queries) {
        const u = logsUrl(query);
        const r = await org.request({ method: 'GET', url: u });
        await assertMatchesSpec('listLogEvents', r);
        assertSelf(r, u);
      }
      const first = await getLogs(org, { sortOrder: 'DESCENDING', limit: 1 });
      const next = requireNext(first);
      const second = await follow(org, next);
      await assertMatchesSpec('listLogEvents', second);
      assertSelf(second, new URL(next).pathname + new URL(next).search);
    });

    // ------------------------------------------------------------------------------------------
    // 2. Polling mode

    it('polling: ordered by persistence; a next link even on an empty page, and following it returns exactly what was written since', async () => {
      const type = 'test.poll.follow';
      const empty = await getLogs(org, { filter: byType(type), since: iso(org.clock.now() - DAY) });
      assert.deepEqual(page(empty), []);
      const next0 = requireNext(empty);
      assert.equal(new URL(next0).searchParams.get('since'), null, 'the cursor replaces since');

      org.clock.advance(SECOND);
      const a = await write(org, { eventType: type });
      org.clock.advance(SECOND);
      const b = await write(org, { eventType: type });
      const first = await follow(org, next0);
      assert.deepEqual(uuids(page(first)), [a.uuid, b.uuid]);
      // A cursor can be followed again: it names a position, not a session.
      assert.deepEqual(uuids(page(await follow(org, next0))), [a.uuid, b.uuid]);

      const next1 = requireNext(first);
      const quiet = await follow(org, next1);
      assert.deepEqual(page(quiet), []);
      const next2 = requireNext(quiet);

      org.clock.advance(SECOND);
      const c = await write(org, { eventType: type });
      assert.deepEqual(uuids(page(await follow(org, next2))), [c.uuid]);
      assert.deepEqual(uuids(page(await follow(org, next1))), [c.uuid]);
      // An event persisted now but published 8 days ago still reaches the poller: polling
      // follows persistence, and a cursor has no time window.
      const late = await writeAt(org, org.clock.now() - 8 * DAY, { eventType: type });
      const rest = await pollToEnd(org, next2);
      assert.deepEqual(uuids(rest.events), [c.uuid, late.uuid]);
    });

    it('polling: limit pages through many events, each exactly once, carrying filter, q and limit', async () => {
      const type = 'test.poll.paging';
      const written: LogEvent[] = [];
      for (let i = 0; i < 7; i++) {
        org.clock.advance(SECOND);
        written.push(await write(org, { eventType: type, displayMessage: `Paging marker ${i}` }));
      }
      const query = { filter: `${byType(type)} and displayMessage sw "Paging"`, q: 'PAGING marker', limit: 3 };
      const first = await getLogs(org, query);
      const next = requireNext(first);
      const params = new URL(next).searchParams;
      assert.equal(params.get('filter'), query.filter);
      assert.equal(params.get('q'), query.q);
      assert.equal(params.get('limit'), '3');
      const rest = await pollToEnd(org, next);
      assert.deepEqual([...uuids(page(first)), ...uuids(rest.events)], uuids(written));
      assert.deepEqual([page(first).length, ...rest.sizes], [3, 3, 1]);

      // Exactly a multiple of the limit: the full page's cursor, then an empty page.
      const more: LogEvent[] = [];
      for (let i = 0; i < 3; i++) more.push(await write(org, { eventType: type, displayMessage: `Paging marker more ${i}` }));
      const tail = await pollToEnd(org, rest.next);
      assert.deepEqual(uuids(tail.events), uuids(more));
      assert.deepEqual(tail.sizes, [3]);
    });

    it('polling: a filter that skips many events still moves the cursor forward, never back', async () => {
      const rare = 'test.poll.rare';
      const noise = 'test.poll.noise';
      const first = await getLogs(org, { filter: byType(rare), limit: 5 });
      assert.deepEqual(page(first), []);
      const after1 = afterOf(requireNext(first));

      for (let i = 0; i < 40; i++) await write(org, { eventType: noise });
      const second = await follow(org, requireNext(first));
      assert.deepEqual(page(second), []);
      const after2 = afterOf(requireNext(second));
      // Tollgate's polling cursor is the persistence sequence (a client must treat it as opaque).
      assert.ok(BigInt(after2) >= BigInt(after1), `cursor ${after2} is not behind ${after1}`);
      assert.ok(BigInt(after2) - BigInt(after1) >= 40n, `cursor ${after1} -> ${after2} moved past the 40 skipped events`);

      const third = await follow(org, requireNext(second));
      assert.deepEqual(page(third), []);
      assert.ok(BigInt(afterOf(requireNext(third))) >= BigInt(after2), 'an empty poll with nothing new keeps its place');

      const hit = await write(org, { eventType: rare });
      assert.deepEqual(uuids(page(await follow(org, requireNext(third)))), [hit.uuid]);
    });

    it('polling: a limit=0 page does not move the cursor past events it did not return', async () => {
      const type = 'test.poll.limit0';
      const start = await getLogs(org, { filter: byType(type) });
      assert.deepEqual(page(start), []);
      const cursor = afterOf(requireNext(start));
      const missed = await write(org, { eventType: type });

      const zero = await getLogs(org, { filter: byType(type), after: cursor, limit: 0 });
      assert.deepEqual(page(zero), []);
      const resumed = afterOf(requireNext(zero));
      const next = await getLogs(org, { filter: byType(type), after: resumed });
      assert.deepEqual(uuids(page(next)), [missed.uuid], 'following the limit=0 page’s cursor returns the event written before it');
    });

    it('polling: a limit=0 first page keeps the since window for the pages after it', async () => {
      const type = 'test.poll.limit0-since';
      const now = org.clock.now();
      await writeAt(org, now - 3 * DAY, { eventType: type });
      const fresh = await write(org, { eventType: type });
      const query = { filter: byType(type), since: iso(now - DAY) };
      assert.deepEqual(uuids(page(await getLogs(org, query))), [fresh.uuid]);
      const zero = await getLogs(org, { ...query, limit: 0 });
      assert.deepEqual(page(zero), []);
      const next = new URL(requireNext(zero));
      next.searchParams.set('limit', '100');
      // The event published 3 days ago is outside [since, …) and was stored before the first page.
      assert.deepEqual(uuids(page(await follow(org, next.toString()))), [fresh.uuid]);
    });

    it('polling: without since, the window starts 7 days before now', async () => {
      const type = 'test.poll.window';
      const now = org.clock.now();
      const eightDays = await writeAt(org, now - 8 * DAY, { eventType: type });
      const sixDays = await writeAt(org, now - 6 * DAY, { eventType: type });
      const fresh = await write(org, { eventType: type });
      assert.deepEqual(uuids(page(await getLogs(org, { filter: byType(type) }))), [sixDays.uuid, fresh.uuid]);
      assert.deepEqual(uuids(page(await getLogs(org, { filter: byType(type), since: iso(now - 9 * DAY) }))), [eightDays.uuid, sixDays.uuid, fresh.uuid]);
      // since is inclusive in polling mode too.
      assert.deepEqual(uuids(page(await getLogs(org, { filter: byType(type), since: iso(now - 6 * DAY) }))), [sixDays.uuid, fresh.uuid]);
    });

    // ------------------------------------------------------------------------------------------
    // 3. Bounded mode

    it('bounded: since inclusive, until exclusive; ordered by published then persistence, both orders', async () => {
      const type = 'test.bounded.window';
      const t = org.clock.now() + SECOND;
      const at = async (offset: number) => {
        org.clock.set(t + offset);
        return write(org, { eventType: type });
      };
      const e0 = await at(0);
      const e1 = await at(SECOND);
      const e2 = await at(2 * SECOND);
      const e3 = await at(2 * SECOND); // same millisecond as e2
      const e4 = await at(3 * SECOND);
      const e5 = await at(4 * SECOND);
      org.clock.set(t + 5 * SECOND);

      const window = { filter: byType(type), since: iso(t), until: iso(t + 4 * SECOND) };
      const ascending = await getLogs(org, window);
      assert.deepEqual(uuids(page(ascending)), uuids([e0, e1, e2, e3, e4]), 'e0 at since is in, e5 at until is out');
      assert.equal(nextOf(ascending), undefined, 'one page: no next');
      const descending = await getLogs(org, { ...window, sortOrder: 'DESCENDING' });
      assert.deepEqual(uuids(page(descending)), uuids([e4, e3, e2, e1, e0]));
      assert.equal(nextOf(descending), undefined);

      assert.deepEqual(uuids(page(await getLogs(org, { ...window, until: iso(t + 4 * SECOND + 1) }))), uuids([e0, e1, e2, e3, e4, e5]));
      assert.deepEqual(uuids(page(await getLogs(org, { ...window, since: iso(t + 1) }))), uuids([e1, e2, e3, e4]));
      // ASCENDING with until and without since: the window is the 7 days before until.
      assert.deepEqual(uuids(page(await getLogs(org, { filter: byType(type), until: iso(t + 2 * SECOND) }))), uuids([e0, e1]));
      // since equal to until: an empty window.
      assert.deepEqual(page(await getLogs(org, { ...window, until: iso(t) })), []);
    });

    it('bounded: next only while more remain; following it returns the window exactly once, both orders, any limit', async () => {
      const type = 'test.bounded.paging';
      const t = org.clock.now() + SECOND;
      const offsets = [0, 1, 1, 1, 2, 3, 3]; // seconds; ties on 1 and 3
      const written: LogEvent[] = [];
      for (const offset of offsets) {
        org.clock.set(t + offset * SECOND);
        written.push(await write(org, { eventType: type }));
      }
      org.clock.set(t + 10 * SECOND);
      const window = { filter: byType(type), since: iso(t), until: iso(t + 4 * SECOND) };
      for (const sortOrder of ['ASCENDING', 'DESCENDING'] as const) {
        const expected = sortOrder === 'ASCENDING' ? uuids(written) : uuids(written).reverse();
        for (const limit of [1, 2, 3, 6, 7, 8]) {
          const { events, sizes } = await readBounded(org, { ...window, sortOrder, limit });
          assert.deepEqual(uuids(events), expected, `${sortOrder} limit ${limit}`);
          const full = Math.floor(written.length / limit);
          const expectedSizes = [...Array<number>(full).fill(limit), ...(written.length % limit > 0 ? [written.length % limit] : [])];
          assert.deepEqual(sizes, expectedSizes, `${sortOrder} limit ${limit}: pages, the last without next`);
        }
      }
      // The next link carries until, filter, limit and sortOrder, and drops since.
      const first = await getLogs(org, { ...window, sortOrder: 'DESCENDING', limit: 2 });
      const params = new URL(requireNext(first)).searchParams;
      assert.equal(params.get('until'), window.until);
      assert.equal(params.get('filter'), window.filter);
      assert.equal(params.get('limit'), '2');
      assert.equal(params.get('sortOrder'), 'DESCENDING');
      assert.equal(params.get('since'), null);
    });

    it('bounded: DESCENDING without until is bounded by now (exclusive), newest first, paged to the end', async () => {
      const type = 'test.bounded.descending';
      org.clock.advance(SECOND);
      const older = await write(org, { eventType: type });
      org.clock.advance(SECOND);
      const newer = await write(org, { eventType: type });
      // Published exactly now: outside [since, now).
      assert.deepEqual(uuids(page(await getLogs(org, { filter: byType(type), sortOrder: 'DESCENDING' }))), [older.uuid]);
      org.clock.advance(1);
      const { events, sizes } = await readBounded(org, { filter: byType(type), sortOrder: 'DESCENDING', limit: 1 });
      assert.deepEqual(uuids(events), [newer.uuid, older.uuid]);
      assert.deepEqual(sizes, [1, 1]);
      // Events written after the first page was read do not appear on later pages.
      const first = await getLogs(org, { filter: byType(type), sortOrder: 'DESCENDING', limit: 1 });
      org.clock.advance(SECOND);
      await write(org, { eventType: type });
      org.clock.advance(SECOND);
      const second = await follow(org, requireNext(first));
      assert.deepEqual(uuids(page(second)), [older.uuid]);
      assert.equal(nextOf(second), undefined);
    });

    it('events published out of persistence order: by published in bounded mode, by persistence in polling mode', async () => {
      const type = 'test.out-of-order';
      const t = org.clock.now() + SECOND;
      const a = await writeAt(org, t + 3 * SECOND, { eventType: type });
      const b = await writeAt(org, t + SECOND, { eventType: type });
      const c = await writeAt(org, t + 2 * SECOND, { eventType: type });
      org.clock.set(t + 4 * SECOND);
      const filter = byType(type);
      assert.deepEqual(uuids(page(await getLogs(org, { filter, since: iso(t) }))), uuids([a, b, c]), 'polling: persistence order');
      const window = { filter, since: iso(t), until: iso(t + 4 * SECOND) };
      assert.deepEqual(uuids(page(await getLogs(org, window))), uuids([b, c, a]), 'bounded ascending: by published');
      assert.deepEqual(uuids(page(await getLogs(org, { ...window, sortOrder: 'DESCENDING' }))), uuids([a, c, b]), 'bounded descending');
      org.clock.advance(1);
      assert.deepEqual(uuids(page(await getLogs(org, { filter, sortOrder: 'DESCENDING' }))), uuids([a, c, b]), 'descending without until');
      // Paging in bounded mode keeps published order across pages.
      assert.deepEqual(uuids((await readBounded(org, { ...window, limit: 1 })).events), uuids([b, c, a]));
    });

    // ------------------------------------------------------------------------------------------
    // 4. q

    it('q: keywords are case-insensitive, all must match, and match values, never property names', async () => {
      const type = 'test.q';
      const e1 = await write(org, { eventType: type, displayMessage: 'Alpha Bravo', target: [target('00uQZulu', 'Zulu Person')] });
      const e2 = await write(org, { eventType: type, displayMessage: 'Alpha Charlie' });
      const e3 = await write(org, { eventType: type, displayMessage: 'Fifty% off_sale' });
      const e4 = await write(org, { eventType: type, displayMessage: 'Fifty percent off' });
      const search = async (q: string) => uuids(page(await getLogs(org, { filter: byType(type), q })));
      assert.deepEqual(await search('alpha'), uuids([e1, e2]));
      assert.deepEqual(await search('ALPHA'), uuids([e1, e2]));
      assert.deepEqual(await search('aLpHa bravo'), uuids([e1]));
      assert.deepEqual(await search('alpha   ZULU'), uuids([e1]), 'a target’s displayName counts; spaces separate');
      assert.deepEqual(await search('alpha 00uqzulu@example.com'), uuids([e1]), 'a target’s alternateId counts');
      assert.deepEqual(await search('bravo charlie'), [], 'every keyword must match the same event');
      assert.deepEqual(await search('alpha delta'), []);
      for (const propertyName of ['displayName', 'displayMessage', 'eventType', 'alternateId', 'target', 'actor', 'debugData']) {
        assert.deepEqual(await search(propertyName), [], `q=${propertyName} matches no property name`);
      }
      assert.deepEqual(await search('%'), uuids([e3]), '% is a character, not a wildcard');
      assert.deepEqual(await search('_'), uuids([e3]), '_ is a character, not a wildcard');
      assert.deepEqual(await search('fifty'), uuids([e3, e4]));
    });

    it('q: at most 10 keywords of at most 40 characters (400 E0000001)', async () => {
      const words = (n: number) => Array.from({ length: n }, (_, i) => `kw${i}`).join(' ');
      assert.equal((await getLogs(org, { q: words(10) })).statusCode, 200);
      const tooMany = assertOktaError(await getLogs(org, { q: words(11) }), 400, 'E0000001');
      assert.ok(tooMany.errorCauses.some((c) => c.errorSummary.startsWith('q')), JSON.stringify(tooMany.errorCauses));
      assert.equal((await getLogs(org, { q: 'x'.repeat(40) })).statusCode, 200);
      const tooLong = assertOktaError(await getLogs(org, { q: `ok ${'x'.repeat(41)}` }), 400, 'E0000001');
      assert.ok(tooLong.errorCauses.some((c) => c.errorSummary.startsWith('q')), JSON.stringify(tooLong.errorCauses));
    });

    // ------------------------------------------------------------------------------------------
    // 5. filter

    it('filter: the events one SSWS token made (transaction.detail.requestApiTokenId) and one actor made, through a real API call', async () => {
      const user = await org.userWithToken('filter-token@example.com', ['SUPER_ADMIN']);
      const put = await org.request({ method: 'PUT', url: `/api/v1/api-tokens/${user.tokenId}`, payload: { name: 'renamed by its owner' }, token: user.token });
      assert.equal(put.statusCode, 200, put.body);
      await org.services.log.flush();

      const byToken = page(await getLogs(org, { filter: `transaction.detail.requestApiTokenId eq "${user.tokenId}"` }));
      assert.deepEqual(
        byToken.map((e) => [e.eventType, e.actor.id, e.transaction.id]),
        [['system.api_token.update', user.userId, put.headers['x-okta-request-id']]],
      );
      const byActor = page(await getLogs(org, { filter: `actor.id eq "${user.userId}"` }));
      assert.deepEqual(uuids(byActor), uuids(byToken));
      const byRequest = page(await getLogs(org, { filter: `debugContext.debugData.requestUri eq "/api/v1/api-tokens/${user.tokenId}" and actor.id eq "${user.userId}"` }));
      assert.deepEqual(uuids(byRequest), uuids(byToken));
      // The bootstrap token's events are not this token's.
      assert.equal(page(await getLogs(org, { filter: `transaction.detail.requestApiTokenId eq "00T000000000000none"` })).length, 0);
    });

    it('filter: eventType, target.id across the target array, and not > and > or precedence', async () => {
      const [x1, x2, x3] = ['00uFilterX1', '00uFilterX2', '00uFilterX3'];
      const f1 = await write(org, { eventType: 'test.filter.a', target: [target(x1), target(x2)] });
      const f2 = await write(org, { eventType: 'test.filter.b', target: [target(x2)] });
      const f3 = await write(org, { eventType: 'test.filter.b', target: [target(x3)] });
      const f4 = await write(org, { eventType: 'test.filter.c', target: [target(x1)] });
      const scope = 'eventType sw "test.filter."';
      const cases: [string, LogEvent[]][] = [
        [scope, [f1, f2, f3, f4]],
        ['eventType eq "test.filter.b"', [f2, f3]],
        [`target.id eq "${x2}"`, [f1, f2]],
        [`target.id eq "${x1}"`, [f1, f4]],
        [`eventType ew ".c" and ${scope}`, [f4]],
        // and binds tighter than or
        [`eventType eq "test.filter.a" or eventType eq "test.filter.b" and target.id eq "${x3}"`, [f1, f3]],
        [`(eventType eq "test.filter.a" or eventType eq "test.filter.b") and target.id eq "${x2}"`, [f1, f2]],
        [`target.id eq "${x3}" or eventType eq "test.filter.c" and target.id eq "${x2}"`, [f3]],
        // not applies to its parenthesised filter; over an array it means "no element matches"
        [`${scope} and not (eventType eq "test.filter.b")`, [f1, f4]],
        [`not (target.id eq "${x1}") and ${scope}`, [f2, f3]],
        [`not (eventType eq "test.filter.a" or eventType eq "test.filter.c") and ${scope}`, [f2, f3]],
        // case-insensitive operators and attribute names
        [`EVENTTYPE EQ "test.filter.c" AND Target.Id Eq "${x1}"`, [f4]],
      ];
      for (const [filter, expected] of cases) {
        assert.deepEqual(uuids(page(await getLogs(org, { filter }))), uuids(expected), filter);
      }
    });

    it('filter: published, syntax errors and unknown attributes are 400 E0000053 (never 500); co on request URLs is 400 E0000031', async () => {
      assertOktaError(await getLogs(org, { filter: `published gt "${iso(org.clock.now() - DAY)}"` }), 400, 'E0000053', /^Invalid SCIM filter\./);
      const garbage = [
        'eventType eq',
        'eventType eq "a" and',
        '(eventType eq "a"',
        'eventType eq "a")',
        'eventType xx "a"',
        'eventType eq "unterminated',
        '"just a string"',
        'eventType eq unquoted',
        'target[id eq "x"]',
        'and or not',
        '!!!',
        '((((((((((((((((((((((((((((((eventType eq "a"))))))))))))))))))))))))))))))',
        'nosuch.attribute eq "x"',
        'actor eq "x"',
        'eventType eq 1',
        'target.changeDetails.to eq "x"',
        'eventType eq "a" \u0000',
      ];
      for (const filter of garbage) {
        const res = await getLogs(org, { filter });
        assert.ok(res.statusCode < 500, `${filter}: ${res.statusCode} ${res.body}`);
        assertOktaError(res, 400, 'E0000053');
      }
      for (const path of ['debugContext.debugData.requestUri', 'debugContext.debugData.url']) {
        const res = await getLogs(org, { filter: `${path} co "/api"` });
        const body = assertOktaError(res, 400, 'E0000031');
        assert.ok(body.errorCauses.length > 0);
        assert.equal((await getLogs(org, { filter: `${path} sw "/api"` })).statusCode, 200, `${path} sw is allowed`);
      }
      // Odd but valid filters answer 200.
      for (const filter of ['target.id pr', 'not (client.userAgent pr)', 'authenticationContext.authenticationStep eq 0', 'securityContext.isProxy eq false', 'eventType eq null']) {
        assert.equal((await getLogs(org, { filter })).statusCode, 200, filter);
      }
    });

    // ------------------------------------------------------------------------------------------
    // 6. Parameter errors

    it('bad until or since: 400 E0000001 naming the field; since after until: 400', async () => {
      for (const field of ['until', 'since'] as const) {
        for (const value of ['yesterday', '2026-13-01T00:00:00Z', '12345', '2026-11-01T12:60:00Z', '2026-11-01 12:00:00']) {
          const body = assertOktaError(await getLogs(org, { [field]: value }), 400, 'E0000001');
          assert.ok(body.errorSummary.includes(field), body.errorSummary);
          assert.ok(body.errorCauses.some((c) => c.errorSummary.startsWith(`${field}:`)), JSON.stringify(body.errorCauses));
        }
      }
      const now = org.clock.now();
      assertOktaError(await getLogs(org, { since: iso(now), until: iso(now - DAY) }), 400, 'E0000001');
    });

    it('impossible calendar dates in since/until are refused, not rolled over', async () => {
      // 2026-02-30 does not exist; Date.parse rolls it over to March 2.
      for (const value of ['2026-02-30T00:00:00Z', '2026-04-31']) {
        assertOktaError(await getLogs(org, { until: value }), 400, 'E0000001');
      }
    });

    it('since and until without an offset are UTC, whatever the server’s time zone', async () => {
      const type = 'test.params.no-offset';
      const event = await write(org, { eventType: type });
      const wall = (ms: number) => iso(ms).slice(0, 19); // YYYY-MM-DDTHH:mm:ss, no offset
      const window = { filter: byType(type), since: wall(org.clock.now() - SECOND), until: wall(org.clock.now() + SECOND) };
      const saved = process.env.TZ;
      try {
        process.env.TZ = 'America/New_York';
        assert.deepEqual(uuids(page(await getLogs(org, window))), [event.uuid]);
      } finally {
        if (saved === undefined) delete process.env.TZ;
        else process.env.TZ = saved;
      }
    });

    it('since more than 180 days back: 400 E0000053 with Okta’s summary; 179 days is fine', async () => {
      const now = org.clock.now();
      const res = await getLogs(org, { since: iso(now - 181 * DAY) });
      const body = assertOktaError(res, 400, 'E0000053', OVER_180_DAYS);
      assert.ok(body.errorCauses.some((c) => c.errorSummary.startsWith('since')), JSON.stringify(body.errorCauses));
      assertOktaError(await getLogs(org, { since: iso(now - 181 * DAY), until: iso(now) }), 400, 'E0000053', OVER_180_DAYS);
      assert.equal((await getLogs(org, { since: iso(now - 179 * DAY) })).statusCode, 200);
    });

    it('since with after, a bad sortOrder, a bad limit: 400 E0000001; a garbage after: 400 E0000029', async () => {
      const polled = await getLogs(org, { filter: byType('test.params') });
      const cursor = afterOf(requireNext(polled));
      const mixed = assertOktaError(await getLogs(org, { since: iso(org.clock.now() - DAY), after: cursor }), 400, 'E0000001');
      assert.ok(mixed.errorCauses.some((c) => c.errorSummary.includes('after')), JSON.stringify(mixed.errorCauses));

      for (const sortOrder of ['UP', 'descending']) {
        const body = assertOktaError(await getLogs(org, { sortOrder }), 400, 'E0000001');
        assert.ok(body.errorSummary.includes('sortOrder'), body.errorSummary);
      }
      for (const limit of ['ten', '-1', '1.5', '1e3']) {
        const body = assertOktaError(await getLogs(org, { limit }), 400, 'E0000001');
        assert.ok(body.errorSummary.includes('limit'), body.errorSummary);
      }
      const cursors: Query[] = [{ after: 'garbage' }, { after: '1_2_3' }, { after: '12', until: iso(org.clock.now()) }, { after: 'abc', sortOrder: 'DESCENDING' }];
      for (const query of cursors) {
        assertOktaError(await getLogs(org, query), 400, 'E0000029');
      }
    });

    it('limit: default 100; above 1000 it is clamped to 1000', async () => {
      const type = 'test.params.clamp';
      if (backend.name === 'postgres') {
        // PostgreSQL appends are serialised through their commits (several ms each here), so
        // 1001 of them would dominate the run; the clamp itself is the service's, tested on SQLite.
        const res = await getLogs(org, { limit: 5000 });
        assert.ok(page(res).length <= 1000);
        assert.equal(new URL(requireNext(res)).searchParams.get('limit'), '5000');
        return;
      }
      const events = Array.from({ length: 1001 }, () => build(org, { eventType: type }));
      for (const event of events) await org.services.store.appendLogEvent(event);
      org.clock.advance(1);
      assert.equal(page(await getLogs(org, { filter: byType(type) })).length, 100);
      const clamped = await getLogs(org, { filter: byType(type), limit: 5000 });
      assert.equal(page(clamped).length, 1000);
      const rest = await follow(org, requireNext(clamped));
      assert.equal(page(rest).length, 1);
      assert.equal(new Set([...uuids(page(clamped)), ...uuids(page(rest))]).size, 1001);
      assert.equal(page(await getLogs(org, { filter: byType(type), limit: 1000, sortOrder: 'DESCENDING' })).length, 1000);
    });

    it('events appended inside a store transaction commit and roll back with it', async () => {
      // The port allows it (appendLogEvent is on StorePorts, and system-log-ports.ts has a branch
      // for a transaction), and a service that records in the same transaction as its change
      // relies on it.
      const type = 'test.transaction';
      const kept = build(org, { eventType: type, displayMessage: 'kept' });
      const dropped = build(org, { eventType: type, displayMessage: 'rolled back' });
      await org.services.store.transaction(async (tx) => {
        await tx.appendLogEvent(kept);
      });
      await assert.rejects(
        org.services.store.transaction(async (tx) => {
          await tx.appendLogEvent(dropped);
          throw new Error('roll back');
        }),
        /roll back/,
      );
      assert.deepEqual(uuids(page(await getLogs(org, { filter: byType(type) }))), [kept.uuid]);
    });

    // ------------------------------------------------------------------------------------------
    // 7. Retention (default 90 days here; 30 in its own org below)

    it('retention: with the default 90 days, older events are not returned', async () => {
      const type = 'test.retention.default';
      const now = org.clock.now();
      await writeAt(org, now - 91 * DAY, { eventType: type });
      const kept = await writeAt(org, now - 89 * DAY, { eventType: type });
      assert.deepEqual(uuids(page(await getLogs(org, { filter: byType(type), since: iso(now - 100 * DAY) }))), [kept.uuid]);
      assert.deepEqual(uuids(page(await getLogs(org, { filter: byType(type), since: iso(now - 100 * DAY), until: iso(now) }))), [kept.uuid]);
    });

    // ------------------------------------------------------------------------------------------
    // 8. Permissions

    it('permissions: super, org, read-only and report admins read the log; other roles and plain users get 403 E0000006', async () => {
      const allowed: RoleType[] = ['SUPER_ADMIN', 'ORG_ADMIN', 'READ_ONLY_ADMIN', 'REPORT_ADMIN'];
      const refused: RoleType[][] = [['USER_ADMIN'], ['HELP_DESK_ADMIN'], ['APP_ADMIN', 'GROUP_MEMBERSHIP_ADMIN'], []];
      for (const role of allowed) {
        const user = await org.userWithToken(`logs-${role.toLowerCase()}@example.com`, [role]);
        const res = await getLogs(org, { limit: 5 }, user.token);
        assert.equal(res.statusCode, 200, `${role}: ${res.body}`);
        await assertMatchesSpec('listLogEvents', res);
      }
      for (const roles of refused) {
        const user = await org.userWithToken(`logs-${roles.join('-').toLowerCase() || 'none'}@example.com`, roles);
        assertOktaError(await getLogs(org, {}, user.token), 403, 'E0000006');
        // Permission is checked before parameters.
        assertOktaError(await getLogs(org, { until: 'nonsense' }, user.token), 403, 'E0000006');
      }
      assertOktaError(await org.request({ method: 'GET', url: '/api/v1/logs', token: null }), 403, 'E0000005', 'Invalid session');
      assertOktaError(await org.request({ method: 'GET', url: '/api/v1/logs', token: '00wrongwrongwrongwrongwrongwrongwrongwrong' }), 401, 'E0000011');
    });

    // ------------------------------------------------------------------------------------------
    // 9. Polling while several writers append

    it(`polling while ${backend.name === 'postgres' ? 'three other instances' : 'the instance itself'} append concurrently: every event exactly once, in persistence order`, async () => {
      const type = 'test.concurrent';
      const noise = 'test.concurrent.noise';
      const writers: Store[] =
        backend.name === 'postgres' ? await Promise.all([1, 2, 3].map(() => openStore(org.target))) : [org.services.store, org.services.store, org.services.store];
      try {
        const filter = byType(type);
        const start = await getLogs(org, { filter, limit: 25 });
        assert.deepEqual(page(start), []);

        const written: string[] = [];
        let finished = false;
        // Each writer: 80 matching and 20 non-matching events, appended by several lanes at once
        // (on PostgreSQL each instance has its own pool). Lanes yield to the event loop between
        // appends: better-sqlite3 is synchronous, and without a macrotask turn the poller's
        // requests would only run once every write is done.
        const lanes = 4;
        const writing = Promise.all(
          writers.map(async (store, w) => {
            const events = Array.from({ length: 100 }, (_, i) => build(org, { eventType: i % 5 === 4 ? noise : type, displayMessage: `writer ${w} event ${i}` }));
            for (const e of events) if (e.eventType === type) written.push(e.uuid);
            await Promise.all(
              Array.from({ length: lanes }, async (_, lane) => {
                for (let i = lane; i < events.length; i += lanes) {
                  await store.appendLogEvent(events[i]!);
                  await new Promise<void>((resolve) => setImmediate(resolve));
                }
              }),
            );
          }),
        ).finally(() => {
          finished = true;
        });

        const seen: string[] = [];
        let seenWhileWriting = 0;
        let next = requireNext(start);
        let polls = 0;
        for (;;) {
          assert.ok(++polls < 5000, 'the poller finishes');
          const doneBefore = finished;
          const res = await follow(org, next);
          const items = page(res);
          seen.push(...uuids(items));
          if (!finished) seenWhileWriting = seen.length;
          next = requireNext(res);
          if (doneBefore && items.length === 0) break;
          if (items.length === 0) await new Promise<void>((resolve) => setImmediate(resolve));
        }
        await writing;

        assert.equal(written.length, 240);
        assert.equal(new Set(seen).size, seen.length, 'no event twice');
        assert.deepEqual(new Set(seen), new Set(written), 'every event, and only those');
        const stored = (await org.services.store.listLogEvents({ limit: 100_000 })).filter((e) => e.eventType === type);
        assert.deepEqual(seen, uuids(stored), 'in persistence order');
        assert.ok(seenWhileWriting > 0, `the poller saw events while the writers wrote (${polls} polls)`);
      } finally {
        if (backend.name === 'postgres') await Promise.all(writers.map((s) => s.close()));
      }
    });
  });

  describe(`System Log retention and purge (${backend.name})`, () => {
    let org: TestOrg;

    before(async () => {
      org = await startOrg(backend, { config: { logRetentionDays: 30 } });
    });
    after(() => org.close());

    it('events older than logRetentionDays are omitted before the purge; the purge deletes them and their targets', async () => {
      const type = 'test.retention';
      const t0 = org.clock.now();
      // Written while still inside the 30 days (so the purge the server runs at start cannot
      // take them); 10 days later two of them are past it.
      const ages = [25, 21, 19, 0]; // days before t0
      const events: LogEvent[] = [];
      for (const [i, age] of ages.entries()) {
        events.push(await writeAt(org, t0 - age * DAY, { eventType: type, target: [target(`00uRetention${i}a`), target(`00uRetention${i}b`)] }));
      }
      const [, , young, fresh] = events;
      assert.ok(young && fresh);
      org.clock.advance(10 * DAY);
      const now = org.clock.now();
      const filter = byType(type);

      const expectVisible = async () => {
        assert.deepEqual(uuids(page(await getLogs(org, { filter, since: iso(now - 60 * DAY) }))), [young.uuid, fresh.uuid], 'polling');
        assert.deepEqual(uuids(page(await getLogs(org, { filter, since: iso(now - 60 * DAY), until: iso(now) }))), [young.uuid, fresh.uuid], 'bounded');
        assert.deepEqual(uuids(page(await getLogs(org, { filter, sortOrder: 'DESCENDING', since: iso(now - 60 * DAY) }))), [fresh.uuid, young.uuid], 'descending');
        assert.deepEqual(uuids(page(await getLogs(org, { q: '00uretention0a', since: iso(now - 60 * DAY) }))), [], 'q');
      };
      await expectVisible();
      const eventRows = `select count(*) as n from system_log where event_type = '${type}'`;
      const targetRows = `select count(*) as n from system_log_targets where target_id like '00uRetention%'`;
      assert.equal(await countRows(org.target, eventRows), 4, 'not purged yet');
      assert.equal(await countRows(org.target, targetRows), 8);

      assert.equal(await org.services.logs.purgeExpired(), 2);
      assert.equal(await countRows(org.target, eventRows), 2);
      assert.equal(await countRows(org.target, targetRows), 4);
      assert.equal(await countRows(org.target, `select count(*) as n from system_log_targets where target_id in ('00uRetention0a', '00uRetention0b', '00uRetention1a', '00uRetention1b')`), 0);
      assert.equal(await countRows(org.target, 'select count(*) as n from system_log_targets t where not exists (select 1 from system_log e where e.seq = t.seq)'), 0, 'no orphan targets');
      await expectVisible();
      assert.equal(await org.services.logs.purgeExpired(), 0, 'nothing left to purge');
    });
  });
}
