/**
 * The encryption worker: every encoded audio/video frame of this client's
 * senders is sealed here, every received one opened (AES-GCM, WebCrypto), off
 * the main thread. Bundled with esbuild into a generated module (see
 * scripts/build-media-extras.mjs) and started from a Blob URL, so an app needs
 * no asset.
 *
 * Frames reach it through RTCRtpScriptTransform (`rtctransform` events) or,
 * where that is missing, as transferred insertable streams (`attach`).
 */
import type { E2eeFrameState, FromWorker, ToWorker, TransformOptions } from '../e2ee-protocol';
import { clearHeaderBytes, openFrame, sealFrame } from '../frame-crypto';

/** The parts of RTCRtpScriptTransformer used here (lib.webworker types are not in this project's lib). */
interface ScriptTransformer {
  readonly readable: ReadableStream<EncodedFrame>;
  readonly writable: WritableStream<EncodedFrame>;
  readonly options: TransformOptions;
  sendKeyFrameRequest?(): Promise<void>;
}

/** RTCEncodedVideoFrame / RTCEncodedAudioFrame, as far as read here. */
interface EncodedFrame {
  data: ArrayBuffer;
  readonly type?: 'key' | 'delta' | 'empty';
  getMetadata?(): { mimeType?: string };
}

interface WorkerScope {
  postMessage(message: FromWorker): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<ToWorker>) => void): void;
  addEventListener(type: 'rtctransform', listener: (event: Event & { transformer: ScriptTransformer }) => void): void;
}

const scope = globalThis as unknown as WorkerScope;

/** Shared keys under '' (no userId), per-sender keys under the userId. */
const keys = new Map<string, Map<number, CryptoKey>>();
let sendKeyId = 0;
let ownUserId = '';

/** One sender or receiver and the state last reported for it. */
interface Endpoint {
  options: TransformOptions;
  userId: string | undefined;
  state: E2eeFrameState | null;
  keyId: number | undefined;
  requestKeyFrame: (() => void) | null;
}
const endpoints = new Map<number, Endpoint>();

function keyOf(userId: string | null | undefined, keyId: number): CryptoKey | undefined {
  return (userId ? keys.get(userId)?.get(keyId) : undefined) ?? keys.get('')?.get(keyId);
}

function report(endpoint: Endpoint, state: E2eeFrameState, keyId: number | undefined, message: string): void {
  if (endpoint.state === state && endpoint.keyId === keyId) return;
  const recovered = state === 'ok' && endpoint.state !== null && endpoint.state !== 'ok';
  endpoint.state = state;
  endpoint.keyId = keyId;
  scope.postMessage({ type: 'state', id: endpoint.options.id, state, keyId, message });
  // The decoder saw nothing while frames were dropped: ask for a keyframe to resume the picture now.
  if (recovered && endpoint.options.direction === 'receive' && endpoint.options.kind === 'video') endpoint.requestKeyFrame?.();
}

async function seal(endpoint: Endpoint, frame: EncodedFrame): Promise<boolean> {
  const { kind } = endpoint.options;
  const plain = new Uint8Array(frame.data);
  const clear = clearHeaderBytes({ kind, mimeType: frame.getMetadata?.().mimeType, isKeyFrame: frame.type === 'key' }, plain.length);
  if (clear === null) {
    report(endpoint, 'unsupported-codec', undefined, `${frame.getMetadata?.().mimeType} frames cannot be end-to-end encrypted; not sent`);
    return false;
  }
  const keyId = sendKeyId;
  const key = keyOf(ownUserId, keyId);
  if (!key) {
    report(endpoint, 'missing-key', keyId, `no key with id ${keyId} to encrypt with; ${kind} is not sent`);
    return false;
  }
  frame.data = await sealFrame(key, keyId, plain, clear);
  report(endpoint, 'ok', keyId, `${kind} encrypted with key ${keyId}`);
  return true;
}

async function open(endpoint: Endpoint, frame: EncodedFrame): Promise<boolean> {
  const { kind } = endpoint.options;
  const result = await openFrame(new Uint8Array(frame.data), (keyId) => keyOf(endpoint.userId, keyId));
  if (result.ok) {
    frame.data = result.data;
    report(endpoint, 'ok', result.keyId, `${kind} decrypted with key ${result.keyId}`);
    return true;
  }
  const from = endpoint.userId ? ` from ${endpoint.userId}` : '';
  const messages: Record<typeof result.reason, string> = {
    unencrypted: `${kind}${from} is not end-to-end encrypted; dropped`,
    'missing-key': `no key with id ${result.keyId} for ${kind}${from}; dropped`,
    'decrypt-failed': `${kind}${from} does not decrypt with key ${result.keyId} (wrong key?); dropped`,
  };
  report(endpoint, result.reason, result.keyId, messages[result.reason]);
  return false;
}

function run(options: TransformOptions, readable: ReadableStream<EncodedFrame>, writable: WritableStream<EncodedFrame>, requestKeyFrame: (() => void) | null): void {
  const endpoint: Endpoint = { options, userId: options.userId, state: null, keyId: undefined, requestKeyFrame };
  endpoints.set(options.id, endpoint);
  const step = options.direction === 'send' ? seal : open;
  readable
    .pipeThrough(
      new TransformStream<EncodedFrame, EncodedFrame>({
        async transform(frame, controller) {
          // A frame that failed is dropped: the decoder never sees garbage.
          if (await step(endpoint, frame)) controller.enqueue(frame);
        },
      }),
    )
    .pipeTo(writable)
    .catch((error: unknown) => {
      // A sender/receiver that stops ends its streams; anything else is worth telling.
      if (endpoints.get(options.id) === endpoint && !isStreamClosed(error)) {
        report(endpoint, 'error', undefined, `encoded transform failed: ${String(error)}`);
      }
    })
    .finally(() => {
      if (endpoints.get(options.id) === endpoint) endpoints.delete(options.id);
    });
}

function isStreamClosed(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name;
  return name === 'InvalidStateError' || name === 'AbortError';
}

scope.addEventListener('rtctransform', (event) => {
  const transformer = event.transformer;
  const requestKeyFrame = transformer.sendKeyFrameRequest
    ? () => void transformer.sendKeyFrameRequest!().catch(() => undefined)
    : null;
  run(transformer.options, transformer.readable, transformer.writable, requestKeyFrame);
});

scope.addEventListener('message', (event) => {
  const message = event.data;
  switch (message.type) {
    case 'key': {
      const owner = message.userId ?? '';
      let byId = keys.get(owner);
      if (!byId) keys.set(owner, (byId = new Map()));
      byId.set(message.keyId, message.key);
      break;
    }
    case 'remove-key':
      keys.get(message.userId ?? '')?.delete(message.keyId);
      break;
    case 'send-key':
      sendKeyId = message.keyId;
      ownUserId = message.userId;
      break;
    case 'bind': {
      const endpoint = endpoints.get(message.id);
      if (endpoint) endpoint.userId = message.userId;
      break;
    }
    case 'attach':
      run(message.options, message.readable as ReadableStream<EncodedFrame>, message.writable as WritableStream<EncodedFrame>, null);
      break;
    case 'detach':
      endpoints.delete(message.id);
      break;
  }
});
