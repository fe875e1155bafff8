/**
 * Schemas of every client → server message (docs/protocol.md). Handlers
 * only ever see values these produced.
 */
import { array, boolean, integer, literal, nullable, object, optional, string, union, type Infer } from './schema.js';

/** TRTC user ids: letters, digits, `_ - . @`, up to 32 chars. */
export const userIdSchema = string({ min: 1, max: 32, pattern: /^[A-Za-z0-9_.@-]+$/ });

/** Numeric room ids (u32, as TRTC) … */
export const numericRoomIdSchema = integer({ min: 1, max: 4294967294 });
/** … and string room ids (TRTC's character set, up to 64 chars); the two are distinct namespaces. */
export const stringRoomIdSchema = string({ min: 1, max: 64, pattern: /^[A-Za-z0-9 !#$%&()+\-:;<=.>?@[\]^_{}|~,]+$/ });
/** A numeric or string room id. */
export const roomIdSchema = union(numericRoomIdSchema, stringRoomIdSchema);

/** A TLSSigAPIv2 token (UserSig or privateMapKey). */
const tokenSchema = string({ min: 1, max: 4096 });

/** The largest SDP accepted; the frame limit bounds it too. */
export const MAX_SDP_LENGTH = 60 * 1024;

/** A session description of the given type(s). */
export function sessionDescription<const T extends readonly ('offer' | 'answer' | 'pranswer' | 'rollback')[]>(...types: T) {
  return object({ type: literal(...types), sdp: string({ min: 1, max: MAX_SDP_LENGTH }) });
}

/** An RTCIceCandidateInit. */
export const candidateSchema = object({
  candidate: string({ max: 1024 }),
  sdpMid: optional(nullable(string({ max: 64 }))),
  sdpMLineIndex: optional(nullable(integer({ min: 0, max: 1023 }))),
  usernameFragment: optional(nullable(string({ max: 256 }))),
});

/** MediaStream ids as they appear in `a=msid`: visible ASCII, no spaces. */
export const streamIdSchema = string({ min: 1, max: 128, pattern: /^[\x21-\x7e]+$/ });

export const roleSchema = literal('anchor', 'audience');
export const streamTypeSchema = literal('main', 'auxiliary');

/** A CDN stream id: it names the RTMP stream and the recording file. */
export const cdnStreamIdSchema = string({ min: 1, max: 128, pattern: /^[A-Za-z0-9_.-]+$/ });

/** trtc-js-sdk's MixUser; `userId` may be a preset-layout placeholder. */
export const mixUserSchema = object({
  userId: union(userIdSchema, literal('$PLACE_HOLDER_REMOTE$', '$PLACE_HOLDER_LOCAL_MAIN$', '$PLACE_HOLDER_LOCAL_SUB$')),
  roomId: optional(roomIdSchema),
  pureAudio: boolean(),
  width: optional(integer({ min: 0, max: 3840 })),
  height: optional(integer({ min: 0, max: 2160 })),
  locationX: optional(integer({ min: 0, max: 3840 })),
  locationY: optional(integer({ min: 0, max: 2160 })),
  zOrder: optional(integer({ min: 1, max: 15 })),
  streamType: optional(streamTypeSchema),
});

/** trtc-js-sdk's MixTranscodeConfig (ranges as its documentation gives them). */
export const mixTranscodeConfigSchema = object({
  mode: optional(literal('manual', 'preset-layout')),
  streamId: optional(union(literal(''), cdnStreamIdSchema)),
  videoWidth: optional(integer({ min: 0, max: 3840 })),
  videoHeight: optional(integer({ min: 0, max: 2160 })),
  videoBitrate: optional(integer({ min: 0, max: 20_000 })),
  videoFramerate: optional(integer({ min: 1, max: 30 })),
  videoGOP: optional(integer({ min: 1, max: 8 })),
  audioSampleRate: optional(literal(16000, 32000, 44100, 48000)),
  audioBitrate: optional(integer({ min: 32, max: 192 })),
  audioChannels: optional(literal(1, 2)),
  backgroundColor: optional(integer({ min: 0, max: 0xffffff })),
  backgroundImage: optional(string({ max: 1024 })),
  mixUsers: array(mixUserSchema, { max: 16 }),
});

/** trtc-js-sdk's PublishCDNStreamOptions; `appId`/`bizId` (Tencent's CDN) are accepted and unused. */
export const publishCdnStreamSchema = object({
  streamId: optional(union(literal(''), cdnStreamIdSchema)),
  appId: optional(integer({ min: 0, max: 4294967295 })),
  bizId: optional(integer({ min: 0, max: 4294967295 })),
  url: optional(string({ min: 1, max: 2048, pattern: /^rtmps?:\/\/[^\s]+$/ })),
});

/** Params of each method, by method name. */
export const paramsSchemas = {
  'room.join': object({
    sdkAppId: integer({ min: 1, max: 4294967295 }),
    userId: userIdSchema,
    userSig: tokenSchema,
    roomId: roomIdSchema,
    mode: literal('rtc', 'live', 'videoCall'),
    role: optional(roleSchema),
    privateMapKey: optional(tokenSchema),
  }),
  join: object({
    offer: sessionDescription('offer'),
    config: optional(
      object({
        NoPublish: optional(boolean()),
        NoSubscribe: optional(boolean()),
        NoAutoSubscribe: optional(boolean()),
      }),
    ),
  }),
  offer: object({ desc: sessionDescription('offer') }),
  answer: object({ desc: sessionDescription('answer') }),
  trickle: object({ target: literal(0, 1), candidate: candidateSchema }),
  'stream.publish': object({
    streamId: streamIdSchema,
    type: streamTypeSchema,
    hasAudio: boolean(),
    hasVideo: boolean(),
    audioMuted: optional(boolean()),
    videoMuted: optional(boolean()),
    simulcast: optional(boolean()),
  }),
  'stream.unpublish': object({ streamId: streamIdSchema }),
  'stream.update': object({
    streamId: streamIdSchema,
    hasAudio: optional(boolean()),
    hasVideo: optional(boolean()),
    audioMuted: optional(boolean()),
    videoMuted: optional(boolean()),
    simulcast: optional(boolean()),
  }),
  'room.switchRole': object({ role: roleSchema, privateMapKey: optional(tokenSchema) }),
  'room.leave': object({}),
  'rtc.ping': object({}),
  'egress.startMixTranscode': mixTranscodeConfigSchema,
  'egress.stopMixTranscode': object({}),
  'egress.startPublishCDNStream': publishCdnStreamSchema,
  'egress.stopPublishCDNStream': object({}),
} as const;

/** A method the server knows. */
export type MethodName = keyof typeof paramsSchemas;
/** The validated params of a method. */
export type ParamsOf<M extends MethodName> = Infer<(typeof paramsSchemas)[M]>;

/** Whether `method` names a known method (own keys only: `__proto__` is not a method). */
export function isMethodName(method: string): method is MethodName {
  return Object.prototype.hasOwnProperty.call(paramsSchemas, method);
}

/** Methods a client may send as a notification (no `id`); the rest need a request. */
export const NOTIFICATION_METHODS: ReadonlySet<MethodName> = new Set<MethodName>(['answer', 'trickle']);

export type SessionDescriptionInit = Infer<ReturnType<typeof sessionDescription>>;
export type IceCandidateInit = Infer<typeof candidateSchema>;
