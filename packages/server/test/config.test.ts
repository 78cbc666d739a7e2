import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, resolveOrgUrl } from '../src/config/load.ts';

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const { config } = loadConfig({ env: {} });
    assert.equal(config.port, 8080);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.dataDir, './data');
    assert.equal(config.logLevel, 'info');
    assert.deepEqual(config.trustedProxies, []);
    assert.equal(config.databaseUrl, undefined);
    assert.ok(Object.isFrozen(config));
  });

  it('reads every TOLLGATE_* variable', () => {
    const { config } = loadConfig({
      env: {
        TOLLGATE_PORT: '9090',
        TOLLGATE_HOST: '0.0.0.0',
        TOLLGATE_DATA_DIR: '/tmp/x',
        TOLLGATE_DATABASE_URL: 'postgres://u@db:5432/tollgate',
        TOLLGATE_REDIS_URL: 'redis://127.0.0.1:6379',
        TOLLGATE_ORG_URL: 'https://login.example.com/',
        TOLLGATE_BOOTSTRAP_TOKEN: '00abcdefghijklmnopqrstuvwxyz0123456789ABCD',
        TOLLGATE_TRUSTED_PROXIES: '10.0.0.0/8, 192.168.1.1,::1',
        TOLLGATE_LOG_LEVEL: 'warn',
        TOLLGATE_BODY_LIMIT: '2048',
        TOLLGATE_AUTH_CACHE_SECONDS: '7',
        TOLLGATE_LOG_RETENTION_DAYS: '30',
      },
    });
    assert.equal(config.authCacheSeconds, 7);
    assert.equal(config.logRetentionDays, 30);
    assert.equal(config.port, 9090);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.databaseUrl, 'postgres://u@db:5432/tollgate');
    assert.equal(config.redisUrl, 'redis://127.0.0.1:6379');
    assert.deepEqual(config.trustedProxies, ['10.0.0.0/8', '192.168.1.1', '::1']);
    assert.equal(config.logLevel, 'warn');
    assert.equal(config.bodyLimit, 2048);
    assert.equal(resolveOrgUrl(config, 9090), 'https://login.example.com');
  });

  it('lets flags override variables, and leaves other arguments as positionals', () => {
    const { config, positionals } = loadConfig({ env: { TOLLGATE_PORT: '9090' }, argv: ['--port', '0', '--log-level=debug', 'extra'] });
    assert.equal(config.port, 0);
    assert.equal(config.logLevel, 'debug');
    assert.deepEqual(positionals, ['extra']);
  });

  it('derives the org URL from host and bound port', () => {
    const { config } = loadConfig({ env: { TOLLGATE_HOST: '0.0.0.0' } });
    assert.equal(resolveOrgUrl(config, 4321), 'http://127.0.0.1:4321');
    const v6 = loadConfig({ env: { TOLLGATE_HOST: '::1' } }).config;
    assert.equal(resolveOrgUrl(v6, 80), 'http://[::1]:80');
  });

  it('ignores the test suite’s own TOLLGATE_TEST_* variables and the CLI client’s TOLLGATE_API_TOKEN', () => {
    assert.doesNotThrow(() => loadConfig({ env: { TOLLGATE_TEST_DATABASE_URL: 'postgres://x', TOLLGATE_TEST_REDIS_URL: 'redis://x' } }));
    assert.doesNotThrow(() => loadConfig({ env: { TOLLGATE_API_TOKEN: '00secret' } }));
  });

  const refused: [string, Parameters<typeof loadConfig>[0], RegExp][] = [
    ['an unknown variable', { env: { TOLLGATE_PROT: '1' } }, /^unknown setting TOLLGATE_PROT$/],
    ['an unknown flag', { argv: ['--prot', '1'] }, /^unknown flag --prot$/],
    ['a flag without value', { argv: ['--port'] }, /^flag --port needs a value$/],
    ['a non-numeric port', { env: { TOLLGATE_PORT: 'eighty' } }, /TOLLGATE_PORT \(--port\)/],
    ['a port out of range', { env: { TOLLGATE_PORT: '70000' } }, /TOLLGATE_PORT \(--port\)/],
    ['an empty host', { env: { TOLLGATE_HOST: '' } }, /TOLLGATE_HOST \(--host\): must not be empty/],
    ['a non-postgres database URL', { env: { TOLLGATE_DATABASE_URL: 'mysql://x/y' } }, /TOLLGATE_DATABASE_URL \(--database-url\): must be a postgres:\/\/ URL/],
    ['a non-redis URL', { env: { TOLLGATE_REDIS_URL: 'http://x' } }, /TOLLGATE_REDIS_URL/],
    ['a relative org URL', { env: { TOLLGATE_ORG_URL: 'example.com' } }, /TOLLGATE_ORG_URL \(--org-url\): must be an absolute http\(s\) URL/],
    ['an org URL with a query', { env: { TOLLGATE_ORG_URL: 'https://x.test/?a=1' } }, /TOLLGATE_ORG_URL/],
    ['a short bootstrap token', { env: { TOLLGATE_BOOTSTRAP_TOKEN: 'short' } }, /TOLLGATE_BOOTSTRAP_TOKEN/],
    ['a bootstrap token with spaces', { env: { TOLLGATE_BOOTSTRAP_TOKEN: '00abcdefghij klmnopqrstuvwxyz' } }, /TOLLGATE_BOOTSTRAP_TOKEN/],
    ['a bad CIDR', { env: { TOLLGATE_TRUSTED_PROXIES: '10.0.0.0/33' } }, /TOLLGATE_TRUSTED_PROXIES \(--trusted-proxies\): "10.0.0.0\/33" is not an IP address or CIDR/],
    ['a host name as proxy', { env: { TOLLGATE_TRUSTED_PROXIES: 'proxy.local' } }, /TOLLGATE_TRUSTED_PROXIES/],
    ['an unknown log level', { env: { TOLLGATE_LOG_LEVEL: 'loud' } }, /TOLLGATE_LOG_LEVEL \(--log-level\)/],
    ['a tiny body limit', { env: { TOLLGATE_BODY_LIMIT: '10' } }, /TOLLGATE_BODY_LIMIT/],
  ];
  for (const [what, input, message] of refused) {
    it(`refuses ${what} with a one-line message naming the key`, () => {
      assert.throws(
        () => loadConfig(input),
        (error: unknown) => error instanceof ConfigError && message.test(error.message) && !error.message.includes('\n'),
      );
    });
  }
});
