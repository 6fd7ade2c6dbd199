import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('configuration', () => {
  it('when nothing is set, then the embedded defaults apply and the result is frozen', () => {
    const config = loadConfig({});
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.S3_ENDPOINT).toBeUndefined();
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.PORT).toBe(8080);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('when several variables are invalid, then every one of them is listed', () => {
    try {
      loadConfig({
        PORT: 'eighty',
        REDIS_URL: 'not a url',
        DATABASE_SCHEMA: 'Robert; DROP',
        S3_ENDPOINT: 'http://minio:9000',
      });
      expect.unreachable('loadConfig should throw');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      for (const name of ['PORT', 'REDIS_URL', 'DATABASE_SCHEMA', 'S3_ACCESS_KEY']) expect(problems).toContain(name);
    }
  });

  it('when an empty string is given for an optional URL, then it counts as unset', () => {
    expect(loadConfig({ DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
  });
});
