import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { systemContext } from '../src/domain/org/bootstrap.ts';
import { randomIds } from '../src/domain/shared/ids.ts';
import { assertOktaError } from './helpers/assertions.ts';
import { backends } from './helpers/backends.ts';
import { startOrg } from './helpers/app.ts';
import type { TestOrg } from './helpers/app.ts';

const MINUTE = 60_000;

interface LegacyEvent {
  eventId: string;
  requestId: string;
  published: string;
  action: { message: string; categories: string[]; objectType: string; requestUri?: string };
  actors: { id: string; displayName: string; login?: string; ipAddress?: string; objectType: string }[];
  targets: { id: string; displayName: string; login?: string; objectType: string }[];
}

function nextLink(link: string | string[] | undefined): string | undefined {
  const links = Array.isArray(link) ? link : link ? [link] : [];
  const next = links.find((l) => l.endsWith('rel="next"'));
  if (!next) return undefined;
  const url = new URL(next.slice(1, next.indexOf('>')));
  return url.pathname + url.search;
}

for (const backend of backends()) {
  describe(`legacy Events API (${backend.name})`, () => {
    let org: TestOrg;
    const record = (eventType: string, targetId: string, legacyEventType?: string) =>
      org.services.log.record(systemContext(randomIds.requestId()), {
        eventType,
        displayMessage: `did ${eventType}`,
        ...(legacyEventType ? { legacyEventType } : {}),
        target: [{ id: targetId, type: 'Thing', alternateId: `${targetId}@alt`, displayName: `Thing ${targetId}` }],
      });

    before(async () => {
      org = await startOrg(backend);
    });
    after(async () => {
      await org.close();
    });

    it('maps events to the legacy format, in persistence order, with a next link that resumes exactly', async () => {
      // Through the API, so the event has a real client and request URI.
      const policy = (await org.request({ method: 'POST', url: '/api/v1/policies', payload: { type: 'OKTA_SIGN_ON', name: 'Legacy' }, headers: { 'user-agent': 'curl/8.5.0' } })).json();
      const first = await org.request({ method: 'GET', url: '/api/v1/events?filter=' + encodeURIComponent(`target.id eq "${policy.id}"`) });
      assert.equal(first.statusCode, 200, first.body);
      const events = first.json() as LegacyEvent[];
      assert.equal(events.length, 1);
      const [event] = events;
      assert.match(event!.eventId, /^tev[0-9a-f]{32}$/);
      assert.equal(event!.action.objectType, 'policy.lifecycle.create');
      assert.equal(event!.action.requestUri, '/api/v1/policies');
      assert.deepEqual(event!.action.categories, []);
      assert.equal(event!.actors[0]!.objectType, 'User');
      assert.deepEqual({ ...event!.actors[1], ipAddress: undefined }, { id: 'curl/8.5.0', displayName: 'UNKNOWN', ipAddress: undefined, objectType: 'Client' });
      assert.equal(event!.targets[0]!.id, policy.id);
      assert.match(event!.requestId, /^req/);

      // Follow `next`: exactly the events written since, then nothing, and `next` stays.
      const url = nextLink(first.headers.link);
      assert.ok(url);
      await record('test.one', 'A');
      await record('test.two', 'B', 'core.legacy.two');
      const page = await org.request({ method: 'GET', url: `${url}` });
      assert.deepEqual((page.json() as LegacyEvent[]).map((e) => e.action.objectType), []);
      // The filter was carried over: only events targeting the policy come back. Paging one at a
      // time through everything since the start of the retention reaches the two new ones last.
      let next: string | undefined = '/api/v1/events?limit=1&filter=' + encodeURIComponent('published gt "2000-01-01T00:00:00.000Z"');
      const seen: string[] = [];
      for (let i = 0; i < 50 && next; i++) {
        const res = await org.request({ method: 'GET', url: next });
        const body = res.json() as LegacyEvent[];
        if (body.length === 0) break;
        seen.push(...body.map((e) => e.action.objectType));
        next = nextLink(res.headers.link);
      }
      assert.deepEqual(seen.slice(-2), ['test.one', 'core.legacy.two'], 'legacyEventType wins as action.objectType');
    });

    it('filters on action.objectType (legacy or System Log type), actors.id, target.objectType and published', async () => {
      org.clock.advance(10 * MINUTE);
      const t0 = org.clock.now();
      await record('test.filter.a', 'F1', 'core.filter.a');
      org.clock.advance(MINUTE);
      await record('test.filter.b', 'F2');
      const list = async (filter: string) => {
        const res = await org.request({ method: 'GET', url: '/api/v1/events?filter=' + encodeURIComponent(filter) });
        assert.equal(res.statusCode, 200, res.body);
        return (res.json() as LegacyEvent[]).map((e) => e.targets[0]?.id);
      };
      assert.deepEqual(await list('action.objectType eq "core.filter.a"'), ['F1']);
      assert.deepEqual(await list('action.objectType eq "test.filter.b"'), ['F2']);
      assert.deepEqual(await list('action.objectType eq "test.filter.a"'), [], 'the legacy type replaces the System Log type');
      const since = new Date(t0).toISOString();
      assert.deepEqual(await list(`published ge "${since}" and actors.id eq "system"`), ['F1', 'F2']);
      assert.deepEqual(await list(`published gt "${since}"`), ['F2']);
      assert.deepEqual(await list(`published ge "${since}" and published lt "${new Date(t0 + MINUTE).toISOString()}"`), ['F1']);
      assert.deepEqual(await list(`published ge "${since}" and (target.id eq "F2" or target.id eq "F1")`), ['F1', 'F2']);
      assert.deepEqual(await list(`published ge "${since}" and target.objectType eq "Thing" and not (target.id eq "F1")`), ['F2']);
    });

    it('defaults to the last hour; startDate moves the start', async () => {
      org.clock.advance(2 * 60 * MINUTE);
      await record('test.recent', 'R1');
      const recent = (await org.request({ method: 'GET', url: '/api/v1/events' })).json() as LegacyEvent[];
      assert.deepEqual(recent.map((e) => e.targets[0]?.id), ['R1']);
      const since = new Date(org.clock.now() - 3 * 60 * MINUTE).toISOString();
      const wider = (await org.request({ method: 'GET', url: `/api/v1/events?startDate=${since}` })).json() as LegacyEvent[];
      assert.ok(wider.length > 1);
    });

    it('refuses bad parameters with Okta errors and changes nothing', async () => {
      assertOktaError(await org.request({ method: 'GET', url: '/api/v1/events?startDate=2026-11-01T00:00:00Z&filter=' + encodeURIComponent('target.id eq "x"') }), 400, 'E0000001');
      assertOktaError(await org.request({ method: 'GET', url: '/api/v1/events?startDate=2026-11-01T00:00:00Z&after=5' }), 400, 'E0000001');
      assertOktaError(await org.request({ method: 'GET', url: '/api/v1/events?startDate=yesterday' }), 400, 'E0000001');
      assertOktaError(await org.request({ method: 'GET', url: '/api/v1/events?limit=lots' }), 400, 'E0000001');
      assertOktaError(await org.request({ method: 'GET', url: '/api/v1/events?after=abc' }), 400, 'E0000029');
      for (const filter of ['eventType eq "x"', 'target.id co "x"', 'published eq "2026-01-01T00:00:00Z"', 'target.id eq 5', 'actors[id eq "x"]', '(((', 'target.id eq "a" or published gt "2026-01-01T00:00:00Z"']) {
        const body = assertOktaError(await org.request({ method: 'GET', url: '/api/v1/events?filter=' + encodeURIComponent(filter) }), 400, 'E0000053');
        assert.match(body.errorSummary, /^Invalid SCIM filter\. /, filter);
        assert.match(body.errorCauses[0]!.errorSummary, /^filter: /);
      }
    });

    it('needs a role that may read the System Log', async () => {
      const reporter = await org.userWithToken('reporter@example.com', ['REPORT_ADMIN']);
      const helpDesk = await org.userWithToken('helpdesk@example.com', ['HELP_DESK_ADMIN']);
      assert.equal((await org.request({ method: 'GET', url: '/api/v1/events', token: reporter.token })).statusCode, 200);
      assertOktaError(await org.request({ method: 'GET', url: '/api/v1/events', token: helpDesk.token }), 403, 'E0000006');
    });
  });
}
