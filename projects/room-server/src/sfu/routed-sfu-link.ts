/**
 * An {@link SfuLink} that chooses its ion-sfu node when it joins: the node
 * choice may need the state store (asynchronous), while sessions create
 * links synchronously. Frames sent before the node is chosen wait in order.
 */
import { RpcError } from '../rpc/errors.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import type { SfuCandidate, SfuJoinRequest, SfuLink, SfuLinkEvents, SfuSessionDescription } from './sfu-link.js';
import type { SfuNode } from './sfu-nodes.js';

/** Routes one peer's link to the node `pick` chooses. */
export class RoutedSfuLink extends TypedEmitter<SfuLinkEvents> implements SfuLink {
  private _inner: SfuLink | undefined;
  private _ready: Promise<SfuLink> | undefined;
  private readonly _queued: Array<(link: SfuLink) => void> = [];
  private _isClosed = false;

  constructor(
    private readonly _pick: () => Promise<SfuNode>,
    private readonly _create: (node: SfuNode) => SfuLink,
  ) {
    super();
  }

  join(request: SfuJoinRequest): Promise<SfuSessionDescription> {
    if (this._ready) return Promise.reject(new RpcError('INVALID_OPERATION', 'already joined ion-sfu on this link'));
    this._ready = this._connect();
    return this._ready.then((link) => link.join(request));
  }

  async offer(desc: SfuSessionDescription): Promise<SfuSessionDescription> {
    if (!this._ready) throw new RpcError('INVALID_OPERATION', 'send join first');
    return (await this._ready).offer(desc);
  }

  answer(desc: SfuSessionDescription): void {
    this._forward((link) => link.answer(desc));
  }

  trickle(target: 0 | 1, candidate: SfuCandidate): void {
    this._forward((link) => link.trickle(target, candidate));
  }

  close(): void {
    if (this._isClosed) return;
    this._isClosed = true;
    this._queued.length = 0;
    this._inner?.close();
    this.removeAllListeners();
  }

  private async _connect(): Promise<SfuLink> {
    let node: SfuNode;
    try {
      node = await this._pick();
    } catch (err) {
      throw new RpcError('SFU_UNAVAILABLE', 'no ion-sfu node could be chosen', { cause: err });
    }
    if (this._isClosed) throw new RpcError('SFU_UNAVAILABLE', 'the link was closed');
    const link = this._create(node);
    this._inner = link;
    link.on('offer', (desc) => this.emit('offer', desc));
    link.on('trickle', (target, candidate) => this.emit('trickle', target, candidate));
    link.on('failed', (error) => this.emit('failed', error));
    for (const send of this._queued.splice(0)) send(link);
    return link;
  }

  private _forward(send: (link: SfuLink) => void): void {
    if (this._isClosed) return;
    if (this._inner) send(this._inner);
    else this._queued.push(send);
  }
}
