import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { backends } from './helpers/backends.ts';
import { startOrg } from './helpers/app.ts';
import type { TestOrg } from './helpers/app.ts';
import { assertOktaError } from './helpers/assertions.ts';
import { policyApi } from './helpers/policies.ts';

/**
 * Per-type validation and defaults of the Policy API, through HTTP: every rule of the policy
 * kinds with a focused case (status, error code, and a cause naming the field), the defaults a
 * happy path of each type gets, and the read-only parts of default rules.
 */

type Body = Record<string, unknown>;
/** A response body, read field by field the way a client does. */
type Resource = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

for (const backend of backends()) {
  describe(`Policy validation and defaults (${backend.name})`, () => {
    let org: TestOrg;
    let everyone: string;
    let created = 0;
    /** Rule names are unique within a policy. */
    const unique = (prefix: string) => `${prefix} ${++created}`;

    before(async () => {
      org = await startOrg(backend);
      everyone = (await defaultPolicy('OKTA_SIGN_ON')).conditions.people.groups.include[0];
    });
    after(() => org.close());

    /** Every response is also checked against Okta's spec (see helpers/policies.ts). */
    const send = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: Body) => policyApi(org).call(method, url, payload ? { payload } : {});

    async function ok<T = Resource>(res: Promise<LightMyRequestResponse>): Promise<T> {
      const response = await res;
      assert.equal(response.statusCode, 200, response.body);
      return response.json() as T;
    }

    async function listPolicies(type: string): Promise<Resource[]> {
      return ok<Resource[]>(send('GET', `/api/v1/policies?type=${type}`));
    }

    async function defaultPolicy(type: string): Promise<Resource> {
      const found = (await listPolicies(type)).find((p) => p.system === true);
      assert.ok(found, `the org has a default ${type} policy`);
      return found;
    }

    async function rules(policyId: string): Promise<Resource[]> {
      return ok<Resource[]>(send('GET', `/api/v1/policies/${policyId}/rules`));
    }

    async function defaultRule(type: string): Promise<{ policy: Resource; rule: Resource }> {
      const policy = await defaultPolicy(type);
      const rule = (await rules(policy.id)).find((r) => r.system === true);
      assert.ok(rule, `the default ${type} policy has a default rule`);
      return { policy, rule };
    }

    const createPolicy = (body: Body) => ok(send('POST', '/api/v1/policies', body));
    const createRule = (policyId: string, body: Body) => ok(send('POST', `/api/v1/policies/${policyId}/rules`, body));

    /** A 400 E0000001 whose causes name each field (`"<field>: ..."`). */
    async function assertInvalid(res: Promise<LightMyRequestResponse>, ...fields: string[]): Promise<string[]> {
      const body = assertOktaError(await res, 400, 'E0000001');
      const causes = body.errorCauses.map((c) => c.errorSummary);
      for (const field of fields) assert.ok(causes.some((c) => c.startsWith(`${field}: `)), `a cause names ${field}: ${JSON.stringify(causes)}`);
      return causes;
    }

    /** A 403 E0000111 naming the read-only field. */
    async function assertReadOnly(res: Promise<LightMyRequestResponse>, field: string): Promise<void> {
      const body = assertOktaError(await res, 403, 'E0000111');
      assert.ok(body.errorCauses.some((c) => c.errorSummary.startsWith(`${field}: `)), JSON.stringify(body.errorCauses));
    }

    /** The rule as a PUT body, with some parts replaced. */
    const asPut = (rule: Resource, changes: Body = {}) => ({ type: rule.type, name: rule.name, conditions: rule.conditions, actions: rule.actions, ...changes });

    describe('shared behaviour', () => {
      it('drops unknown fields, treats null as absent and fills defaults', async () => {
        const policy = await createPolicy({ type: 'OKTA_SIGN_ON', name: 'Nulls', conditions: { people: { groups: { include: [everyone], exclude: null } }, future: { x: 1 } } });
        assert.deepEqual(policy.conditions, { people: { groups: { include: [everyone] } } });
        const rule = await createRule(policy.id, {
          type: 'SIGN_ON',
          name: 'Nulls',
          conditions: { people: null, network: null, risk: null, somethingNew: true },
          actions: { signon: { access: null, factorPromptMode: null, session: null, newerField: 'x' } },
        });
        assert.deepEqual(rule.conditions, { network: { connection: 'ANYWHERE' } });
        assert.deepEqual(rule.actions, {
          signon: {
            access: 'ALLOW',
            requireFactor: false,
            rememberDeviceByDefault: false,
            session: { maxSessionIdleMinutes: 120, maxSessionLifetimeMinutes: 0, usePersistentCookie: false },
            primaryFactor: 'PASSWORD_IDP_ANY_FACTOR',
          },
        });
      });

      it('reports wrong types, bad enums and missing fields together, and stores nothing', async () => {
        const before = (await listPolicies('PASSWORD')).length;
        const causes = await assertInvalid(
          send('POST', '/api/v1/policies', {
            type: 'PASSWORD',
            name: 'Broken',
            conditions: { people: { groups: { include: 'not-a-list' } }, authProvider: { provider: 'GITHUB' } },
            settings: { password: { complexity: { minLength: '8' } } },
          }),
          'conditions.people.groups.include',
          'conditions.authProvider.provider',
          'settings.password.complexity.minLength',
        );
        assert.ok(causes.includes('conditions.people.groups.include: must be array'));
        assert.ok(causes.includes('conditions.authProvider.provider: must be one of ACTIVE_DIRECTORY, ANY, LDAP, OKTA'));
        assert.ok(causes.includes('settings.password.complexity.minLength: must be integer'));
        assert.equal((await listPolicies('PASSWORD')).length, before);
      });

      it('refuses a part that is not an object', async () => {
        const policy = await createPolicy({ type: 'OKTA_SIGN_ON', name: 'Parts' });
        await assertInvalid(send('POST', `/api/v1/policies/${policy.id}/rules`, { type: 'SIGN_ON', name: unique('r'), conditions: 'x', actions: [1] }), 'conditions', 'actions');
        assert.equal((await rules(policy.id)).length, 0);
      });

      it('refuses absurdly nested input with a 400, not a crash', async () => {
        let deep: unknown = 'x';
        for (let i = 0; i < 200; i++) deep = { groups: deep };
        await assertInvalid(send('POST', '/api/v1/policies', { type: 'OKTA_SIGN_ON', name: unique('Deep'), conditions: { people: deep } }), 'conditions');
      });

      it('caps id lists and refuses empty ids', async () => {
        const policy = await createPolicy({ type: 'OKTA_SIGN_ON', name: 'Caps' });
        const zones = Array.from({ length: 101 }, (_, i) => `nzo${i}`);
        await assertInvalid(
          send('POST', `/api/v1/policies/${policy.id}/rules`, { type: 'SIGN_ON', name: unique('r'), conditions: { network: { connection: 'ZONE', include: zones }, people: { users: { exclude: [''] } } } }),
          'conditions.network.include',
          'conditions.people.users.exclude.0',
        );
      });

      it('network: ZONE needs include xor exclude; ANYWHERE takes neither; ALL_ZONES stands alone', async () => {
        const policy = await createPolicy({ type: 'PASSWORD', name: 'Network' });
        const rule = (network: Body) => send('POST', `/api/v1/policies/${policy.id}/rules`, { type: 'PASSWORD', name: unique('n'), conditions: { network } });
        await assertInvalid(rule({ connection: 'ZONE' }), 'conditions.network.include');
        await assertInvalid(rule({ connection: 'ZONE', include: [], exclude: [] }), 'conditions.network.include');
        await assertInvalid(rule({ connection: 'ZONE', include: ['nzoA'], exclude: ['nzoB'] }), 'conditions.network.exclude');
        await assertInvalid(rule({ connection: 'ANYWHERE', include: ['nzoA'] }), 'conditions.network.include');
        await assertInvalid(rule({ connection: 'ZONE', include: ['ALL_ZONES', 'nzoA'] }), 'conditions.network.include');
        await assertInvalid(rule({ include: ['nzoA'] }), 'conditions.network.connection');
        await assertInvalid(rule({ connection: 'SOMEWHERE' }), 'conditions.network.connection');
        const zoned = await ok(rule({ connection: 'ZONE', include: ['ALL_ZONES'], exclude: [] }));
        assert.deepEqual(zoned.conditions.network, { connection: 'ZONE', include: ['ALL_ZONES'] });
      });
    });

    describe('OKTA_SIGN_ON', () => {
      it('seeds the default policy and rule with Okta’s defaults', async () => {
        const { policy, rule } = await defaultRule('OKTA_SIGN_ON');
        assert.equal(policy.name, 'Default Policy');
        assert.deepEqual(policy.conditions, { people: { groups: { include: [everyone] } } });
        assert.equal(rule.name, 'Default Rule');
        assert.equal(rule.type, 'SIGN_ON');
        assert.equal(rule.actions.signon.access, 'ALLOW');
        assert.equal(rule.actions.signon.requireFactor, false);
        assert.deepEqual(rule.actions.signon.session, { maxSessionIdleMinutes: 120, maxSessionLifetimeMinutes: 0, usePersistentCookie: false });
      });

      it('requires factorPromptMode and factorLifetime when requireFactor is true', async () => {
        const policy = await createPolicy({ type: 'OKTA_SIGN_ON', name: 'MFA' });
        const url = `/api/v1/policies/${policy.id}/rules`;
        await assertInvalid(send('POST', url, { type: 'SIGN_ON', name: unique('r'), actions: { signon: { requireFactor: true } } }), 'actions.signon.factorPromptMode', 'actions.signon.factorLifetime');
        await assertInvalid(send('POST', url, { type: 'SIGN_ON', name: unique('r'), actions: { signon: { requireFactor: true, factorPromptMode: 'SESSION' } } }), 'actions.signon.factorLifetime');
        const rule = await createRule(policy.id, { type: 'SIGN_ON', name: unique('r'), actions: { signon: { requireFactor: true, factorPromptMode: 'SESSION', factorLifetime: 15 } } });
        assert.equal(rule.actions.signon.factorLifetime, 15);
      });

      it('checks enums, session ranges and the identity provider condition', async () => {
        const policy = await createPolicy({ type: 'OKTA_SIGN_ON', name: 'Enums' });
        const causes = await assertInvalid(
          send('POST', `/api/v1/policies/${policy.id}/rules`, {
            type: 'SIGN_ON',
            name: unique('r'),
            conditions: { authContext: { authType: 'KERBEROS' }, identityProvider: { provider: 'SPECIFIC_IDP' }, riskScore: {} },
            actions: { signon: { access: 'MAYBE', factorPromptMode: 'SOMETIMES', session: { maxSessionIdleMinutes: 0, maxSessionLifetimeMinutes: -1 } } },
          }),
          'conditions.authContext.authType',
          'conditions.identityProvider.idpIds',
          'conditions.riskScore.level',
          'actions.signon.access',
          'actions.signon.factorPromptMode',
          'actions.signon.session.maxSessionIdleMinutes',
          'actions.signon.session.maxSessionLifetimeMinutes',
        );
        assert.ok(causes.includes('actions.signon.access: must be one of ALLOW, DENY'));
        assert.ok(causes.includes('conditions.riskScore.level: The field is required'));
      });

      it('the default rule: conditions and usePersistentCookie are read-only (E0000111), the rest editable', async () => {
        const { policy, rule } = await defaultRule('OKTA_SIGN_ON');
        const url = `/api/v1/policies/${policy.id}/rules/${rule.id}`;
        await assertReadOnly(send('PUT', url, asPut(rule, { conditions: { network: { connection: 'ZONE', include: ['nzoA'] } } })), 'conditions');
        const cookie = { signon: { ...rule.actions.signon, session: { ...rule.actions.signon.session, usePersistentCookie: true } } };
        await assertReadOnly(send('PUT', url, asPut(rule, { actions: cookie })), 'actions.signon.session.usePersistentCookie');
        const idle = { signon: { ...rule.actions.signon, session: { maxSessionIdleMinutes: 30 } } };
        const updated = await ok(send('PUT', url, asPut(rule, { conditions: null, actions: idle })));
        assert.deepEqual(updated.conditions, rule.conditions, 'conditions left out of the PUT are kept');
        assert.deepEqual(updated.actions.signon.session, { maxSessionIdleMinutes: 30, maxSessionLifetimeMinutes: 0, usePersistentCookie: false });
      });
    });

    describe('PASSWORD', () => {
      it('fills every documented default of a new policy and rule', async () => {
        const policy = await createPolicy({ type: 'PASSWORD', name: 'Defaults', conditions: { people: { groups: { include: [everyone] } } } });
        assert.deepEqual(policy.conditions, { people: { groups: { include: [everyone] } }, authProvider: { provider: 'OKTA' } });
        assert.deepEqual(policy.settings.password, {
          complexity: { minLength: 8, minLowerCase: 1, minUpperCase: 1, minNumber: 1, minSymbol: 1, excludeUsername: true, excludeAttributes: [], dictionary: { common: { exclude: false } } },
          age: { maxAgeDays: 0, expireWarnDays: 0, minAgeMinutes: 0, historyCount: 0 },
          lockout: { maxAttempts: 10, autoUnlockMinutes: 0, showLockoutFailures: false, userLockoutNotificationChannels: [] },
        });
        assert.deepEqual(policy.settings.recovery.factors.okta_email, { status: 'ACTIVE', properties: { recoveryToken: { tokenLifetimeMinutes: 10080 } } });
        assert.deepEqual(policy.settings.recovery.factors.okta_sms, { status: 'INACTIVE' });
        assert.deepEqual(policy.settings.recovery.factors.recovery_question.properties, { complexity: { minLength: 4 } });
        assert.deepEqual(policy.settings.delegation, { options: { skipUnlock: false } });
        const rule = await createRule(policy.id, { type: 'PASSWORD', name: unique('r') });
        assert.deepEqual(rule.actions, { passwordChange: { access: 'ALLOW' }, selfServicePasswordReset: { access: 'ALLOW' }, selfServiceUnlock: { access: 'DENY' } });
        assert.deepEqual(rule.conditions, { network: { connection: 'ANYWHERE' } });
        assert.equal((await defaultPolicy('PASSWORD')).description, 'The default policy applies in all situations if no other policy applies.');
      });

      it('checks complexity, lockout channels, breached protection and the auth provider', async () => {
        await assertInvalid(
          send('POST', '/api/v1/policies', {
            type: 'PASSWORD',
            name: 'Bad settings',
            conditions: { authProvider: { provider: 'OKTA', include: ['0oaAD'] } },
            settings: {
              password: {
                complexity: { minLength: 2, minSymbol: 2, excludeAttributes: ['email'], maxConsecutiveCharacters: 0 },
                lockout: { userLockoutNotificationChannels: ['SMS'] },
                breachedProtection: { logoutEnabled: true, expireAfterDays: null },
              },
            },
          }),
          'conditions.authProvider.include',
          'settings.password.complexity.minLength',
          'settings.password.complexity.minSymbol',
          'settings.password.complexity.excludeAttributes.0',
          'settings.password.complexity.maxConsecutiveCharacters',
          'settings.password.lockout.userLockoutNotificationChannels.0',
          'settings.password.breachedProtection.expireAfterDays',
        );
      });

      it('checks the self-service password reset requirement', async () => {
        const policy = await createPolicy({ type: 'PASSWORD', name: 'SSPR' });
        const url = `/api/v1/policies/${policy.id}/rules`;
        const sspr = (requirement: Body) => send('POST', url, { type: 'PASSWORD', name: unique('r'), actions: { selfServicePasswordReset: { access: 'ALLOW', requirement } } });
        await assertInvalid(sspr({ primary: { methods: ['otp'] } }), 'actions.selfServicePasswordReset.requirement.primary.methodConstraints');
        await assertInvalid(sspr({ primary: { methods: ['pigeon'] } }), 'actions.selfServicePasswordReset.requirement.primary.methods.0');
        await assertInvalid(sspr({ primary: { methods: ['sms'] }, stepUp: { required: false, methods: ['security_question'] } }), 'actions.selfServicePasswordReset.requirement.stepUp.methods');
        const rule = await ok(
          sspr({ primary: { methods: ['sms', 'otp'], methodConstraints: [{ method: 'otp', allowedAuthenticators: [{ key: 'google_otp' }] }] }, stepUp: { required: true, methods: ['security_question'] } }),
        );
        assert.deepEqual(rule.actions.selfServicePasswordReset.requirement.stepUp, { required: true, methods: ['security_question'] });
      });
    });

    describe('MFA_ENROLL', () => {
      it('accepts the AUTHENTICATORS form and fills enrollment defaults', async () => {
        const policy = await createPolicy({
          type: 'MFA_ENROLL',
          name: 'Authenticators',
          settings: { type: 'AUTHENTICATORS', authenticators: [{ key: 'okta_password', enroll: { self: 'REQUIRED' } }, { key: 'okta_verify' }] },
        });
        assert.deepEqual(policy.settings, {
          type: 'AUTHENTICATORS',
          authenticators: [
            { key: 'okta_password', enroll: { self: 'REQUIRED' } },
            { key: 'okta_verify', enroll: { self: 'NOT_ALLOWED' } },
          ],
        });
        const rule = await createRule(policy.id, { type: 'MFA_ENROLL', name: unique('r') });
        assert.deepEqual(rule.actions, { enroll: { self: 'CHALLENGE' } });
      });

      it('accepts the FACTORS form', async () => {
        const policy = await createPolicy({ type: 'MFA_ENROLL', name: 'Factors', settings: { type: 'FACTORS', factors: { okta_otp: { enroll: { self: 'OPTIONAL' } }, google_otp: {} } } });
        assert.deepEqual(policy.settings, { type: 'FACTORS', factors: { okta_otp: { enroll: { self: 'OPTIONAL' } }, google_otp: { enroll: { self: 'NOT_ALLOWED' } } } });
      });

      it('refuses settings in the wrong form for their type, and bad authenticators', async () => {
        await assertInvalid(send('POST', '/api/v1/policies', { type: 'MFA_ENROLL', name: 'x', settings: { type: 'FACTORS', authenticators: [{ key: 'okta_email' }] } }), 'settings.authenticators');
        await assertInvalid(send('POST', '/api/v1/policies', { type: 'MFA_ENROLL', name: 'x', settings: { type: 'AUTHENTICATORS', factors: { okta_otp: {} } } }), 'settings.factors');
        await assertInvalid(
          send('POST', '/api/v1/policies', {
            type: 'MFA_ENROLL',
            name: 'x',
            settings: { type: 'AUTHENTICATORS', authenticators: [{ key: 'carrier_pigeon' }, { key: 'okta_email', enroll: { self: 'REQUIRED', autoEnroll: false } }, { enroll: { self: 'MAYBE' } }] },
          }),
          'settings.authenticators.0.key',
          'settings.authenticators.1.enroll.autoEnroll',
          'settings.authenticators.2.key',
          'settings.authenticators.2.enroll.self',
        );
      });

      it('checks rule conditions and actions', async () => {
        const policy = await createPolicy({ type: 'MFA_ENROLL', name: 'Rules' });
        await assertInvalid(
          send('POST', `/api/v1/policies/${policy.id}/rules`, { type: 'MFA_ENROLL', name: unique('r'), conditions: { app: { include: [{ type: 'APP' }, { type: 'APP_TYPE' }] } }, actions: { enroll: { self: 'SOMETIMES' } } }),
          'conditions.app.include.0.id',
          'conditions.app.include.1.name',
          'actions.enroll.self',
        );
      });

      it('the default rule is read-only as a whole (E0000111)', async () => {
        const { policy, rule } = await defaultRule('MFA_ENROLL');
        const url = `/api/v1/policies/${policy.id}/rules/${rule.id}`;
        await assertReadOnly(send('PUT', url, asPut(rule, { actions: { enroll: { self: 'NEVER' } } })), 'actions');
        await assertReadOnly(send('PUT', url, asPut(rule, { conditions: { network: { connection: 'ZONE', exclude: ['nzoA'] } } })), 'conditions');
        const same = await ok(send('PUT', url, asPut(rule, { name: 'Renamed default' })));
        assert.deepEqual(same.actions, rule.actions);
      });
    });

    describe('IDP_DISCOVERY', () => {
      const idpRule = async (body: Body) => {
        const policy = await defaultPolicy('IDP_DISCOVERY');
        return send('POST', `/api/v1/policies/${policy.id}/rules`, { type: 'IDP_DISCOVERY', name: unique('Routing'), ...body });
      };

      it('seeds the org’s one policy and its default rule routing to Okta', async () => {
        const { policy, rule } = await defaultRule('IDP_DISCOVERY');
        assert.equal(policy.conditions, null);
        assert.deepEqual(rule.actions, { idp: { providers: [{ type: 'OKTA' }], idpSelectionType: 'SPECIFIC', shouldFallBackToOkta: false } });
        await assertInvalid(send('POST', '/api/v1/policies', { type: 'IDP_DISCOVERY', name: 'Another' }));
      });

      it('checks user identifier patterns: valid regex, one EXPRESSION pattern alone, attribute for ATTRIBUTE', async () => {
        const patterns = (list: Body[], type = 'IDENTIFIER') => idpRule({ conditions: { userIdentifier: { type, patterns: list } }, actions: { idp: { providers: [{ type: 'OKTA' }] } } });
        const bad = await assertInvalid(patterns([{ matchType: 'EXPRESSION', value: '([a-z' }]), 'conditions.userIdentifier.patterns.0.value');
        assert.ok(bad.some((c) => c.endsWith('is not a valid regular expression')));
        await assertInvalid(
          patterns([
            { matchType: 'EXPRESSION', value: '.*@example\\.com' },
            { matchType: 'SUFFIX', value: 'example.org' },
          ]),
          'conditions.userIdentifier.patterns',
        );
        await assertInvalid(patterns([{ matchType: 'SUFFIX', value: 'example.org' }], 'ATTRIBUTE'), 'conditions.userIdentifier.attribute');
        await assertInvalid(patterns([{ matchType: 'LIKE', value: 'x' }, { matchType: 'EQUALS' }]), 'conditions.userIdentifier.patterns.0.matchType', 'conditions.userIdentifier.patterns.1.value');
        const rule = await ok(patterns([{ matchType: 'EXPRESSION', value: '.*@example\\.com' }]));
        assert.deepEqual(rule.conditions.userIdentifier, { type: 'IDENTIFIER', patterns: [{ matchType: 'EXPRESSION', value: '.*@example\\.com' }] });
        assert.deepEqual(rule.conditions.network, { connection: 'ANYWHERE' });
      });

      it('checks providers: at most 10, IWA alone, ids where needed, SPECIFIC vs DYNAMIC', async () => {
        const providers = Array.from({ length: 11 }, (_, i) => ({ type: 'SAML2', id: `0oa${i}` }));
        await assertInvalid(idpRule({ actions: { idp: { providers } } }), 'actions.idp.providers');
        await assertInvalid(idpRule({ actions: { idp: { providers: [{ type: 'IWA' }, { type: 'OKTA' }] } } }), 'actions.idp.providers.0.type');
        await assertInvalid(idpRule({ actions: { idp: { providers: [{ type: 'SAML2' }] } } }), 'actions.idp.providers.0.id');
        await assertInvalid(idpRule({ actions: { idp: { providers: [] } } }), 'actions.idp.providers');
        await assertInvalid(idpRule({ actions: { idp: { idpSelectionType: 'DYNAMIC' } } }), 'actions.idp.matchCriteria');
        await assertInvalid(
          idpRule({ actions: { idp: { idpSelectionType: 'DYNAMIC', providers: [{ type: 'OKTA' }], matchCriteria: [{ providerExpression: 'login.identifier' }] } } }),
          'actions.idp.providers',
          'actions.idp.matchCriteria.0.propertyName',
        );
        await assertInvalid(idpRule({ actions: { idp: { providers: [{ type: 'TELEGRAM' }] } } }), 'actions.idp.providers.0.type');
        const specific = await ok(idpRule({ actions: { idp: { providers: [{ type: 'GOOGLE', id: '0oaG' }], idpSelectionType: 'SPECIFIC' } } }));
        assert.deepEqual(specific.actions.idp, { providers: [{ type: 'GOOGLE', id: '0oaG' }], idpSelectionType: 'SPECIFIC', shouldFallBackToOkta: false });
        const dynamic = await ok(idpRule({ actions: { idp: { idpSelectionType: 'DYNAMIC', providers: [], matchCriteria: [{ providerExpression: "login.identifier.substringAfter('@')", propertyName: 'name' }] } } }));
        assert.deepEqual(dynamic.actions.idp.providers, []);
      });

      it('checks platform conditions with IdP discovery’s OS names', async () => {
        await assertInvalid(idpRule({ conditions: { platform: { include: [{ type: 'DESKTOP', os: { type: 'MACOS' } }] } }, actions: { idp: { providers: [{ type: 'OKTA' }] } } }), 'conditions.platform.include.0.os.type');
        await ok(idpRule({ conditions: { platform: { include: [{ type: 'DESKTOP', os: { type: 'OSX' } }] } }, actions: { idp: { providers: [{ type: 'OKTA' }] } } }));
      });

      it('the default rule is read-only as a whole (E0000111)', async () => {
        const { policy, rule } = await defaultRule('IDP_DISCOVERY');
        const url = `/api/v1/policies/${policy.id}/rules/${rule.id}`;
        await assertReadOnly(send('PUT', url, asPut(rule, { actions: { idp: { providers: [{ type: 'GOOGLE', id: '0oaG' }] } } })), 'actions');
        await assertReadOnly(send('PUT', url, asPut(rule, { conditions: { network: { connection: 'ZONE', include: ['nzoA'] } } })), 'conditions');
        await ok(send('PUT', url, asPut(rule)));
      });
    });

    describe('ACCESS_POLICY', () => {
      let policy: Resource;
      before(async () => {
        policy = await createPolicy({ type: 'ACCESS_POLICY', name: 'App sign-in' });
      });
      const accessRule = (body: Body) => send('POST', `/api/v1/policies/${policy.id}/rules`, { type: 'ACCESS_POLICY', name: unique('r'), ...body });
      const allow = { appSignOn: { access: 'ALLOW', verificationMethod: { type: 'ASSURANCE' } } };

      it('a new policy has null conditions and a catch-all rule at 99', async () => {
        assert.equal(policy.conditions, null);
        const [catchAll] = await rules(policy.id);
        assert.equal(catchAll?.name, 'Catch-all Rule');
        assert.equal(catchAll?.priority, 99);
        assert.equal(catchAll?.system, true);
        assert.equal(catchAll?.conditions, undefined, 'unset rule conditions are omitted');
        assert.deepEqual(catchAll?.actions, { appSignOn: { access: 'ALLOW', verificationMethod: { type: 'ASSURANCE', factorMode: '1FA', reauthenticateIn: 'PT12H', constraints: [] } } });
      });

      it('refuses policy-level conditions', async () => {
        await assertInvalid(send('POST', '/api/v1/policies', { type: 'ACCESS_POLICY', name: 'x', conditions: { people: { groups: { include: [everyone] } } } }), 'conditions');
      });

      it('device: managed requires registered', async () => {
        await assertInvalid(accessRule({ conditions: { device: { managed: true } }, actions: allow }), 'conditions.device.managed');
        await assertInvalid(accessRule({ conditions: { device: { managed: true, registered: false } }, actions: allow }), 'conditions.device.managed');
        const rule = await ok(accessRule({ conditions: { device: { managed: true, registered: true, assurance: { include: ['dae1'] } } }, actions: allow }));
        assert.deepEqual(rule.conditions.device, { managed: true, registered: true, assurance: { include: ['dae1'] } });
      });

      it('checks EL conditions, risk score, user types and platforms', async () => {
        await assertInvalid(
          accessRule({
            conditions: { elCondition: { condition: '' }, riskScore: { level: 'EXTREME' }, userType: { include: 'oty1' }, platform: { include: [{ os: { type: 'BEOS' } }] } },
            actions: allow,
          }),
          'conditions.elCondition.condition',
          'conditions.riskScore.level',
          'conditions.userType.include',
          'conditions.platform.include.0.type',
          'conditions.platform.include.0.os.type',
        );
        const rule = await ok(accessRule({ conditions: { elCondition: {}, userType: { exclude: ['oty1'] }, riskScore: { level: 'LOW' } }, actions: allow }));
        assert.deepEqual(rule.conditions, { userType: { exclude: ['oty1'], include: [] }, riskScore: { level: 'LOW' } });
      });

      it('verificationMethod: required for ALLOW, checked per type, defaults filled', async () => {
        await assertInvalid(accessRule({ actions: { appSignOn: { access: 'ALLOW' } } }), 'actions.appSignOn.verificationMethod');
        await assertInvalid(accessRule({ actions: { appSignOn: { verificationMethod: { factorMode: '3FA' } } } }), 'actions.appSignOn.verificationMethod.type', 'actions.appSignOn.verificationMethod.factorMode');
        await assertInvalid(accessRule({ actions: { appSignOn: { verificationMethod: { type: 'ASSURANCE', reauthenticateIn: 'two hours' } } } }), 'actions.appSignOn.verificationMethod.reauthenticateIn');
        await assertInvalid(accessRule({ actions: { appSignOn: { verificationMethod: { type: 'AUTH_METHOD_CHAIN' } } } }), 'actions.appSignOn.verificationMethod.chains');
        await assertInvalid(accessRule({ actions: { appSignOn: { verificationMethod: { type: 'ID_PROOFING' } } } }), 'actions.appSignOn.verificationMethod.id');
        const denied = await ok(accessRule({ actions: { appSignOn: { access: 'DENY' } } }));
        assert.deepEqual(denied.actions, { appSignOn: { access: 'DENY' } });
        const assurance = await ok(
          accessRule({
            actions: {
              appSignOn: {
                verificationMethod: { type: 'ASSURANCE', reauthenticateIn: 'PT2H', chains: [], constraints: [{ possession: { excludedAuthenticationMethods: [{ key: 'okta_password' }] }, knowledge: { types: ['PASSWORD'] } }] },
                keepMeSignedIn: { postAuth: 'ALLOWED' },
              },
            },
          }),
        );
        assert.deepEqual(assurance.actions.appSignOn, {
          access: 'ALLOW',
          verificationMethod: {
            type: 'ASSURANCE',
            reauthenticateIn: 'PT2H',
            constraints: [{ possession: { excludedAuthenticationMethods: [{ key: 'okta_password' }], required: false }, knowledge: { types: ['PASSWORD'], required: true } }],
            factorMode: '2FA',
          },
          keepMeSignedIn: { postAuth: 'ALLOWED', postAuthPromptFrequency: 'P30D' },
        });
      });

      it('authentication method chains: at most 3 steps, reauthenticateIn in one place', async () => {
        const step = (key: string, next?: Body[]) => ({ authenticationMethods: [{ key, method: 'password' }], ...(next ? { next } : {}) });
        const chain = (chains: Body[], extra: Body = {}) => accessRule({ actions: { appSignOn: { verificationMethod: { type: 'AUTH_METHOD_CHAIN', chains, ...extra } } } });
        await assertInvalid(chain([step('a', [step('b', [step('c', [step('d')])])])]), 'actions.appSignOn.verificationMethod.chains.0.next.0.next.0.next');
        await assertInvalid(chain([{ ...step('a'), reauthenticateIn: 'PT1H' }], { reauthenticateIn: 'PT2H' }), 'actions.appSignOn.verificationMethod.reauthenticateIn');
        const rule = await ok(chain([step('okta_password', [step('phone_number')])], { factorMode: '2FA' }));
        assert.deepEqual(rule.actions.appSignOn.verificationMethod, { type: 'AUTH_METHOD_CHAIN', chains: [step('okta_password', [step('phone_number')])] });
      });

      it('the catch-all rule: conditions are read-only (E0000111), actions editable', async () => {
        const catchAll = (await rules(policy.id)).find((r) => r.system === true);
        assert.ok(catchAll);
        const url = `/api/v1/policies/${policy.id}/rules/${catchAll.id}`;
        await assertReadOnly(send('PUT', url, asPut(catchAll, { conditions: { people: { groups: { include: [everyone] } } } })), 'conditions');
        const updated = await ok(send('PUT', url, asPut(catchAll, { actions: { appSignOn: { access: 'DENY' } } })));
        assert.deepEqual(updated.actions, { appSignOn: { access: 'DENY' } });
        assert.equal(updated.conditions, undefined, 'unset rule conditions are omitted');
      });
    });

    describe('PROFILE_ENROLLMENT', () => {
      it('a new policy gets its one rule with Okta’s defaults; no rules can be added', async () => {
        const policy = await createPolicy({ type: 'PROFILE_ENROLLMENT', name: 'Sign-up' });
        assert.equal(policy.conditions, null);
        const [rule, ...others] = await rules(policy.id);
        assert.equal(others.length, 0);
        assert.equal(rule?.conditions, undefined, 'unset rule conditions are omitted');
        assert.equal(rule?.actions.profileEnrollment.access, 'ALLOW');
        assert.equal(rule?.actions.profileEnrollment.unknownUserAction, 'DENY');
        assert.deepEqual(rule?.actions.profileEnrollment.profileAttributes[0], { name: 'email', label: 'Email', required: true });
        await assertInvalid(send('POST', `/api/v1/policies/${policy.id}/rules`, { type: 'PROFILE_ENROLLMENT', name: 'second' }));
      });

      it('access cannot go from ALLOW to DENY; attributes are checked', async () => {
        const policy = await createPolicy({ type: 'PROFILE_ENROLLMENT', name: 'No deny' });
        const [rule] = await rules(policy.id);
        assert.ok(rule);
        const url = `/api/v1/policies/${policy.id}/rules/${rule.id}`;
        const enrollment = rule.actions.profileEnrollment;
        await assertInvalid(send('PUT', url, asPut(rule, { actions: { profileEnrollment: { ...enrollment, access: 'DENY' } } })), 'actions.profileEnrollment.access');
        await assertInvalid(
          send('PUT', url, asPut(rule, { actions: { profileEnrollment: { ...enrollment, profileAttributes: [{ name: 'firstName' }], targetGroupIds: [everyone, everyone], unknownUserAction: 'ASK' } } })),
          'actions.profileEnrollment.profileAttributes',
          'actions.profileEnrollment.targetGroupIds',
          'actions.profileEnrollment.unknownUserAction',
        );
        await assertInvalid(send('PUT', url, asPut(rule, { conditions: { people: { groups: { include: [everyone] } } } })), 'conditions');
        const updated = await ok(send('PUT', url, asPut(rule, { actions: { profileEnrollment: { ...enrollment, unknownUserAction: 'REGISTER', targetGroupIds: [everyone] } } })));
        assert.equal(updated.actions.profileEnrollment.unknownUserAction, 'REGISTER');
        assert.equal((await rules(policy.id))[0]?.actions.profileEnrollment.access, 'ALLOW');
      });
    });

    describe('POST_AUTH_SESSION', () => {
      it('the org’s one policy has a catch-all rule; no policies or rules can be added', async () => {
        const { policy, rule } = await defaultRule('POST_AUTH_SESSION');
        assert.equal(policy.conditions, null);
        assert.deepEqual(rule.actions, { postAuthSession: { failureActions: [] } });
        await assertInvalid(send('POST', '/api/v1/policies', { type: 'POST_AUTH_SESSION', name: 'Another' }));
        await assertInvalid(send('POST', `/api/v1/policies/${policy.id}/rules`, { type: 'POST_AUTH_SESSION', name: unique('r') }));
      });

      it('checks failure actions', async () => {
        const { policy, rule } = await defaultRule('POST_AUTH_SESSION');
        const url = `/api/v1/policies/${policy.id}/rules/${rule.id}`;
        const failureActions = (list: Body[]) => send('PUT', url, asPut(rule, { actions: { postAuthSession: { failureActions: list } } }));
        await assertInvalid(failureActions([{ action: 'RUN_WORKFLOW' }]), 'actions.postAuthSession.failureActions.0.workflow.id');
        await assertInvalid(failureActions([{ action: 'RUN_WORKFLOW', workflow: { id: 'abc' } }]), 'actions.postAuthSession.failureActions.0.workflow.id');
        await assertInvalid(failureActions([{ action: 'LOG_OUT' }]), 'actions.postAuthSession.failureActions.0.action');
        await assertInvalid(failureActions([{ action: 'TERMINATE_SESSION' }, { action: 'TERMINATE_SESSION' }]), 'actions.postAuthSession.failureActions.1.action');
        const updated = await ok(failureActions([{ action: 'TERMINATE_SESSION', workflow: { id: 7 } }, { action: 'RUN_WORKFLOW', workflow: { id: 7 } }]));
        assert.deepEqual(updated.actions.postAuthSession.failureActions, [{ action: 'TERMINATE_SESSION' }, { action: 'RUN_WORKFLOW', workflow: { id: 7 } }]);
      });
    });

    describe('ENTITY_RISK', () => {
      it('the org’s one policy has a catch-all rule at 99; rules can be added', async () => {
        const { policy, rule } = await defaultRule('ENTITY_RISK');
        assert.equal(rule.priority, 99);
        assert.deepEqual(rule.actions, { entityRisk: { actions: [] } });
        await assertInvalid(send('POST', '/api/v1/policies', { type: 'ENTITY_RISK', name: 'Another' }));
        const created = await createRule(policy.id, {
          type: 'ENTITY_RISK',
          name: 'Terminate on brute force',
          conditions: { entityRisk: { level: 'HIGH' }, riskDetectionTypes: { include: ['BRUTE_FORCE_ATTACK'], exclude: [] } },
          actions: { entityRisk: { actions: [{ action: 'TERMINATE_ALL_SESSIONS' }] } },
        });
        assert.deepEqual(created.conditions, { entityRisk: { level: 'HIGH' }, riskDetectionTypes: { include: ['BRUTE_FORCE_ATTACK'] } });
      });

      it('risk detection types: include xor exclude; levels and actions checked', async () => {
        const policy = await defaultPolicy('ENTITY_RISK');
        const url = `/api/v1/policies/${policy.id}/rules`;
        const rule = (conditions: Body, actions?: Body) => send('POST', url, { type: 'ENTITY_RISK', name: unique('r'), conditions, ...(actions ? { actions } : {}) });
        await assertInvalid(rule({ riskDetectionTypes: { include: ['BRUTE_FORCE_ATTACK'], exclude: ['SUSPICIOUS_APP_ACCESS'] } }), 'conditions.riskDetectionTypes.exclude');
        await assertInvalid(rule({ riskDetectionTypes: {} }), 'conditions.riskDetectionTypes.include');
        await assertInvalid(rule({ riskDetectionTypes: { include: ['ALIENS'] } }), 'conditions.riskDetectionTypes.include.0');
        await assertInvalid(rule({ entityRisk: { level: 'SEVERE' } }, { entityRisk: { actions: [{ action: 'RUN_WORKFLOW' }] } }), 'conditions.entityRisk.level', 'actions.entityRisk.actions.0.workflow.id');
      });
    });
  });
}
