/** The cluster settings of the configuration: state store and ion-sfu nodes. */
import { ConfigError, loadConfig, resolveConfig } from '../../src/config.js';

describe('config: state and sfuNodes', () => {
  it('defaults to in-memory state and one ion-sfu node at sfuUrl', () => {
    const config = resolveConfig({ sfuUrl: 'ws://127.0.0.1:7001/ws' });
    expect(config.state).toEqual({ kind: 'memory' });
    expect(config.sfuNodes).toEqual([{ id: 'default', url: 'ws://127.0.0.1:7001/ws' }]);
  });

  it('takes a node list; sfuUrl then defaults to the first node', () => {
    const nodes = [{ id: 'a', url: 'ws://10.0.0.1:7000/ws' }, { id: 'b', url: 'ws://10.0.0.2:7000/ws' }];
    const config = resolveConfig({ sfuNodes: nodes, sfuHealthCheck: { intervalMs: 500 } });
    expect(config.sfuNodes).toEqual(nodes);
    expect(config.sfuUrl).toBe('ws://10.0.0.1:7000/ws');
    expect(config.sfuHealthCheck).toEqual({ intervalMs: 500, timeoutMs: 1000 });
    expect(() => resolveConfig({ sfuNodes: [nodes[0], nodes[0]] })).toThrowError(ConfigError, /twice/);
    expect(() => resolveConfig({ sfuNodes: [{ id: 'a b', url: 'ws://x' }] })).toThrowError(ConfigError);
  });

  it('redis state needs a redis:// url and fills in the rest', () => {
    expect(resolveConfig({ state: { kind: 'redis', url: 'redis://127.0.0.1:6379' } }).state).toEqual({
      kind: 'redis',
      url: 'redis://127.0.0.1:6379',
      instanceId: null,
      keyPrefix: 'ngx-trtc:',
      heartbeatMs: 2000,
    });
    expect(() => resolveConfig({ state: { kind: 'redis' } })).toThrowError(ConfigError, /url/);
    expect(() => resolveConfig({ state: { kind: 'redis', url: 'http://x' } })).toThrowError(ConfigError);
    expect(() => resolveConfig({ state: { kind: 'memory', url: 'redis://x' } })).toThrowError(ConfigError);
  });

  it('reads ROOM_SERVER_REDIS_URL, ROOM_SERVER_INSTANCE_ID and ROOM_SERVER_SFU_NODES', () => {
    const config = loadConfig({
      env: {
        ROOM_SERVER_REDIS_URL: 'redis://10.0.0.9:6379/2',
        ROOM_SERVER_INSTANCE_ID: 'rs-1',
        ROOM_SERVER_SFU_NODES: '[{"id":"a","url":"ws://10.0.0.1:7000/ws"}]',
      },
    });
    expect(config.state).toEqual(jasmine.objectContaining({ kind: 'redis', url: 'redis://10.0.0.9:6379/2', instanceId: 'rs-1' }));
    expect(config.sfuNodes).toEqual([{ id: 'a', url: 'ws://10.0.0.1:7000/ws' }]);
    expect(() => loadConfig({ env: { ROOM_SERVER_SFU_NODES: 'nope' } })).toThrowError(ConfigError);
  });
});
