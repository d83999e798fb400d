import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, envBool, envInt, readBaseConfig } from './env.js';

describe('config from the environment', () => {
  it('uses defaults and reads overrides', () => {
    const c = readBaseConfig({}, 9999);
    assert.equal(c.redisUrl, 'redis://127.0.0.1:6379');
    assert.equal(c.prefix, 'cf');
    assert.equal(c.metricsPort, 9999);
    assert.equal(readBaseConfig({ METRICS_PORT: '1234', KEY_PREFIX: 'x1' }, 1).metricsPort, 1234);
  });

  it('fails at startup on bad values, naming the variable', () => {
    assert.throws(
      () => envInt({ N: 'ten' }, 'N', 1),
      (e: unknown) => e instanceof ConfigError && /N must be an integer/.test(e.message),
    );
    assert.throws(() => envInt({ N: '5' }, 'N', 1, 10), ConfigError);
    assert.throws(() => envBool({ B: 'maybe' }, 'B', true), ConfigError);
    assert.throws(() => readBaseConfig({ REDIS_URL: 'http://x' }, 1), ConfigError);
    assert.throws(() => readBaseConfig({ KEY_PREFIX: 'a b' }, 1), ConfigError);
    assert.throws(() => readBaseConfig({ LOG_LEVEL: 'loud' }, 1), ConfigError);
  });

  it('reads the Redis URL from REDIS_URL_FILE, keeping the password out of the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chatfleet-cfg-'));
    const file = join(dir, 'redis-url');
    writeFileSync(file, 'rediss://:s3cret@redis.internal:6379\n', { mode: 0o600 });
    assert.equal(
      readBaseConfig({ REDIS_URL_FILE: file }, 1).redisUrl,
      'rediss://:s3cret@redis.internal:6379',
    );
    assert.throws(
      () => readBaseConfig({ REDIS_URL_FILE: join(dir, 'missing') }, 1),
      (e: unknown) =>
        e instanceof ConfigError && /REDIS_URL_FILE .* cannot be read/.test(e.message),
    );
    assert.throws(
      () => readBaseConfig({ REDIS_URL_FILE: file, REDIS_URL: 'redis://x' }, 1),
      ConfigError,
    );
  });
});
