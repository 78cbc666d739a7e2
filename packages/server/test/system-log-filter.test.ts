import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { MAX_FILTER_COMPARISONS, MAX_FILTER_DEPTH, MAX_FILTER_LENGTH, attributeOf, parseLogFilter } from '../src/domain/system-log/filter.ts';
import type { LogFilter } from '../src/domain/system-log/query.ts';
import type { LogEvent } from '../src/domain/system-log/types.ts';
import { InvalidFilterError, InvalidSearchCriteriaError } from '../src/errors/catalog.ts';
import { logEventColumns } from '../src/storage/log-columns.ts';
import { logFilterSql } from '../src/storage/log-filter-sql.ts';
import { openStore } from '../src/storage/open-store.ts';
import { backends } from './helpers/backends.ts';

// ---------------------------------------------------------------------------------------------
// Part 1: the parser.

const cmp = (path: string, op: string, value: string | number | boolean | null): LogFilter =>
  ({ kind: 'compare', path, op, value }) as LogFilter;

/** Asserts a refusal: its class, code, and that summary and cause say `what`. */
function refused(filter: string, what: RegExp, code: 'E0000053' | 'E0000031' = 'E0000053'): void {
  assert.throws(
    () => parseLogFilter(filter),
    (error: unknown) => {
      if (code === 'E0000053') {
        assert.ok(error instanceof InvalidFilterError, `expected InvalidFilterError, got ${String(error)}`);
        assert.match(error.summary, /^Invalid SCIM filter\. /);
        assert.match(error.summary, what);
      } else {
        assert.ok(error instanceof InvalidSearchCriteriaError, `expected InvalidSearchCriteriaError, got ${String(error)}`);
        assert.equal(error.summary, 'Invalid search criteria.');
      }
      assert.equal(error.code, code);
      assert.equal(error.status, 400);
      assert.equal(error.causes.length, 1);
      assert.match(error.causes[0]?.errorSummary ?? '', /^filter: /);
      assert.match(error.causes[0]?.errorSummary ?? '', what);
      return true;
    },
  );
}

describe('System Log filter: parsing', () => {
  it('parses every comparison operator and pr', () => {
    for (const op of ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'sw', 'co', 'ew']) {
      assert.deepEqual(parseLogFilter(`eventType ${op} "x"`), cmp('eventType', op, 'x'));
    }
    assert.deepEqual(parseLogFilter('outcome.reason pr'), { kind: 'present', path: 'outcome.reason' });
  });

  it('takes operators and keywords in any case', () => {
    assert.deepEqual(parseLogFilter('eventType EQ "a" AND severity Ne "b" OR NOT actor.id Pr'), {
      kind: 'or',
      items: [
        { kind: 'and', items: [cmp('eventType', 'eq', 'a'), cmp('severity', 'ne', 'b')] },
        { kind: 'not', item: { kind: 'present', path: 'actor.id' } },
      ],
    });
  });

  it('binds not tighter than and, and and tighter than or', () => {
    const [a, b, c] = [cmp('eventType', 'eq', 'a'), cmp('eventType', 'eq', 'b'), cmp('eventType', 'eq', 'c')];
    assert.deepEqual(parseLogFilter('eventType eq "a" or eventType eq "b" and eventType eq "c"'), {
      kind: 'or',
      items: [a, { kind: 'and', items: [b, c] }],
    });
    assert.deepEqual(parseLogFilter('eventType eq "a" and eventType eq "b" or eventType eq "c"'), {
      kind: 'or',
      items: [{ kind: 'and', items: [a, b] }, c],
    });
    assert.deepEqual(parseLogFilter('not eventType eq "a" and eventType eq "b"'), {
      kind: 'and',
      items: [{ kind: 'not', item: a }, b],
    });
    assert.deepEqual(parseLogFilter('not (eventType eq "a" and eventType eq "b")'), {
      kind: 'not',
      item: { kind: 'and', items: [a, b] },
    });
    assert.deepEqual(parseLogFilter('(eventType eq "a" or eventType eq "b") and eventType eq "c"'), {
      kind: 'and',
      items: [{ kind: 'or', items: [a, b] }, c],
    });
    assert.deepEqual(parseLogFilter('not not eventType eq "a"'), { kind: 'not', item: { kind: 'not', item: a } });
  });

  it('flattens nested and/or of the same kind', () => {
    const [a, b, c] = [cmp('eventType', 'eq', 'a'), cmp('eventType', 'eq', 'b'), cmp('eventType', 'eq', 'c')];
    assert.deepEqual(parseLogFilter('(eventType eq "a" and eventType eq "b") and eventType eq "c"'), { kind: 'and', items: [a, b, c] });
    assert.deepEqual(parseLogFilter('eventType eq "a" or (eventType eq "b" or eventType eq "c")'), { kind: 'or', items: [a, b, c] });
  });

  it('reads values as JSON: escaped quotes and backslashes, unicode escapes, numbers, true/false/null', () => {
    assert.deepEqual(parseLogFilter(String.raw`displayMessage eq "say \"hi\""`), cmp('displayMessage', 'eq', 'say "hi"'));
    assert.deepEqual(parseLogFilter(String.raw`displayMessage eq "C:\\dir\\"`), cmp('displayMessage', 'eq', 'C:\\dir\\'));
    assert.deepEqual(parseLogFilter(String.raw`displayMessage eq "caf\u00e9\n"`), cmp('displayMessage', 'eq', 'café\n'));
    assert.deepEqual(parseLogFilter(`displayMessage eq "it's 100% a_b"`), cmp('displayMessage', 'eq', "it's 100% a_b"));
    assert.deepEqual(parseLogFilter('displayMessage eq ""'), cmp('displayMessage', 'eq', ''));
    assert.deepEqual(parseLogFilter('authenticationContext.authenticationStep ge 2'), cmp('authenticationContext.authenticationStep', 'ge', 2));
    assert.deepEqual(
      parseLogFilter('(client.geographicalContext.geolocation.lat lt -33.5) and client.geographicalContext.geolocation.lon gt 1.5e2'),
      { kind: 'and', items: [cmp('client.geographicalContext.geolocation.lat', 'lt', -33.5), cmp('client.geographicalContext.geolocation.lon', 'gt', 150)] },
    );
    assert.deepEqual(parseLogFilter('securityContext.isProxy eq true'), cmp('securityContext.isProxy', 'eq', true));
    assert.deepEqual(parseLogFilter('securityContext.isProxy ne false'), cmp('securityContext.isProxy', 'ne', false));
    assert.deepEqual(parseLogFilter('transaction.id eq null'), cmp('transaction.id', 'eq', null));
    assert.deepEqual(parseLogFilter('actor ne null'), cmp('actor', 'ne', null));
  });

  it('spells schema attributes as the schema does and keeps free-form keys as written', () => {
    assert.deepEqual(parseLogFilter('EVENTTYPE eq "x"'), cmp('eventType', 'eq', 'x'));
    assert.deepEqual(parseLogFilter('request.IPCHAIN.Ip eq "x"'), cmp('request.ipChain.ip', 'eq', 'x'));
    assert.deepEqual(parseLogFilter('DebugContext.DEBUGDATA.requestId eq "x"'), cmp('debugContext.debugData.requestId', 'eq', 'x'));
    assert.deepEqual(parseLogFilter('debugContext.debugData.RequestId eq "x"'), cmp('debugContext.debugData.RequestId', 'eq', 'x'));
    assert.deepEqual(parseLogFilter('target.detailEntry.a-b:c/d%e pr'), { kind: 'present', path: 'target.detailEntry.a-b:c/d%e' });
  });

  it('accepts paths through arrays, maps and objects', () => {
    for (const path of [
      'target.id',
      'target.detailEntry.policyType',
      'request.ipChain.ip',
      'request.ipChain.geographicalContext.city',
      'request.ipChain.ipDetails.ipServiceCategories.type',
      'securityContext.risk.reasons',
      'securityContext.userBehaviors.result',
      'transaction.detail.requestApiTokenId',
      'actor.detailEntry.anything',
      'authenticationContext.issuer.id',
      'client.userAgent.rawUserAgent',
    ]) {
      assert.deepEqual(parseLogFilter(`${path} eq "x"`), cmp(path, 'eq', 'x'), path);
    }
    for (const path of ['target', 'actor', 'request.ipChain', 'debugContext.debugData', 'client.geographicalContext']) {
      assert.deepEqual(parseLogFilter(`${path} pr`), { kind: 'present', path }, path);
    }
  });

  it('describes attributes for the SQL compiler', () => {
    assert.deepEqual(attributeOf('actor.id'), { path: 'actor.id', type: 'string', segments: [['actor', 'id']] });
    assert.deepEqual(attributeOf('request.ipChain.ip'), { path: 'request.ipChain.ip', type: 'string', segments: [['request', 'ipChain'], ['ip']] });
    assert.deepEqual(attributeOf('securityContext.risk.reasons'), {
      path: 'securityContext.risk.reasons',
      type: 'string',
      segments: [['securityContext', 'risk', 'reasons'], []],
    });
    assert.deepEqual(attributeOf('target'), { path: 'target', type: 'object', segments: [['target'], []] });
    assert.deepEqual(attributeOf('AUTHENTICATIONCONTEXT.authenticationstep'), {
      path: 'authenticationContext.authenticationStep',
      type: 'number',
      segments: [['authenticationContext', 'authenticationStep']],
    });
    assert.equal(attributeOf('published'), undefined);
    assert.equal(attributeOf('nope'), undefined);
    assert.equal(attributeOf("debugContext.debugData.x'y"), undefined);
  });

  describe('refusals', () => {
    it('syntax errors say where and what', () => {
      refused('eventType eq', /at the end of the filter: expected a value/);
      refused('eventType eq user.session.start', /character 14: expected a value \(a "quoted string", a number, true, false or null\) but found 'user\.session\.start'/);
      refused('eventType eq True', /character 14: expected a value .* but found 'True'/);
      refused('eventType is "x"', /character 11: expected an operator \(eq, ne, gt, ge, lt, le, sw, co, ew, pr\) after 'eventType' but found 'is'/);
      refused('(eventType eq "x"', /expected '\)' but found the end of the filter/);
      refused('eventType eq "x")', /character 17: expected 'and', 'or' or the end of the filter but found '\)'/);
      refused('eventType eq "x" severity eq "y"', /character 18: expected 'and', 'or' or the end of the filter but found 'severity'/);
      refused('eventType eq "x" and', /the filter ends too early/);
      refused('eventType eq "unclosed', /character 14: the string is not closed/);
      refused(String.raw`eventType eq "bad \x escape"`, /character 14: .* is not a valid JSON string/);
      refused('eventType eq "x" & severity eq "y"', /character 18: unexpected character '&'/);
      refused('', /the filter ends too early/);
    });

    it('refuses the [ ] value filter', () => {
      refused('target[type eq "User"]', /The \[ \] value filter operator isn't supported/);
      refused('eventType eq "x" and target[type eq "User" and id eq "y"].displayName pr', /\[ \] value filter/);
    });

    it('refuses published anywhere, and says to use since/until', () => {
      refused('published gt "2024-01-01T00:00:00.000Z"', /published isn't allowed in filter; use the since and until parameters/);
      refused('eventType eq "x" and not (PUBLISHED pr)', /published isn't allowed in filter/);
    });

    it('refuses unknown attributes', () => {
      refused('foo eq "x"', /Unknown attribute 'foo'/);
      refused('actor.foo eq "x"', /Unknown attribute 'actor\.foo'/);
      refused('eventType.x eq "x"', /Unknown attribute 'eventType\.x'/);
      refused('debugContext.debugData.a.b eq "x"', /Unknown attribute 'debugContext\.debugData\.a\.b'/);
      refused('target.changeDetails.from.name eq "x"', /target\.changeDetails can't be used in filter/);
    });

    it('refuses comparing an object attribute', () => {
      refused('actor eq "x"', /actor is an object; compare one of its attributes \(actor\.id, actor\.type/);
      refused('target eq "x"', /target is an object; compare one of its attributes \(target\.id,/);
      refused('debugContext.debugData co "x"', /debugContext\.debugData is an object/);
      refused('request.ipChain gt 1', /request\.ipChain is an object/);
    });

    it('refuses a value of the wrong type', () => {
      refused('authenticationContext.authenticationStep eq "a"', /authenticationContext\.authenticationStep is a number attribute and cannot be compared with the string "a"/);
      refused('securityContext.isProxy eq "true"', /securityContext\.isProxy is a boolean attribute and cannot be compared with the string "true"/);
      refused('eventType eq 5', /eventType is a string attribute and cannot be compared with the number 5/);
      refused('eventType eq true', /eventType is a string attribute and cannot be compared with the boolean true/);
      refused('debugContext.debugData.count eq 5', /debugContext\.debugData\.count is a string attribute/);
      refused('eventType gt null', /null can only be compared with eq or ne/);
      refused('eventType sw null', /null can only be compared with eq or ne/);
      refused('authenticationContext.authenticationStep sw 1', /sw works on string attributes only; authenticationContext\.authenticationStep is a number attribute/);
      refused('securityContext.isProxy co true', /co works on string attributes only/);
    });

    it('refuses ordering booleans', () => {
      for (const op of ['gt', 'ge', 'lt', 'le']) {
        refused(`securityContext.isProxy ${op} true`, new RegExp(`${op} cannot compare the boolean attribute securityContext\\.isProxy; use eq or ne`));
      }
    });

    it('answers E0000031 for co on the request URL attributes, as Okta does', () => {
      refused('debugContext.debugData.requestUri co "/api"', /co operator is not supported on debugContext\.debugData\.requestUri/, 'E0000031');
      refused('debugContext.debugData.url co "/api"', /debugContext\.debugData\.url/, 'E0000031');
      refused('eventType eq "x" and not (debugContext.debugData.URL co "/api")', /debugContext\.debugData\.URL/, 'E0000031');
      assert.deepEqual(parseLogFilter('debugContext.debugData.requestUri sw "/api"'), cmp('debugContext.debugData.requestUri', 'sw', '/api'));
    });

    it('limits length, nesting and the number of comparisons', () => {
      const long = `displayMessage eq "${'x'.repeat(MAX_FILTER_LENGTH - 20)}"`;
      assert.equal(long.length, MAX_FILTER_LENGTH);
      assert.equal(parseLogFilter(long).kind, 'compare');
      refused(`${long} `, /longer than 4000 characters/);

      const parens = (n: number) => `${'('.repeat(n)}eventType pr${')'.repeat(n)}`;
      assert.equal(parseLogFilter(parens(MAX_FILTER_DEPTH)).kind, 'present');
      refused(parens(MAX_FILTER_DEPTH + 1), /nests parentheses deeper than 20 levels/);
      refused(`${'('.repeat(2000)}eventType pr`, /nests parentheses deeper than 20 levels/);

      const nots = (n: number) => `${'not '.repeat(n)}eventType pr`;
      assert.equal(parseLogFilter(nots(MAX_FILTER_DEPTH)).kind, 'not');
      refused(nots(MAX_FILTER_DEPTH + 1), /nests deeper than 20 levels/);
      refused(nots(900), /nests deeper than 20 levels/);

      const comparisons = (n: number) => Array.from({ length: n }, (_, i) => `eventType eq "${i}"`).join(' or ');
      const ok = parseLogFilter(comparisons(MAX_FILTER_COMPARISONS));
      assert.equal(ok.kind === 'or' ? ok.items.length : 0, MAX_FILTER_COMPARISONS);
      refused(comparisons(MAX_FILTER_COMPARISONS + 1), /more than 100 comparisons/);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Part 2: the SQL, on real databases. Fixture events A..I; each case lists the events it matches.

const base = (name: string, eventType: string, severity: string, displayMessage: string, actorId: string) => ({
  uuid: `uuid-${name}`,
  published: new Date(Date.UTC(2026, 0, 1) + name.charCodeAt(0) * 1000).toISOString(),
  eventType,
  version: '0',
  severity,
  displayMessage,
  actor: { id: actorId, type: 'User', alternateId: `${actorId}@example.com`, displayName: actorId },
});

/** Fixture events, deliberately including absent fields, JSON nulls and values of the wrong type. */
const EVENTS: Record<string, unknown> = {
  A: {
    ...base('A', 'user.session.start', 'INFO', 'User login to Okta', '00uA'),
    outcome: { result: 'SUCCESS' },
    target: [],
    transaction: { type: 'WEB', id: 'txA', detail: { requestApiTokenId: '00Ttoken1' } },
    debugContext: { debugData: { requestUri: '/api/v1/authn', requestId: 'reqA' } },
    authenticationContext: { authenticationStep: 0, externalSessionId: 'sessA' },
    securityContext: { isProxy: false, asNumber: 15169, isp: 'google' },
    request: { ipChain: [{ ip: '10.0.0.1', version: 'V4' }] },
    client: {
      ipAddress: '10.0.0.1',
      userAgent: { rawUserAgent: 'curl/8', os: 'Unknown', browser: 'UNKNOWN' },
      geographicalContext: { city: 'San Francisco', geolocation: { lat: 37.77, lon: -122.42 } },
    },
  },
  B: {
    ...base('B', 'user.session.start', 'WARN', 'User login to Okta failed: 100% wrong', '00uB'),
    outcome: { result: 'FAILURE', reason: 'INVALID_CREDENTIALS' },
    target: [{ id: '00uB', type: 'User', alternateId: 'bob@example.com', displayName: 'Bob' }],
    transaction: { type: 'WEB', id: 'txB', detail: {} },
    debugContext: { debugData: { requestUri: '/api/v1/authn?x=1', threatSuspected: 'false' } },
    authenticationContext: { authenticationStep: 1 },
    securityContext: { isProxy: true, asNumber: 64512 },
    request: {
      ipChain: [
        { ip: '203.0.113.5', version: 'V4', source: 'proxy', ipDetails: { ipServiceCategories: [{ type: 'VPN', isAnonymous: true }] } },
        { ip: '10.0.0.2', version: 'V4' },
      ],
    },
    client: { geographicalContext: { city: 'Sydney', geolocation: { lat: -33.87, lon: 151.21 } } },
  },
  C: {
    ...base('C', 'policy.lifecycle.create', 'INFO', 'Create policy 50%_off', '00uA'),
    outcome: { result: 'SUCCESS' },
    target: [
      { id: '00prule', type: 'PolicyRule', alternateId: 'unknown', displayName: 'Rule 1', detailEntry: { policyType: 'OKTA_SIGN_ON' } },
      { id: '00pol', type: 'Policy', alternateId: 'unknown', displayName: 'Policy 1' },
    ],
    transaction: { type: 'WEB', id: 'txC', detail: { requestApiTokenId: '00Ttoken2' } },
    debugContext: { debugData: { requestUri: '/api/v1/policies', url: '/api/v1/policies?activate=true' } },
    authenticationContext: { authenticationStep: 2 },
    securityContext: {},
    request: { ipChain: [] },
    client: {},
  },
  // Differs from A and C only in case.
  D: {
    ...base('D', 'User.Session.Start', 'INFO', 'user LOGIN to okta', '00ua'),
    outcome: { result: 'SUCCESS' },
    target: [{ id: '00PoL', type: 'policy', alternateId: 'unknown', displayName: 'policy' }],
    transaction: { type: 'JOB', id: 'TXA', detail: {} },
    debugContext: { debugData: { requestUri: '/API/V1/AUTHN' } },
    authenticationContext: { authenticationStep: 9 },
    securityContext: { isProxy: false },
    request: { ipChain: [{ ip: '10.0.0.10', version: 'V4' }] },
  },
  // Characters that LIKE and SQL quoting treat specially.
  E: {
    ...base('E', 'app.special', 'INFO', 'It\'s a "quoted" back\\slash', "o'brien"),
    actor: { id: "o'brien", type: 'User', alternateId: 'a%b_c', displayName: 'x_y' },
    outcome: { result: 'SUCCESS' },
    target: [{ id: 't%1', type: 'Thing_1', alternateId: 'unknown', displayName: 'T' }],
    transaction: { type: 'WEB', id: 'tx\\E', detail: {} },
    debugContext: { debugData: { requestUri: '/api/v1/users?q=%25_', note: '50%', 'a-b:c/d%e': 'odd' } },
    authenticationContext: { authenticationStep: 0 },
    securityContext: { isProxy: false },
    request: { ipChain: [] },
  },
  // Almost everything absent.
  F: {
    ...base('F', 'system.job.run', 'DEBUG', 'Job ran', '0oaJob'),
    outcome: { result: 'SKIPPED' },
  },
  // JSON nulls.
  G: {
    ...base('G', 'user.session.end', 'INFO', '', '00uG'),
    outcome: { result: 'SUCCESS', reason: null },
    target: [{ id: '00uG', type: 'User', alternateId: 'g@example.com', displayName: 'G', detailEntry: null }],
    transaction: { type: 'WEB', id: 'txG', detail: { requestApiTokenId: null } },
    debugContext: { debugData: { requestUri: null } },
    authenticationContext: { authenticationStep: null, externalSessionId: null },
    securityContext: { isProxy: null, asNumber: null },
    request: { ipChain: null },
    client: { zone: null },
  },
  // Numbers where order differs from string order; non-string values in a free-form map.
  H: {
    ...base('H', 'user.mfa.factor.verify', 'ERROR', 'Verify 10', '00uH'),
    outcome: { result: 'DENY' },
    target: [],
    transaction: { type: 'WEB', id: 'txH', detail: {} },
    debugContext: { debugData: { requestUri: '/api/v1/users/00uH/factors', count: 5, flag: true } },
    authenticationContext: { authenticationStep: 10 },
    securityContext: { isProxy: true, asNumber: 5, risk: { level: 'HIGH', reasons: ['New Device', 'New IP'] } },
    request: { ipChain: [{ ip: '2001:db8::1', version: 'V6' }] },
    client: { geographicalContext: { geolocation: { lat: 0, lon: 0 } } },
  },
  // Values of the wrong JSON type, and an object where an array belongs.
  I: {
    ...base('I', 'weird.types', 'INFO', 'Weird', '00uI'),
    outcome: { result: 'SUCCESS' },
    target: [{ id: '00uI', type: 'User', alternateId: 'i@example.com', displayName: 'I' }],
    transaction: { type: 'WEB', id: 'txI', detail: {} },
    debugContext: { debugData: { requestUri: 5 } },
    authenticationContext: { authenticationStep: '3' },
    securityContext: { isProxy: 'true', asNumber: '5' },
    request: { ipChain: { ip: '10.0.0.1' } },
  },
};

const ALL = Object.keys(EVENTS).join('');
const except = (names: string) => [...ALL].filter((n) => !names.includes(n)).join('');

/** [filter, the events it matches]. */
const CASES: [string, string][] = [
  // Indexed columns; case sensitivity; code point order.
  ['eventType eq "user.session.start"', 'AB'],
  ['eventType eq "User.Session.Start"', 'D'],
  ['eventType ne "user.session.start"', except('AB')],
  ['eventType sw "user."', 'ABGH'],
  ['eventType sw "User."', 'D'],
  ['eventType co "session"', 'ABG'],
  ['eventType ew ".start"', 'AB'],
  ['eventType gt "user.session.end"', 'ABI'],
  ['eventType ge "user.session.end"', 'ABGI'],
  ['eventType lt "a"', 'D'],
  ['eventType le "app.special"', 'DE'],
  ['eventType pr', ALL],
  ['eventType eq null', ''],
  ['uuid eq "uuid-E"', 'E'],
  ['severity eq "WARN" or severity eq "ERROR"', 'BH'],
  ['actor.id eq "00uA"', 'AC'],
  ['ACTOR.ID eq "00uA"', 'AC'],
  ['actor.id eq "o\'brien"', 'E'],
  ['outcome.result ne "SUCCESS"', 'BFH'],
  ['outcome.reason pr', 'B'],
  ['outcome.reason eq null', except('B')],
  // A nullable column.
  ['transaction.id eq "txA"', 'A'],
  ['transaction.id ne "txA"', except('A')],
  ['not (transaction.id eq "txA")', except('A')],
  ['not (transaction.id gt "txA")', 'ADF'],
  ['transaction.id pr', except('F')],
  ['transaction.id eq null', 'F'],
  ['transaction.id ne null', except('F')],
  [String.raw`transaction.id eq "tx\\E"`, 'E'],
  ['transaction.id gt "txB"', 'CEGHI'],
  ['transaction.id lt "txB"', 'AD'],
  ['transaction.type eq "JOB"', 'D'],
  ['transaction.detail.requestApiTokenId eq "00Ttoken1"', 'A'],
  ['transaction.detail.requestApiTokenId sw "00T"', 'AC'],
  ['transaction.detail.requestApiTokenId pr', 'AC'],
  ['transaction.detail.requestApiTokenId ne "00Ttoken1"', except('A')],
  // target[].id through system_log_targets.
  ['target.id eq "00pol"', 'C'],
  ['target.id eq "00prule" and target.id eq "00pol"', 'C'],
  ['target.id ne "00pol"', except('C')],
  ['target.id pr', 'BCDEGI'],
  ['target.id eq null', 'AFH'],
  ['target.id sw "00p"', 'C'],
  ['target.id co "%"', 'E'],
  ['target.id ew "ol"', 'C'],
  ['target.id gt "00uA"', 'BEGI'],
  // Other array paths: any element.
  ['target.type eq "User"', 'BGI'],
  ['target.type eq "Policy"', 'C'],
  ['target.type ne "Policy"', except('C')],
  ['target.type sw "Policy" and target.id eq "00prule"', 'C'],
  ['not (target.type eq "User")', except('BGI')],
  ['target.type co "_"', 'E'],
  ['target pr', 'BCDEGI'],
  ['target eq null', 'AFH'],
  ['target.detailEntry.policyType eq "OKTA_SIGN_ON"', 'C'],
  ['target.detailEntry pr', 'C'],
  ['request.ipChain.ip sw "10."', 'ABD'],
  ['request.ipChain.ip eq "10.0.0.1"', 'A'],
  ['request.ipChain.ip eq "203.0.113.5" and request.ipChain.ip eq "10.0.0.2"', 'B'],
  ['request.ipChain.ip ne "10.0.0.1"', except('A')],
  ['request.ipChain.version eq "V6"', 'H'],
  ['request.ipChain pr', 'ABDH'],
  ['request.ipChain.source pr', 'B'],
  ['request.ipChain.ipDetails.ipServiceCategories.type eq "VPN"', 'B'],
  ['request.ipChain.ipDetails.ipServiceCategories.isAnonymous eq true', 'B'],
  ['securityContext.risk.reasons eq "New IP"', 'H'],
  ['securityContext.risk.reasons co "Device"', 'H'],
  ['securityContext.risk.reasons pr', 'H'],
  // Free-form maps in the body.
  ['debugContext.debugData.requestUri sw "/api/v1/authn"', 'AB'],
  ['debugContext.debugData.requestUri eq "/api/v1/authn"', 'A'],
  ['debugContext.debugData.requestUri ne "/api/v1/authn"', except('A')],
  ['not (debugContext.debugData.requestUri sw "/api/v1/")', 'DFGI'],
  ['DEBUGCONTEXT.debugdata.requestUri eq "/api/v1/authn"', 'A'],
  ['debugContext.debugData.REQUESTURI pr', ''],
  ['debugContext.debugData.requestUri ew "%25_"', 'E'],
  ['debugContext.debugData.requestUri pr', 'ABCDEHI'],
  ['debugContext.debugData.requestUri eq null', 'FG'],
  ['debugContext.debugData.requestUri gt "/api/v1/u"', 'EH'],
  ['debugContext.debugData.count eq "5"', ''],
  ['debugContext.debugData.count pr', 'H'],
  ['debugContext.debugData.note co "%"', 'E'],
  ['debugContext.debugData.url sw "/api/v1/policies?"', 'C'],
  ['debugContext.debugData.a-b:c/d%e eq "odd"', 'E'],
  // Numbers.
  ['authenticationContext.authenticationStep gt 2', 'DH'],
  ['authenticationContext.authenticationStep ge 2', 'CDH'],
  ['authenticationContext.authenticationStep lt 1', 'AE'],
  ['authenticationContext.authenticationStep le 1', 'ABE'],
  ['authenticationContext.authenticationStep eq 0', 'AE'],
  ['authenticationContext.authenticationStep ne 0', 'BCDFGHI'],
  ['authenticationContext.authenticationStep eq 3', ''],
  ['authenticationContext.authenticationStep gt 9.5', 'H'],
  ['authenticationContext.authenticationStep gt -1', 'ABCDEH'],
  ['authenticationContext.authenticationStep pr', 'ABCDEHI'],
  ['securityContext.asNumber lt 100', 'H'],
  ['securityContext.asNumber eq 5', 'H'],
  ['client.geographicalContext.geolocation.lat lt -30 or client.geographicalContext.geolocation.lat gt 37', 'AB'],
  ['(client.geographicalContext.geolocation.lat lt 0)', 'B'],
  ['not (client.geographicalContext.geolocation.lat lt 0)', except('B')],
  ['client.geographicalContext.geolocation.lat ge 0', 'AH'],
  // Booleans.
  ['securityContext.isProxy eq true', 'BH'],
  ['securityContext.isProxy eq false', 'ADE'],
  ['securityContext.isProxy ne true', 'ACDEFGI'],
  ['securityContext.isProxy pr', 'ABDEHI'],
  ['securityContext.isProxy eq null', 'CFG'],
  ['client.zone pr', ''],
  ['client.userAgent pr', 'A'],
  // Case-sensitive text; %, _, ', ", \ are plain characters.
  ['displayMessage co "login"', 'AB'],
  ['displayMessage co "LOGIN"', 'D'],
  ['displayMessage sw "User"', 'AB'],
  ['displayMessage co "%"', 'BC'],
  ['displayMessage co "%_"', 'C'],
  ['displayMessage co "_"', 'C'],
  ['displayMessage ew "% wrong"', 'B'],
  ['displayMessage co "It\'s"', 'E'],
  [String.raw`displayMessage co "\"quoted\""`, 'E'],
  [String.raw`displayMessage co "\\"`, 'E'],
  [String.raw`displayMessage ew "back\\slash"`, 'E'],
  ['displayMessage eq ""', 'G'],
  ['displayMessage pr', ALL],
  ['displayMessage sw ""', ALL],
  ['displayMessage ew ""', ALL],
  ['displayMessage ew "Verify 10 and more"', ''],
  ['actor.alternateId eq "a%b_c"', 'E'],
  ['actor.alternateId sw "a%"', 'E'],
  ['actor.displayName co "_"', 'E'],
  ['displayMessage eq "\'; drop table system_log; --"', ''],
  // Precedence.
  ['eventType eq "policy.lifecycle.create" or eventType eq "user.session.start" and severity eq "WARN"', 'BC'],
  ['(eventType eq "policy.lifecycle.create" or eventType eq "user.session.start") and severity eq "WARN"', 'B'],
  ['not eventType eq "user.session.start" and severity eq "INFO"', 'CDEGI'],
  ['not (eventType eq "user.session.start" and severity eq "INFO")', except('A')],
  ['severity eq "INFO" and not (target pr) or eventType eq "system.job.run"', 'AF'],
  ['NOT (eventType SW "user." OR eventType EQ "app.special")', 'CDFI'],
  ['not not eventType eq "app.special"', 'E'],
];

interface Fixture {
  db: Kysely<unknown>;
  dialect: 'sqlite' | 'postgres';
  names: Map<string, string>;
  close: () => Promise<void>;
}

/** Migrates a fresh database with the real store, then fills system_log over a connection of our own. */
async function fixture(backend: ReturnType<typeof backends>[number]): Promise<Fixture> {
  const created = await backend.create();
  const store = await openStore(created.target);
  await store.close();
  const db =
    created.target.kind === 'sqlite'
      ? new Kysely<unknown>({ dialect: new SqliteDialect({ database: new SqliteDatabase(`${created.target.dataDir}/tollgate.db`) }) })
      : new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: created.url, max: 2 }) }) });
  const dialect = created.target.kind;
  const names = new Map<string, string>();
  for (const [name, value] of Object.entries(EVENTS)) {
    const event = value as LogEvent;
    const { targets, ...columns } = logEventColumns(event);
    const json = JSON.stringify(event);
    const body = dialect === 'postgres' ? sql`${json}::jsonb` : json;
    const row = await sql<{ seq: number | string }>`insert into system_log (uuid, published, event_type, actor_id, severity, outcome_result, transaction_id, api_token_id, keywords, body)
      values (${columns.uuid}, ${columns.published}, ${columns.event_type}, ${columns.actor_id}, ${columns.severity}, ${columns.outcome_result},
              ${columns.transaction_id}, ${columns.api_token_id}, ${columns.keywords}, ${body})
      returning seq`.execute(db);
    const seq = row.rows[0]?.seq;
    for (const [position, targetId] of targets.entries()) {
      await sql`insert into system_log_targets (seq, position, target_id) values (${seq}, ${position}, ${targetId})`.execute(db);
    }
    names.set(event.uuid, name);
  }
  return {
    db,
    dialect,
    names,
    close: async () => {
      await db.destroy();
      await created.cleanup();
    },
  };
}

async function matching(f: Fixture, filter: string): Promise<string> {
  const where = logFilterSql(parseLogFilter(filter), f.dialect);
  const rows = await sql<{ uuid: string }>`select e.uuid from system_log as e where ${where} order by e.seq`.execute(f.db);
  return rows.rows.map((r) => f.names.get(r.uuid) ?? '?').join('');
}

for (const backend of backends()) {
  describe(`System Log filter: SQL (${backend.name})`, () => {
    let f: Fixture;
    before(async () => {
      f = await fixture(backend);
    });
    after(async () => {
      await f?.close();
    });

    for (const [filter, expected] of CASES) {
      it(`${filter} → ${expected || 'nothing'}`, async () => {
        assert.equal(await matching(f, filter), expected);
      });
    }

    it('binds every value as a parameter and inlines only paths from the attribute table', () => {
      const value = `x'); drop table system_log; --`;
      const compiled = logFilterSql(
        parseLogFilter(`displayMessage eq ${JSON.stringify(value)} or target.id eq ${JSON.stringify(value)} or eventType sw ${JSON.stringify(value)}`),
        f.dialect,
      ).compile(f.db);
      assert.ok(!compiled.sql.includes('drop table'), compiled.sql);
      assert.ok(compiled.parameters.includes(value));
    });

    it('the table survives the hostile values above', async () => {
      assert.equal(await matching(f, 'eventType pr'), ALL);
    });
  });
}
