import type { SimulcastLayer } from './sfu-transport';

/**
 * ion-sfu's data-channel request (`setRemoteMedia` in ion-sfu's
 * subscriberapi.go): which simulcast layer of one stream this subscriber
 * receives, and whether its audio. ion-sfu forwards everything until told
 * otherwise, so this message is how subscribe/unsubscribe/mute reach the SFU.
 */
export interface LayerMessage {
  /** The publisher's msid. */
  streamId: string;
  /** The layer to forward, or `'none'` to forward no video. */
  video: SimulcastLayer | 'none';
  /** Whether to forward the audio track. */
  audio: boolean;
  /** ion-sfu's temporal layer; ngx-trtc always asks for every frame. */
  framerate: 'high';
}

/** Builds the one data-channel message ngx-trtc sends ion-sfu. */
export function layerMessage(streamId: string, video: SimulcastLayer | 'none', audio: boolean): LayerMessage {
  return { streamId, video, audio, framerate: 'high' };
}
