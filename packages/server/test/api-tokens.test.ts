import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backends } from './helpers/backends.ts';
import { ADMIN_TOKEN, ORG_URL, startOrg } from './helpers/app.ts';
import type { TestOrg } from './helpers/app.ts';
import { assertOktaError, linkOf, links } from './helpers/assertions.ts';

const DAY = 24 * 60 * 60 * 1000;

for (const backend of backends()) {
  describe(`API tokens and SSWS authentication (${backend.name})`, () => {
    let org: TestOrg;
    let adminTokenId: string;
    let adminUserId: string;

    before(async () => {
      org = await startOrg(backend);
      const [bootstrap] = (await org.request({ method: 'GET', url: '/api/v1/api-tokens' })).json();
      adminTokenId = bootstrap.id;
      adminUserId = bootstrap.userId;
    });
    after(() => org.close());

    describe('authentication', () => {
      it('missing Authorization header: 403 E0000005 Invalid session', async () => {
        assertOktaError(await org.request({ method: 'GET', url: '/api/v1/api-tokens', token: null }), 403, 'E0000005', 'Invalid session');
        assertOktaError(await org.request({ method: 'GET', url: '/api/v1/api-tokens', headers: { authorization: '  ' } }), 403, 'E0000005');
      });

      it('wrong token, other scheme or malformed header: 401 E0000011 Invalid token provided', async () => {
        for (const authorization of ['SSWS 00wrongwrongwrongwrongwrongwrongwrongwrong', `Bearer ${ADMIN_TOKEN}`, 'SSWS', `SSWS ${ADMIN_TOKEN} extra`, ADMIN_TOKEN]) {
          assertOktaError(await org.request({ method: 'GET', url: '/api/v1/api-tokens', headers: { authorization } }), 401, 'E0000011', 'Invalid token provided');
        }
      });

      it('accepts the scheme case-insensitively', async () => {
        const res = await org.request({ method: 'GET', url: '/api/v1/api-tokens', headers: { authorization: `ssws ${ADMIN_TOKEN}` } });
        assert.equal(res.statusCode, 200);
      });

      it('checks authentication before the body: an unauthenticated malformed request is 401, not 400', async () => {
        const res = await org.request({ method: 'PUT', url: `/api/v1/api-tokens/${adminTokenId}`, token: '00bad', headers: { 'content-type': 'application/json' }, payload: '{' });
        assertOktaError(res, 401, 'E0000011');
      });

      it('expires a token after 30 days without use, and each use extends it', async () => {
        const user = await org.userWithToken('expiry@example.com', ['READ_ONLY_ADMIN']);
        org.clock.advance(29 * DAY);
        const used = await org.request({ method: 'GET', url: `/api/v1/api-tokens/${user.tokenId}`, token: user.token });
        assert.equal(used.statusCode, 200);
        assert.equal(used.json().expiresAt, new Date(org.clock.now() + 30 * DAY).toISOString());
        org.clock.advance(29 * DAY);
        assert.equal((await org.request({ method: 'GET', url: '/api/v1/api-tokens', token: user.token })).statusCode, 200, 'still valid 58 days after creation');
        org.clock.advance(30 * DAY);
        assertOktaError(await org.request({ method: 'GET', url: '/api/v1/api-tokens', token: user.token }), 401, 'E0000011');
        // keep the admin token alive for the other tests
        await org.services.store.touchApiToken(adminTokenId, org.clock.now(), org.clock.now() + 30 * DAY, org.clock.now());
      });
    });

    describe('reads', () => {
      it('lists the bootstrap token’s metadata, never its value or hash', async () => {
        const res = await org.request({ method: 'GET', url: '/api/v1/api-tokens' });
        assert.equal(res.statusCode, 200);
        assert.ok(!res.body.includes(ADMIN_TOKEN));
        const token = res.json().find((t: { id: string }) => t.id === adminTokenId);
        assert.deepEqual(Object.keys(token), ['name', 'userId', 'tokenWindow', 'network', 'id', 'clientName', 'expiresAt', 'created', 'lastUpdated', '_links']);
        assert.equal(token.name, 'Bootstrap admin token');
        assert.equal(token.tokenWindow, 'P30D');
        assert.equal(token.clientName, 'Okta API');
        assert.deepEqual(token.network, { connection: 'ANYWHERE' });
        assert.match(token.id, /^00T[A-Za-z0-9]{17}$/);
        assert.deepEqual(token._links, {
          self: { href: `${ORG_URL}/api/v1/api-tokens/${adminTokenId}`, hints: { allow: ['GET', 'DELETE'] } },
          user: { href: `${ORG_URL}/api/v1/users/${adminUserId}`, hints: { allow: ['GET'] } },
        });
      });

      it('gets one token by id, and 404 E0000007 for an unknown id', async () => {
        const res = await org.request({ method: 'GET', url: `/api/v1/api-tokens/${adminTokenId}` });
        assert.equal(res.statusCode, 200);
        assert.equal(res.json().id, adminTokenId);
        assertOktaError(await org.request({ method: 'GET', url: '/api/v1/api-tokens/00Tnope' }), 404, 'E0000007', 'Not found: Resource not found: 00Tnope (ApiToken)');
      });

      it('paginates with limit, absolute Link headers, and next only while more exist', async () => {
        for (let i = 0; i < 4; i++) {
          await org.userWithToken(`pager${i}@example.com`, ['ORG_ADMIN']);
          org.clock.advance(1000);
        }
        const all = (await org.request({ method: 'GET', url: '/api/v1/api-tokens?limit=200' })).json().map((t: { id: string }) => t.id);
        assert.ok(all.length >= 5);

        const seen: string[] = [];
        let url: string | undefined = '/api/v1/api-tokens?limit=2';
        let pages = 0;
        while (url) {
          const res = await org.request({ method: 'GET', url: url.replace(ORG_URL, '') });
          assert.equal(res.statusCode, 200);
          const self = linkOf(res, 'self');
          assert.equal(self, `${ORG_URL}${url.replace(ORG_URL, '')}`);
          seen.push(...res.json().map((t: { id: string }) => t.id));
          url = linkOf(res, 'next');
          if (url) {
            assert.ok(url.startsWith(`${ORG_URL}/api/v1/api-tokens?`), 'next is absolute');
            assert.equal(links(res).length, 2);
            assert.equal(new URL(url).searchParams.get('limit'), '2');
          } else {
            assert.equal(links(res).length, 1, 'no next on the last page');
          }
          pages++;
        }
        assert.deepEqual(seen, all);
        assert.equal(pages, Math.ceil(all.length / 2));
      });

      it('uses limit=1 pages that end exactly at the last item', async () => {
        const total = (await org.request({ method: 'GET', url: '/api/v1/api-tokens?limit=200' })).json().length;
        let res = await org.request({ method: 'GET', url: '/api/v1/api-tokens?limit=1' });
        let count = 1;
        while (linkOf(res, 'next')) {
          res = await org.request({ method: 'GET', url: linkOf(res, 'next')!.replace(ORG_URL, '') });
          assert.equal(res.json().length, 1);
          count++;
        }
        assert.equal(count, total);
      });

      it('defaults to 20 per page and clamps limit to 200', async () => {
        const many = await org.request({ method: 'GET', url: '/api/v1/api-tokens?limit=5000' });
        assert.equal(many.statusCode, 200);
        assert.ok(many.json().length <= 200);
        assert.equal(linkOf(many, 'next'), undefined);
      });

      it('refuses a bad limit with 400 E0000001 naming limit, and a forged cursor with 400 E0000029', async () => {
        for (const limit of ['0', '-1', 'abc', '1.5']) {
          const body = assertOktaError(await org.request({ method: 'GET', url: `/api/v1/api-tokens?limit=${limit}` }), 400, 'E0000001');
          assert.match(body.errorCauses[0]!.errorSummary, /^limit: /);
        }
        for (const after of ['garbage!', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('["x",1]').toString('base64url')]) {
          assertOktaError(await org.request({ method: 'GET', url: `/api/v1/api-tokens?after=${after}` }), 400, 'E0000029', 'Invalid paging request.');
        }
      });

      it('filters by q on name or clientName, case-insensitively', async () => {
        const res = await org.request({ method: 'GET', url: '/api/v1/api-tokens?q=BOOTSTRAP' });
        assert.deepEqual(res.json().map((t: { id: string }) => t.id), [adminTokenId]);
        const none = await org.request({ method: 'GET', url: '/api/v1/api-tokens?q=zzz-no-match' });
        assert.deepEqual(none.json(), []);
        assert.deepEqual(links(none), [`<${ORG_URL}/api/v1/api-tokens?q=zzz-no-match>; rel="self"`]);
      });
    });

    describe('permissions', () => {
      it('a user without an admin role gets 403 E0000006 on every read and write, but may revoke its own token', async () => {
        const plain = await org.userWithToken('plain@example.com');
        for (const [method, url] of [
          ['GET', '/api/v1/api-tokens'],
          ['GET', `/api/v1/api-tokens/${plain.tokenId}`],
          ['DELETE', `/api/v1/api-tokens/${adminTokenId}`],
        ] as const) {
          assertOktaError(await org.request({ method, url, token: plain.token }), 403, 'E0000006', 'You do not have permission to perform the requested action');
        }
        const put = await org.request({ method: 'PUT', url: `/api/v1/api-tokens/${plain.tokenId}`, token: plain.token, payload: { name: 'x' } });
        assertOktaError(put, 403, 'E0000006');
        assert.equal((await org.request({ method: 'DELETE', url: '/api/v1/api-tokens/current', token: plain.token })).statusCode, 204);
        assertOktaError(await org.request({ method: 'GET', url: '/api/v1/api-tokens', token: plain.token }), 401, 'E0000011');
      });

      it('an admin other than super admin sees and manages only its own tokens', async () => {
        const orgAdmin = await org.userWithToken('orgadmin@example.com', ['ORG_ADMIN']);
        const listed = (await org.request({ method: 'GET', url: '/api/v1/api-tokens?limit=200', token: orgAdmin.token })).json();
        assert.deepEqual(listed.map((t: { id: string }) => t.id), [orgAdmin.tokenId]);
        assertOktaError(await org.request({ method: 'GET', url: `/api/v1/api-tokens/${adminTokenId}`, token: orgAdmin.token }), 404, 'E0000007');
        assertOktaError(await org.request({ method: 'DELETE', url: `/api/v1/api-tokens/${adminTokenId}`, token: orgAdmin.token }), 404, 'E0000007');
        const renamed = await org.request({ method: 'PUT', url: `/api/v1/api-tokens/${orgAdmin.tokenId}`, token: orgAdmin.token, payload: { name: 'mine' } });
        assert.equal(renamed.statusCode, 200);
        assert.equal((await org.request({ method: 'GET', url: `/api/v1/api-tokens/${adminTokenId}` })).statusCode, 200, 'the admin token is untouched');
      });

      it('a super admin sees every token', async () => {
        const other = await org.userWithToken('visible@example.com', ['HELP_DESK_ADMIN']);
        assert.equal((await org.request({ method: 'GET', url: `/api/v1/api-tokens/${other.tokenId}` })).statusCode, 200);
      });

      it('a token stops working when its owner is suspended, at once when this process is told', async () => {
        const user = await org.userWithToken('suspended@example.com', ['SUPER_ADMIN']);
        assert.equal((await org.request({ method: 'GET', url: '/api/v1/api-tokens', token: user.token })).statusCode, 200);
        // No users API yet: suspend through the store, as the Directory issue's lifecycle service
        // will, and tell the token service as that service must.
        await org.services.store.setUserStatus(user.userId, 'SUSPENDED', org.clock.now());
        org.services.apiTokens.forgetUser(user.userId);
        assertOktaError(await org.request({ method: 'GET', url: '/api/v1/api-tokens', token: user.token }), 401, 'E0000011');
      });

      it('a change made by another instance (not through this process) is seen once the auth cache time has passed', async () => {
        const user = await org.userWithToken('elsewhere@example.com', ['SUPER_ADMIN']);
        assert.equal((await org.request({ method: 'GET', url: '/api/v1/api-tokens', token: user.token })).statusCode, 200);
        await org.services.store.setUserStatus(user.userId, 'SUSPENDED', org.clock.now());
        assert.equal((await org.request({ method: 'GET', url: '/api/v1/api-tokens', token: user.token })).statusCode, 200, 'still cached');
        org.clock.advance(org.config.authCacheSeconds * 1000);
        assertOktaError(await org.request({ method: 'GET', url: '/api/v1/api-tokens', token: user.token }), 401, 'E0000011');
      });

      it('a revoked token fails at once even right after it was cached', async () => {
        const user = await org.userWithToken('cached-revoke@example.com', ['SUPER_ADMIN']);
        assert.equal((await org.request({ method: 'GET', url: '/api/v1/api-tokens', token: user.token })).statusCode, 200);
        assert.equal((await org.request({ method: 'DELETE', url: `/api/v1/api-tokens/${user.tokenId}` })).statusCode, 204);
        assertOktaError(await org.request({ method: 'GET', url: '/api/v1/api-tokens', token: user.token }), 401, 'E0000011');
      });
    });

    describe('update (PUT)', () => {
      it('renames a token, ignores echoed read-only fields, and bumps lastUpdated', async () => {
        const target = await org.userWithToken('rename@example.com', ['SUPER_ADMIN']);
        const current = (await org.request({ method: 'GET', url: `/api/v1/api-tokens/${target.tokenId}` })).json();
        org.clock.advance(5000);
        const res = await org.request({ method: 'PUT', url: `/api/v1/api-tokens/${target.tokenId}`, payload: { ...current, name: 'Renamed', created: '2020-01-01T00:00:00Z', clientName: 'Evil' } });
        assert.equal(res.statusCode, 200, res.body);
        const body = res.json();
        assert.equal(body.name, 'Renamed');
        assert.equal(body.clientName, 'Okta API');
        assert.equal(body.created, current.created);
        assert.equal(body.lastUpdated, new Date(org.clock.now()).toISOString());
        const again = await org.request({ method: 'PUT', url: `/api/v1/api-tokens/${target.tokenId}`, payload: { name: 'Renamed' } });
        assert.equal(again.json().lastUpdated, body.lastUpdated, 'an unchanged PUT changes nothing');
      });

      it('answers bad input with 400 E0000001 naming the field, and changes nothing', async () => {
        const target = await org.userWithToken('badput@example.com', ['SUPER_ADMIN']);
        const url = `/api/v1/api-tokens/${target.tokenId}`;
        const cases: [unknown, RegExp][] = [
          [{}, /^name: The field is required$/],
          [{ name: '' }, /^name: /],
          [{ name: 42 }, /^name: /],
          [{ name: 'x'.repeat(256) }, /^name: /],
          [{ name: 'ok', network: { connection: 'SOMEWHERE' } }, /^network\.connection: /],
          [{ name: 'ok', network: { connection: 'ZONE', include: ['nzo1'] } }, /^network\.include\.0: Network zone nzo1 does not exist$/],
          [{ name: 'ok', network: { connection: 'ZONE' } }, /^network\.include: include or exclude is required/],
          [{ name: 'ok', network: { connection: 'ZONE', include: ['ALL_ZONES', 'nzo1'] } }, /^network\.include: ALL_ZONES must be the only zone$/],
          [{ name: 'ok', network: { connection: 'ANYWHERE', include: ['nzo1'] } }, /^network\.include: /],
          [{ name: 'ok', userId: '00uSomeoneElse' }, /^userId: /],
        ];
        for (const [payload, cause] of cases) {
          const body = assertOktaError(await org.request({ method: 'PUT', url, payload: payload as object }), 400, 'E0000001', /^Api validation failed: /);
          assert.ok(body.errorCauses.some((c) => cause.test(c.errorSummary)), `${JSON.stringify(payload)} -> ${JSON.stringify(body.errorCauses)}`);
        }
        assertOktaError(await org.request({ method: 'PUT', url, headers: { 'content-type': 'application/json' }, payload: '' }), 400, 'E0000003');
        assert.equal((await org.request({ method: 'GET', url })).json().name, 'token of badput@example.com');
      });

      it('restricts a token to network zones: include, exclude, ALL_ZONES, inactive zones, and at once after a change', async () => {
        const zone = async (name: string, cidr: string, usage = 'POLICY') => {
          const res = await org.request({ method: 'POST', url: '/api/v1/zones', payload: { type: 'IP', name, usage, gateways: [{ type: 'CIDR', value: cidr }] } });
          assert.equal(res.statusCode, 200, res.body);
          return res.json().id as string;
        };
        const office = await zone('Token office', '10.1.0.0/16');
        const blocked = await zone('Token blocklist', '10.9.0.0/16', 'BLOCKLIST');
        const target = await org.userWithToken('zoned@example.com', ['SUPER_ADMIN']);
        const url = `/api/v1/api-tokens/${target.tokenId}`;
        const setNetwork = (network: object) => org.request({ method: 'PUT', url, payload: { name: 'Zoned', network } });
        const from = (ip: string) => org.request({ method: 'GET', url: '/api/v1/api-tokens', token: target.token, remoteAddress: ip });

        const refused = assertOktaError(await setNetwork({ connection: 'ZONE', include: [blocked] }), 400, 'E0000001');
        assert.match(refused.errorCauses[0]!.errorSummary, /^network\.include\.0: Network zone .* is a blocklist zone/);

        const included = await setNetwork({ connection: 'ZONE', include: [office] });
        assert.equal(included.statusCode, 200, included.body);
        assert.deepEqual(included.json().network, { connection: 'ZONE', include: [office] });
        assert.equal((await from('10.1.2.3')).statusCode, 200);
        assertOktaError(await from('10.2.0.1'), 403, 'E0000006');

        assert.equal((await setNetwork({ connection: 'ZONE', exclude: [office] })).statusCode, 200);
        assertOktaError(await from('10.1.2.3'), 403, 'E0000006');
        assert.equal((await from('10.2.0.1')).statusCode, 200);

        assert.equal((await setNetwork({ connection: 'ZONE', include: ['ALL_ZONES'] })).statusCode, 200);
        assert.equal((await from('10.1.255.255')).statusCode, 200);
        assertOktaError(await from('192.0.2.1'), 403, 'E0000006');

        // A deactivated zone matches nothing: the include no longer admits anyone, from the next request.
        assert.equal((await setNetwork({ connection: 'ZONE', include: [office] })).statusCode, 200);
        assert.equal((await from('10.1.2.3')).statusCode, 200);
        assert.equal((await org.request({ method: 'POST', url: `/api/v1/zones/${office}/lifecycle/deactivate` })).statusCode, 200);
        assertOktaError(await from('10.1.2.3'), 403, 'E0000006');

        assert.equal((await setNetwork({ connection: 'ANYWHERE' })).statusCode, 200);
        assert.equal((await from('192.0.2.1')).statusCode, 200);
      });

      it('404 for an unknown token', async () => {
        assertOktaError(await org.request({ method: 'PUT', url: '/api/v1/api-tokens/00Tmissing', payload: { name: 'x' } }), 404, 'E0000007');
      });
    });

    describe('revoke', () => {
      it('revokes by id: 204, then the token is gone and no longer authenticates', async () => {
        const victim = await org.userWithToken('victim@example.com', ['SUPER_ADMIN']);
        const res = await org.request({ method: 'DELETE', url: `/api/v1/api-tokens/${victim.tokenId}` });
        assert.equal(res.statusCode, 204);
        assertOktaError(await org.request({ method: 'GET', url: `/api/v1/api-tokens/${victim.tokenId}` }), 404, 'E0000007');
        assertOktaError(await org.request({ method: 'DELETE', url: `/api/v1/api-tokens/${victim.tokenId}` }), 404, 'E0000007');
        assertOktaError(await org.request({ method: 'GET', url: '/api/v1/api-tokens', token: victim.token }), 401, 'E0000011');
      });

      it('revokes the current token', async () => {
        const self = await org.userWithToken('self@example.com', ['SUPER_ADMIN']);
        assert.equal((await org.request({ method: 'DELETE', url: '/api/v1/api-tokens/current', token: self.token })).statusCode, 204);
        assertOktaError(await org.request({ method: 'DELETE', url: '/api/v1/api-tokens/current', token: self.token }), 401, 'E0000011');
      });

      it('logs every change in the System Log with actor, request id and target', async () => {
        const victim = await org.userWithToken('logged@example.com', ['SUPER_ADMIN']);
        const put = await org.request({ method: 'PUT', url: `/api/v1/api-tokens/${victim.tokenId}`, payload: { name: 'Logged' }, headers: { 'user-agent': 'test-agent/1.0' } });
        const del = await org.request({ method: 'DELETE', url: `/api/v1/api-tokens/${victim.tokenId}` });
        const events = await org.services.store.listLogEvents({ limit: 1000 });
        const created = events.find((e) => e.eventType === 'system.api_token.create' && e.target[0]?.id === victim.tokenId);
        assert.ok(created);
        assert.equal(created.actor.type, 'SystemPrincipal');
        assert.equal(created.transaction.type, 'JOB');

        const update = events.find((e) => e.eventType === 'system.api_token.update' && e.target[0]?.id === victim.tokenId);
        assert.ok(update);
        assert.equal(update.transaction.id, put.headers['x-okta-request-id']);
        assert.equal(update.debugContext.debugData.requestId, put.headers['x-okta-request-id']);
        assert.equal(update.debugContext.debugData.requestUri, `/api/v1/api-tokens/${victim.tokenId}`);
        assert.equal(update.actor.id, adminUserId);
        assert.equal(update.actor.alternateId, 'admin@tollgate.local');
        assert.equal(update.transaction.detail.requestApiTokenId, adminTokenId);
        assert.equal(update.client.userAgent?.rawUserAgent, 'test-agent/1.0');
        assert.equal(update.target[0]?.type, 'Token');
        assert.equal(update.outcome.result, 'SUCCESS');
        assert.match(update.published, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

        const revoke = events.find((e) => e.eventType === 'system.api_token.revoke' && e.target[0]?.id === victim.tokenId);
        assert.ok(revoke);
        assert.equal(revoke.transaction.id, del.headers['x-okta-request-id']);
      });

      it('concurrent revokes of one token: one 204, the rest 404, one event', async () => {
        const victim = await org.userWithToken('race@example.com', ['SUPER_ADMIN']);
        const results = await Promise.all(Array.from({ length: 5 }, () => org.request({ method: 'DELETE', url: `/api/v1/api-tokens/${victim.tokenId}` })));
        assert.deepEqual(results.map((r) => r.statusCode).sort(), [204, 404, 404, 404, 404]);
        const events = (await org.services.store.listLogEvents({ limit: 1000 })).filter((e) => e.eventType === 'system.api_token.revoke' && e.target[0]?.id === victim.tokenId);
        assert.equal(events.length, 1);
      });
    });
  });
}
