import { ConfigError, loadConfig } from './app-config.js';

describe('loadConfig', () => {
  it('uses the SPEC defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 8000,
      HOST: '0.0.0.0',
      STREAM_MAXLEN: 1000,
      MAX_PAYLOAD_BYTES: 67108864,
    });
    expect(config.REDIS_URL).toBeUndefined();
  });

  it('reads and converts the environment', () => {
    const config = loadConfig({
      PORT: '9000',
      REDIS_URL: 'redis://r:6379',
      STREAM_MAXLEN: '0',
      GRAPHQL_SANDBOX: 'false',
    });
    expect(config.PORT).toBe(9000);
    expect(config.REDIS_URL).toBe('redis://r:6379');
    expect(config.STREAM_MAXLEN).toBe(0);
    expect(config.GRAPHQL_SANDBOX).toBe(false);
  });

  it('fails once, naming every bad variable', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        STREAM_MAXLEN: '-1',
        REDIS_URL: 'http://x',
        MAX_PAYLOAD_BYTES: '0',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['PORT', 'STREAM_MAXLEN', 'REDIS_URL', 'MAX_PAYLOAD_BYTES'])
      expect(message).toContain(name);
  });

  it('refuses a REDIS_URL that does not parse, on one line', () => {
    for (const url of ['redis://', 'redis://[::bad', 'redis://a:6379,redis://']) {
      expect(() => loadConfig({ REDIS_URL: url })).toThrow(/^invalid configuration: REDIS_URL=/);
    }
    const seeds = 'redis://a:1,redis://b:2';
    expect(loadConfig({ REDIS_URL: seeds, REDIS_CLUSTER: 'true' })).toMatchObject({
      REDIS_URL: seeds,
      REDIS_CLUSTER: true,
    });
    expect(() => loadConfig({ REDIS_URL: seeds })).toThrow(/several nodes need REDIS_CLUSTER/);
    expect(() =>
      loadConfig({ REDIS_URL: 'redis://a:1,http://b:2', REDIS_CLUSTER: 'true' }),
    ).toThrow(/^invalid configuration: REDIS_URL=/);
    expect(() => loadConfig({ PORT: 'x', HUB_READERS: '0' })).toThrow(/^[^\n]*HUB_READERS[^\n]*$/);
  });

  it('has the hardening defaults', () => {
    expect(loadConfig({})).toMatchObject({
      PULL_BATCH_BYTES: 8 * 1024 * 1024,
      REDIS_COMMAND_TIMEOUT_MS: 5000,
      WS_PING_INTERVAL_MS: 30000,
      REDIS_CLUSTER: false,
      REDIS_WAIT_REPLICAS: 0,
    });
  });
});
