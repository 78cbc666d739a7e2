/**
 * Policy engine bench (issue 7): 100 OKTA_SIGN_ON policies × 100 rules (the default policy last)
 * with realistic conditions (groups, users, network zones; and an ACCESS_POLICY of 100 rules with
 * Expression Language conditions), on a real Tollgate on SQLite in this process.
 *
 * - compile: `compilePolicySet` on the whole org as the engine loads it (median and max of runs);
 * - evaluation p50/p99, in process: (a) an early match (the first policy's first rule), (b) the
 *   adversarial case: the user is in every group, so every rule is a candidate, and every rule
 *   fails late on its network zone; the default rule decides; (c) the app's ACCESS_POLICY whose
 *   100 rules all fail on their EL condition;
 * - simulate end to end: `POST /api/v1/policies/simulate` (expand=EVALUATED,RULE, every type)
 *   over HTTP on a keep-alive connection, timed from the client, p50/p99.
 *
 *   npm run bench -- policy-engine [--evaluations 200000] [--requests 2000] [--warmup 300]
 *
 * Targets: evaluation p99 ≤ 25 µs for (a) and (b), compile ≤ 200 ms, simulate p99 ≤ 5 ms.
 * Exits 0 whatever the figures; non-zero only if something fails.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildApp, openOrg, resolveOrgUrl, systemContext, validateConfigObject } from '../src/index.ts';
import { policyKind } from '../src/domain/policies/kinds/index.ts';
import type { PolicyType } from '../src/domain/policies/kinds/kind.ts';
import type { PolicyRecord, RuleRecord } from '../src/domain/policies/types.ts';
import { compilePolicySet } from '../src/domain/policy-engine/compile.ts';
import type { CompiledPolicySet, EvaluationContext } from '../src/domain/policy-engine/types.ts';
import type { Services } from '../src/services.ts';
import { percentile, positiveInt } from './lib/stats.ts';

const TOKEN = '00' + 'TollgateBenchPolicyEngine0123456789abcde';
const POLICIES = 100;
const RULES = 100;
const GROUPS = 200;
const ZONES = 50;
const TARGETS = { evaluationP99Us: 25, compileMs: 200, simulateP99Ms: 5 };

const { values: opts } = parseArgs({
  options: {
    evaluations: { type: 'string', default: '200000' },
    requests: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '300' },
  },
});
const evaluations = positiveInt('evaluations', opts.evaluations);
const requests = positiveInt('requests', opts.requests);
const warmup = positiveInt('warmup', opts.warmup);

const verdict = (value: number, target: number) => `${value <= target ? 'PASS' : 'MISS'} (target ≤ ${target}, ratio ${(target / value).toFixed(2)})`;

/** Writes the org: groups, zones, 100 × 100 sign-on rules, one app with a 100-rule EL access policy. */
async function seed(services: Services): Promise<{ groupIds: string[]; userId: string; appId: string; signOnIds: string[] }> {
  const { store, ids, clock } = services;
  const ctx = systemContext(ids.requestId());
  const now = clock.now();
  const groupIds: string[] = [];
  for (let g = 0; g < GROUPS; g++) groupIds.push((await services.groups.create(ctx, { profile: { name: `Bench group ${g}` } })).id);
  const zoneIds: string[] = [];
  // Zones in 10.0.0.0/8; requests come from 192.0.2.10, in none of them.
  for (let z = 0; z < ZONES; z++) {
    zoneIds.push((await services.zones.create(ctx, { type: 'IP', name: `Bench zone ${z}`, gateways: [{ type: 'CIDR', value: `10.${z}.0.0/16` }] })).id);
  }
  const user = await services.users.create(ctx, { profile: { login: 'bench-user@example.com', email: 'bench-user@example.com', firstName: 'Bench', lastName: 'User' } }, { activate: true });
  for (const groupId of groupIds) await services.groups.addMember(ctx, groupId, user.id);
  const { app } = await services.apps.create(ctx, { name: 'bookmark', label: 'Bench app', signOnMode: 'BOOKMARK', settings: { app: { url: 'https://example.com/' } } }, { activate: true });

  const policyRecord = (type: PolicyType, name: string, priority: number, conditions: unknown): PolicyRecord => ({
    id: ids.objectId('policy'),
    type,
    name,
    description: null,
    priority,
    status: 'ACTIVE',
    system: false,
    ...policyKind(type).parsePolicy({ conditions, settings: undefined }, { system: false }),
    created: now,
    lastUpdated: now,
  });
  const ruleRecord = (type: PolicyType, policyId: string, name: string, priority: number, conditions: unknown, actions: unknown): RuleRecord => ({
    id: ids.objectId('policyRule'),
    policyId,
    name,
    priority,
    status: 'ACTIVE',
    system: false,
    ...policyKind(type).parseRule({ conditions, actions }, { system: false }),
    created: now,
    lastUpdated: now,
  });

  const signOnIds: string[] = [];
  const accessPolicy = policyRecord('ACCESS_POLICY', 'Bench access', 1, undefined);
  await store.transaction(async (tx) => {
    const defaults = await tx.policyOrder('OKTA_SIGN_ON');
    await tx.setPolicyPriorities(defaults.map((slot, i) => ({ id: slot.id, priority: POLICIES + 1 + i })));
    for (let p = 0; p < POLICIES; p++) {
      // Every policy applies to a few groups (the user is in them all) and to one user.
      const policy = policyRecord('OKTA_SIGN_ON', `Bench sign-on ${p}`, p + 1, { people: { groups: { include: [groupIds[p % GROUPS]!, groupIds[(p + 1) % GROUPS]!] } } });
      await tx.insertPolicy(policy);
      signOnIds.push(policy.id);
      for (let r = 0; r < RULES; r++) {
        // Each rule names groups (the user is in them) or the user, and a zone the request is not from.
        const people = r % 5 === 0 ? { users: { include: [user.id] } } : { groups: { include: [groupIds[(p * RULES + r) % GROUPS]!] } };
        const conditions = { people, network: { connection: 'ZONE', include: [zoneIds[(p + r) % ZONES]!] } };
        await tx.insertRule(ruleRecord('OKTA_SIGN_ON', policy.id, `Rule ${p}.${r}`, r + 1, conditions, { signon: { access: 'DENY' } }));
      }
    }
    await tx.insertPolicy(accessPolicy);
    for (let r = 0; r < RULES - 1; r++) {
      const conditions = { elCondition: { condition: `user.profile.department == "dept-${r}" && security.risk.level == "HIGH"` } };
      await tx.insertRule(ruleRecord('ACCESS_POLICY', accessPolicy.id, `EL rule ${r}`, r, conditions, { appSignOn: { access: 'DENY', verificationMethod: { factorMode: '1FA', type: 'ASSURANCE', reauthenticateIn: 'PT12H' } } }));
    }
    await tx.insertRule(ruleRecord('ACCESS_POLICY', accessPolicy.id, 'Catch-all', 99, undefined, { appSignOn: { access: 'ALLOW', verificationMethod: { factorMode: '1FA', type: 'ASSURANCE', reauthenticateIn: 'PT12H' } } }));
    await tx.bumpPolicyGeneration('OKTA_SIGN_ON');
    await tx.bumpPolicyGeneration('ACCESS_POLICY');
  });
  await services.apps.assignPolicy(ctx, app.id, accessPolicy.id);
  return { groupIds, userId: user.id, appId: app.id, signOnIds };
}

function timeEvaluations(set: CompiledPolicySet, type: PolicyType, context: EvaluationContext, expectPolicy: string | undefined, count: number) {
  const check = set.evaluate(type, context).decision;
  if (expectPolicy !== undefined && check?.policy.id !== expectPolicy) throw new Error(`${type}: expected ${expectPolicy}, got ${check?.policy.id} / ${check?.rule.name}`);
  for (let i = 0; i < Math.min(20_000, count); i++) set.evaluate(type, context);
  const times = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    set.evaluate(type, context);
    times[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  times.sort();
  return { p50: percentile(times, 50), p99: percentile(times, 99), decided: check ? `${check.policy.name} / ${check.rule.name}` : 'nothing' };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function post(port: number, url: string, body: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = http.request(
      { host: '127.0.0.1', port, method: 'POST', path: url, agent, headers: { authorization: `SSWS ${TOKEN}`, accept: 'application/json', 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tollgate-bench-policy-engine-'));
const config = validateConfigObject({ dataDir, port: 0, logLevel: 'warn', bootstrapToken: TOKEN, rateLimits: 'off', passwordHashCost: 10 });
const services = await openOrg(config, () => undefined);
let orgUrl = '';
const app = buildApp(config, { services, orgUrl: () => orgUrl });
try {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  orgUrl = resolveOrgUrl(config, port);
  const seeded = await seed(services);

  // Compile, as the engine does after a change: the whole org's source.
  const store = services.store;
  const source = {
    policies: await store.allPolicies(),
    rules: await store.allRules(),
    zones: await store.listZones(),
    appPolicies: await store.allAppPolicyMappings(),
    version: 'bench',
  };
  const compileTimes: number[] = [];
  let set: CompiledPolicySet | undefined;
  for (let i = 0; i < 7; i++) {
    const start = process.hrtime.bigint();
    set = compilePolicySet(source);
    compileTimes.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  compileTimes.sort((a, b) => a - b);
  const compiled = set!;
  const signOnRules = source.rules.filter((r) => source.policies.find((p) => p.id === r.policyId)?.type === 'OKTA_SIGN_ON').length;
  console.log(`policy-engine bench: ${POLICIES} OKTA_SIGN_ON policies + default, ${signOnRules} sign-on rules; ${source.rules.length} rules, ${source.zones.length} zones in all; loadavg ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const compileMax = compileTimes[compileTimes.length - 1]!;
  console.log(`  compile: median ${percentile(compileTimes, 50).toFixed(1)} ms, max ${compileMax.toFixed(1)} ms of ${compileTimes.length}  ${verdict(compileMax, TARGETS.compileMs)}`);

  const base = { authType: 'ANY' as const, identityProvider: { provider: 'OKTA' as const }, authProvider: { provider: 'OKTA' as const } };
  const early = timeEvaluations(compiled, 'OKTA_SIGN_ON', { ...base, user: { id: seeded.userId, groupIds: seeded.groupIds }, ip: '10.0.0.7' }, seeded.signOnIds[0], evaluations);
  console.log(`  (a) early match:  p50 ${early.p50.toFixed(2)} µs  p99 ${early.p99.toFixed(2)} µs  ${verdict(early.p99, TARGETS.evaluationP99Us)}  [${early.decided}]`);
  const late = timeEvaluations(compiled, 'OKTA_SIGN_ON', { ...base, user: { id: seeded.userId, groupIds: seeded.groupIds }, ip: '192.0.2.10' }, undefined, evaluations);
  console.log(`  (b) adversarial:  p50 ${late.p50.toFixed(2)} µs  p99 ${late.p99.toFixed(2)} µs  ${verdict(late.p99, TARGETS.evaluationP99Us)}  [${late.decided}; every rule a candidate, each failing on its zone]`);
  const el = timeEvaluations(
    compiled,
    'ACCESS_POLICY',
    { ...base, user: { id: seeded.userId, groupIds: seeded.groupIds, login: 'bench-user@example.com', profile: { department: 'sales' } }, risk: { level: 'HIGH' }, app: { id: seeded.appId, name: 'bookmark' } },
    undefined,
    evaluations,
  );
  console.log(`  (c) EL, 100 rules: p50 ${el.p50.toFixed(2)} µs  p99 ${el.p99.toFixed(2)} µs  [${el.decided}; app sign-in policy, every rule failing on its expression]`);

  const body = [{ appInstance: seeded.appId, policyContext: { user: { id: seeded.userId }, ip: '192.0.2.10', risk: { level: 'HIGH' } } }];
  const timeSimulate = async (url: string, count: number) => {
    const first = await post(port, url, body);
    if (first.status !== 200) throw new Error(`simulate: ${first.status} ${first.text.slice(0, 500)}`);
    for (let i = 0; i < Math.min(warmup, count); i++) await post(port, url, body);
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const start = process.hrtime.bigint();
      const res = await post(port, url, body);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
      if (res.status !== 200) throw new Error(`simulate: ${res.status}`);
    }
    times.sort((a, b) => a - b);
    return { p50: percentile(times, 50), p99: percentile(times, 99), kib: first.text.length / 1024 };
  };
  const plain = await timeSimulate('/api/v1/policies/simulate', requests);
  console.log(`  simulate over HTTP (4 types, ${plain.kib.toFixed(1)} KiB): p50 ${plain.p50.toFixed(2)} ms  p99 ${plain.p99.toFixed(2)} ms  ${verdict(plain.p99, TARGETS.simulateP99Ms)}`);
  const expanded = await timeSimulate('/api/v1/policies/simulate?expand=EVALUATED&expand=RULE', Math.max(50, Math.floor(requests / 10)));
  console.log(
    `  simulate with expand=EVALUATED,RULE (every one of the ${signOnRules} rules listed with its conditions, ${(expanded.kib / 1024).toFixed(1)} MiB): p50 ${expanded.p50.toFixed(2)} ms  p99 ${expanded.p99.toFixed(2)} ms  (no target: the size of the answer dominates)`,
  );
} finally {
  await app.close();
  agent.destroy();
  await rm(dataDir, { recursive: true, force: true });
}
