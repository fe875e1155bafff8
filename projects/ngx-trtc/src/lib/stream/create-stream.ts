import { LocalStream, LocalStreamDeps } from './local-stream';
import { StreamConfig } from './stream-config';

export type { StreamConfig } from './stream-config';
export { LocalStream } from './local-stream';

/**
 * `TRTC.createStream(config)`: a local stream to `initialize()` and publish.
 * Throws INVALID_PARAMETER for a config that asks for nothing or for
 * contradictory sources. `deps` lets DI (StreamService) supply media devices.
 */
export function createStream(config: StreamConfig, deps?: Partial<LocalStreamDeps>): LocalStream {
  return new LocalStream(config, deps);
}
