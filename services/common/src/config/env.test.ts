import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
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
});
