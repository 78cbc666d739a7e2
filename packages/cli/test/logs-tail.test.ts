import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { backends } from '../../server/test/helpers/backends.ts';
import { formatEvent, linkRel, rateLimitWait } from '../src/logs.ts';
import { cleanEnv, runTollgate, startTollgate } from './helpers/process.ts';
import type { Running } from './helpers/process.ts';

const LISTENING = /listening on port (\d+)/;
const TOKEN = '00LogsTailBootstrapToken0123456789abcdefg';
/** A line as `logs tail` prints it: an instant, a severity, then the event type. */
const LINE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z (DEBUG|INFO |WARN |ERROR) \S+/;

async function createPolicy(orgUrl: string, name: string): Promise<{ id: string }> {
  const res = await fetch(`${orgUrl}/api/v1/policies`, {
    method: 'POST',
    headers: { authorization: `SSWS ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'OKTA_SIGN_ON', name }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as { id: string };
}

function lines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l !== '');
}

describe('tollgate logs tail, against a running server', () => {
  let cleanup: () => Promise<void>;
  let server: Running;
  let orgUrl: string;
  let policyId: string;

  before(async () => {
    const created = await backends()[0]!.create();
    cleanup = created.cleanup;
    assert.equal(created.target.kind, 'sqlite');
    const dataDir = created.target.kind === 'sqlite' ? created.target.dataDir : '';
    server = startTollgate(['serve', '--port', '0', '--data-dir', dataDir], cleanEnv({ TOLLGATE_BOOTSTRAP_TOKEN: TOKEN }));
    orgUrl = `http://127.0.0.1:${(await server.waitFor(LISTENING))[1]}`;
    policyId = (await createPolicy(orgUrl, 'Tail me')).id;
  });
  after(async () => {
    if (server && server.proc.exitCode === null) {
      server.proc.kill('SIGTERM');
      await server.exited;
    }
    await cleanup?.();
  });

  it('--once prints each event as one line, the policy creation among them, and exits 0', async () => {
    const run = await runTollgate(['logs', 'tail', '--once', '--url', orgUrl, '--token', TOKEN], cleanEnv());
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    const out = lines(run.stdout);
    assert.ok(out.length >= 1);
    for (const line of out) assert.match(line, LINE);
    const created = out.filter((l) => l.includes('"Tail me"'));
    assert.equal(created.length, 1, run.stdout);
    assert.match(created[0]!, new RegExp(` INFO  policy\\.lifecycle\\.create  admin@tollgate\\.local -> PolicyEntity "Tail me" \\(${policyId}\\)  SUCCESS  Add policy$`));
    assert.ok(out.some((l) => !/ policy\.lifecycle\.create /.test(l)), 'other events too');
    assert.ok(!run.stdout.includes(TOKEN) && !run.stderr.includes(TOKEN));
  });

  it('reads the URL and token from TOLLGATE_ORG_URL and TOLLGATE_API_TOKEN', async () => {
    const run = await runTollgate(['logs', 'tail', '--once'], cleanEnv({ TOLLGATE_ORG_URL: orgUrl, TOLLGATE_API_TOKEN: TOKEN }));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, / policy\.lifecycle\.create /);
  });

  it('--filter is passed to the server: only matching events', async () => {
    await createPolicy(orgUrl, 'Tail me too');
    const run = await runTollgate(
      ['logs', 'tail', '--once', '--filter', 'eventType eq "policy.lifecycle.create"', '--url', orgUrl, '--token', TOKEN],
      cleanEnv(),
    );
    assert.equal(run.code, 0, run.stderr);
    const all = await runTollgate(['logs', 'tail', '--once', '--url', orgUrl, '--token', TOKEN], cleanEnv());
    const expected = lines(all.stdout).filter((l) => / policy\.lifecycle\.create /.test(l));
    assert.ok(expected.length < lines(all.stdout).length);
    const out = lines(run.stdout);
    assert.deepEqual(out, expected);
    assert.match(out.at(-2)!, /"Tail me"/);
    assert.match(out.at(-1)!, /"Tail me too"/);
  });

  it('--q is passed to the server as keywords', async () => {
    const run = await runTollgate(['logs', 'tail', '--once', '--q', 'too', '--url', orgUrl, '--token', TOKEN], cleanEnv());
    assert.equal(run.code, 0, run.stderr);
    assert.ok(lines(run.stdout).length >= 1);
    for (const line of lines(run.stdout)) assert.match(line, /too/);
  });

  it('--json prints each event as one line of JSON', async () => {
    const run = await runTollgate(['logs', 'tail', '--once', '--json', '--url', orgUrl, '--token', TOKEN], cleanEnv());
    assert.equal(run.code, 0, run.stderr);
    const events = lines(run.stdout).map((l) => JSON.parse(l) as { uuid: string; eventType: string; target: { id: string; displayName: string }[] });
    assert.ok(events.length >= 2);
    const created = events.filter((e) => e.eventType === 'policy.lifecycle.create' && e.target[0]!.displayName.startsWith('Tail me'));
    assert.equal(created.length, 2);
    assert.equal(created[0]!.target[0]!.id, policyId);
    assert.equal(new Set(events.map((e) => e.uuid)).size, events.length, 'no event twice');
  });

  it('--since in the future: nothing yet, exit 0', async () => {
    const since = new Date(Date.now() + 3_600_000).toISOString();
    const run = await runTollgate(['logs', 'tail', '--once', '--since', since, '--url', orgUrl, '--token', TOKEN], cleanEnv());
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '');
  });

  it('a filter the server refuses: exit 1, one line with its error summary and code', async () => {
    const run = await runTollgate(['logs', 'tail', '--once', '--filter', 'eventType eq', '--url', orgUrl, '--token', TOKEN], cleanEnv());
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^tollgate: .+ \(E0000\d{3}\)(: .*)?\n$/);
  });

  it('a bad token: exit 1 with Okta\'s invalid-token error, and the token is not printed', async () => {
    const bad = '00NotARealTokenAtAll0123456789abcdefghijk';
    const run = await runTollgate(['logs', 'tail', '--once', '--url', orgUrl, '--token', bad], cleanEnv());
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^tollgate: Invalid token provided \(E0000011\)\n$/);
    assert.ok(!run.stderr.includes(bad));
  });

  it('usage errors: exit 2', async () => {
    const noToken = await runTollgate(['logs', 'tail', '--once', '--url', orgUrl], cleanEnv());
    assert.equal(noToken.code, 2);
    assert.match(noToken.stderr, /no API token: pass --token or set TOLLGATE_API_TOKEN/);
    const badInterval = await runTollgate(['logs', 'tail', '--interval', '0', '--token', TOKEN], cleanEnv());
    assert.equal(badInterval.code, 2);
    assert.match(badInterval.stderr, /invalid --interval/);
    const unknown = await runTollgate(['logs', 'tail', '--follow', '--token', TOKEN], cleanEnv());
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown flag --follow/);
    const noSub = await runTollgate(['logs'], cleanEnv());
    assert.equal(noSub.code, 2);
    assert.match(noSub.stderr, /usage: tollgate logs tail/);
    const help = await runTollgate(['help'], cleanEnv());
    assert.match(help.stdout, /\n {2}logs tail \[--filter EXPR\]/);
  });

  it('continuous: prints new events as they are stored, and exits 0 on SIGTERM', async () => {
    const tail = startTollgate(
      ['logs', 'tail', '--interval', '0.2', '--filter', 'eventType sw "policy."', '--url', orgUrl, '--token', TOKEN],
      cleanEnv(),
    );
    try {
      await tail.waitFor(/"Tail me too"/, 15_000); // the backlog of the last 7 days comes first
      const { id } = await createPolicy(orgUrl, 'Live one');
      await tail.waitFor(new RegExp(`policy\\.lifecycle\\.create .*"Live one" \\(${id}\\)`), 15_000);
      const second = await createPolicy(orgUrl, 'Live two');
      await tail.waitFor(new RegExp(`"Live two" \\(${second.id}\\)`), 15_000);
    } finally {
      tail.proc.kill('SIGTERM');
    }
    assert.equal(await tail.exited, 0, tail.stderr());
    assert.equal(tail.stderr(), '');
    const out = lines(tail.stdout());
    assert.equal(out.filter((l) => l.includes('"Live one"')).length, 1, 'each event once');
    for (const line of out) assert.match(line, LINE);
  });

  it('continuous: SIGINT while waiting also exits 0', async () => {
    const tail = startTollgate(['logs', 'tail', '--interval', '30', '--url', orgUrl, '--token', TOKEN], cleanEnv());
    await tail.waitFor(/"Tail me"/, 15_000);
    tail.proc.kill('SIGINT');
    assert.equal(await tail.exited, 0, tail.stderr());
  });
});

/** A stand-in for an org, to provoke what a real one rarely does on cue. */
async function fakeOrg(handler: (req: IncomingMessage, res: ServerResponse, base: string) => void): Promise<{ base: string; server: Server; requests: string[] }> {
  const requests: string[] = [];
  let base = '';
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    handler(req, res, base);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, server, requests };
}

const EVENT = {
  uuid: 'e1',
  published: '2026-11-21T10:00:00.123Z',
  eventType: 'user.session.start',
  severity: 'INFO',
  displayMessage: 'User login to Okta',
  actor: { id: '00u1', type: 'User', alternateId: 'ann@example.com', displayName: 'Ann' },
  outcome: { result: 'SUCCESS', reason: null },
  target: null,
};

describe('tollgate logs tail, against a stand-in org', () => {
  it('429: waits until X-Rate-Limit-Reset (by the server\'s Date), then continues from the same page', async () => {
    let calls = 0;
    const org = await fakeOrg((_req, res, base) => {
      calls += 1;
      if (calls === 1) {
        const now = Math.floor(Date.now() / 1000);
        res.writeHead(429, {
          'content-type': 'application/json',
          date: new Date(now * 1000).toUTCString(),
          'x-rate-limit-limit': '60',
          'x-rate-limit-remaining': '0',
          'x-rate-limit-reset': String(now + 1),
        });
        res.end(JSON.stringify({ errorCode: 'E0000047', errorSummary: 'API call exceeded rate limit due to too many requests.', errorLink: 'E0000047', errorId: 'x', errorCauses: [] }));
        return;
      }
      const page = calls === 2 ? [EVENT] : [];
      res.writeHead(200, { 'content-type': 'application/json', link: `<${base}/api/v1/logs?after=${calls}&limit=1000>; rel="next"` });
      res.end(JSON.stringify(page));
    });
    try {
      const started = Date.now();
      const run = await runTollgate(['logs', 'tail', '--once', '--url', org.base, '--token', 'fake'], cleanEnv());
      assert.equal(run.code, 0, run.stderr);
      assert.ok(Date.now() - started >= 900, 'waited for the reset');
      assert.match(run.stderr, /^tollgate: API call exceeded rate limit due to too many requests\. \(E0000047\); waiting 1 s before trying again\n$/);
      assert.equal(run.stdout, '2026-11-21T10:00:00.123Z INFO  user.session.start  ann@example.com  SUCCESS  User login to Okta\n');
      assert.equal(org.requests[0], org.requests[1], 'the same request again');
      assert.equal(org.requests[2], '/api/v1/logs?after=2&limit=1000', 'the next link, exactly');
    } finally {
      org.server.close();
    }
  });

  it('network failure while tailing: one line on stderr, retries with backoff, and carries on', async () => {
    let calls = 0;
    const org = await fakeOrg((req, res, base) => {
      calls += 1;
      if (calls === 2 || calls === 3) {
        req.socket.destroy(); // the connection drops mid-request
        return;
      }
      const page = calls === 4 ? [{ ...EVENT, uuid: 'e2', displayMessage: 'after the outage' }] : calls === 1 ? [EVENT] : [];
      res.writeHead(200, { 'content-type': 'application/json', connection: 'close', link: `<${base}/api/v1/logs?after=c${calls}>; rel="next"` });
      res.end(JSON.stringify(page));
    });
    const tail = startTollgate(['logs', 'tail', '--interval', '0.1', '--url', org.base, '--token', 'fake'], cleanEnv());
    try {
      await tail.waitFor(/after the outage/, 15_000);
    } finally {
      tail.proc.kill('SIGTERM');
      org.server.close();
    }
    assert.equal(await tail.exited, 0);
    const errors = lines(tail.stderr());
    assert.equal(errors.length, 2, tail.stderr());
    assert.match(errors[0]!, /^tollgate: cannot reach http:\/\/127\.0\.0\.1:\d+: .+; retrying in 1 s$/);
    assert.match(errors[1]!, /; retrying in 2 s$/);
    assert.deepEqual(org.requests.slice(1, 4), ['/api/v1/logs?after=c1', '/api/v1/logs?after=c1', '/api/v1/logs?after=c1']);
    assert.equal(lines(tail.stdout()).length, 2);
  });

  it('--once and an unreachable org: exit 1 with one line', async () => {
    const org = await fakeOrg(() => undefined);
    const base = org.base;
    await new Promise((resolve) => org.server.close(resolve));
    const run = await runTollgate(['logs', 'tail', '--once', '--url', base, '--token', 'fake'], cleanEnv());
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^tollgate: cannot reach http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED.*\n$/);
  });

  it('a next link to another origin is not followed with the token', async () => {
    const org = await fakeOrg((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', link: '<https://elsewhere.example/api/v1/logs?after=1>; rel="next"' });
      res.end(JSON.stringify([EVENT]));
    });
    try {
      const run = await runTollgate(['logs', 'tail', '--once', '--url', org.base, '--token', 'fake'], cleanEnv());
      assert.equal(run.code, 1);
      assert.match(run.stderr, /next link points to https:\/\/elsewhere\.example, not http:\/\/127\.0\.0\.1:\d+/);
      assert.equal(org.requests.length, 1);
    } finally {
      org.server.close();
    }
  });
});

describe('logs tail helpers', () => {
  it('linkRel finds rel="next" among several links, in one header or joined', () => {
    const header = '<https://o.example/api/v1/logs?since=x>; rel="self", <https://o.example/api/v1/logs?after=5&filter=a%2Cb>; rel="next"';
    assert.equal(linkRel(header, 'next'), 'https://o.example/api/v1/logs?after=5&filter=a%2Cb');
    assert.equal(linkRel(header, 'self'), 'https://o.example/api/v1/logs?since=x');
    assert.equal(linkRel('<https://o.example/p>; rel=next', 'next'), 'https://o.example/p');
    assert.equal(linkRel('<https://o.example/p>; rel="self"', 'next'), undefined);
    assert.equal(linkRel(null, 'next'), undefined);
  });

  it('rateLimitWait measures the reset against the server\'s Date, at least 1 s', () => {
    const headers = (h: Record<string, string>) => new Headers(h);
    const date = 'Sat, 21 Nov 2026 10:00:00 GMT';
    const epoch = Date.parse(date) / 1000;
    assert.equal(rateLimitWait(headers({ date, 'x-rate-limit-reset': String(epoch + 12) }), 0), 12_000);
    assert.equal(rateLimitWait(headers({ date, 'x-rate-limit-reset': String(epoch) }), 0), 1_000);
    assert.equal(rateLimitWait(headers({ 'x-rate-limit-reset': String(epoch + 5) }), epoch * 1000), 5_000, 'no Date: the local clock');
    assert.equal(rateLimitWait(headers({}), 0), 60_000);
  });

  it('formatEvent: targets, outcome reason, and values kept to one line', () => {
    const line = formatEvent({
      published: '2026-11-21T10:00:00.123Z',
      severity: 'WARN',
      eventType: 'policy.lifecycle.update',
      actor: { alternateId: 'admin@example.com' },
      target: [
        { type: 'PolicyRule', displayName: 'R', id: '0pr1' },
        { type: 'Policy', displayName: 'Two\nlines\u001b[31m', id: '00p1' },
      ],
      outcome: { result: 'FAILURE', reason: 'nope' },
      displayMessage: 'Update policy',
    });
    assert.equal(
      line,
      '2026-11-21T10:00:00.123Z WARN  policy.lifecycle.update  admin@example.com -> PolicyRule "R" (0pr1), Policy "Two\\nlines\\u001b[31m" (00p1)  FAILURE (nope)  Update policy',
    );
  });
});
