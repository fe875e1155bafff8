import type { Signal } from 'ion-sdk-js/lib/signal';

import type { SfuJoinConfig } from './protocol';

/**
 * What an SFU transport needs of the signaling link: ion-sdk-js's `Signal`
 * (join/offer/answer/trickle and the SFU's offers and candidates) plus the
 * start of an SFU session. The transport sees only this, so it cannot reach
 * into {@link RoomSignal}'s room requests or its state, and a fake link can
 * stand in for it.
 */
export interface SfuSignaling extends Signal {
  /**
   * Starts a new SFU session on this link: the next `join` carries `config`,
   * and trickles are held until that `join` has gone out (ion-sfu drops a
   * candidate for a session it does not know yet).
   */
  beginSfuSession(config: SfuJoinConfig): void;
}
