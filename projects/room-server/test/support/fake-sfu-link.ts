/**
 * A fake ion-sfu link for unit tests. It implements the real SfuLink
 * interface so it cannot drift; tests script ion-sfu's side through it.
 */
import { RpcError } from '../../src/rpc/errors.js';
import type { SfuCandidate, SfuJoinRequest, SfuLink, SfuLinkEvents, SfuLinkFactory, SfuSessionDescription } from '../../src/sfu/sfu-link.js';
import { TypedEmitter } from '../../src/util/typed-emitter.js';

/** One call the server made to the fake. */
export type FakeSfuCall =
  | { method: 'join'; request: SfuJoinRequest }
  | { method: 'offer'; desc: SfuSessionDescription }
  | { method: 'answer'; desc: SfuSessionDescription }
  | { method: 'trickle'; target: 0 | 1; candidate: SfuCandidate };

/** How the fake answers join/offer. */
export type FakeSfuBehaviour = 'answer' | 'hang' | 'reject';

/** A scripted stand-in for ion-sfu. */
export class FakeSfuLink extends TypedEmitter<SfuLinkEvents> implements SfuLink {
  readonly calls: FakeSfuCall[] = [];
  isClosed = false;
  behaviour: FakeSfuBehaviour = 'answer';
  private readonly _hanging: Array<(err: RpcError) => void> = [];

  join(request: SfuJoinRequest): Promise<SfuSessionDescription> {
    this.calls.push({ method: 'join', request });
    return this._respond();
  }

  offer(desc: SfuSessionDescription): Promise<SfuSessionDescription> {
    this.calls.push({ method: 'offer', desc });
    return this._respond();
  }

  answer(desc: SfuSessionDescription): void {
    this.calls.push({ method: 'answer', desc });
  }

  trickle(target: 0 | 1, candidate: SfuCandidate): void {
    this.calls.push({ method: 'trickle', target, candidate });
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const reject of this._hanging.splice(0)) reject(new RpcError('SFU_UNAVAILABLE', 'the link was closed'));
    this.removeAllListeners();
  }

  /** ion-sfu renegotiates (server → client `offer`). */
  sendOffer(sdp: string): void {
    this.emit('offer', { type: 'offer', sdp });
  }

  /** ion-sfu sends a candidate. */
  sendTrickle(target: 0 | 1, candidate: SfuCandidate): void {
    this.emit('trickle', target, candidate);
  }

  /** ion-sfu goes away. */
  fail(message = 'ion-sfu closed the connection'): void {
    const error = new RpcError('SFU_UNAVAILABLE', message);
    for (const reject of this._hanging.splice(0)) reject(error);
    this.isClosed = true;
    this.emit('failed', error);
    this.removeAllListeners();
  }

  private _respond(): Promise<SfuSessionDescription> {
    if (this.isClosed) return Promise.reject(new RpcError('SFU_UNAVAILABLE', 'closed'));
    if (this.behaviour === 'reject') return Promise.reject(new RpcError('SFU_REJECTED', 'ion-sfu said no'));
    if (this.behaviour === 'hang') return new Promise((_, reject) => this._hanging.push(reject));
    return Promise.resolve({ type: 'answer', sdp: 'v=0\r\ns=fake-answer\r\n' });
  }
}

/** A factory that records every fake link it makes. */
export function fakeSfuFactory(): { factory: SfuLinkFactory; links: FakeSfuLink[]; behaviour: FakeSfuBehaviour } {
  const made = {
    links: [] as FakeSfuLink[],
    /** How links made from now on answer. */
    behaviour: 'answer' as FakeSfuBehaviour,
    factory: (): FakeSfuLink => {
      const link = new FakeSfuLink();
      link.behaviour = made.behaviour;
      made.links.push(link);
      return link;
    },
  };
  return made;
}
