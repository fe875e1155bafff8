import { ChangeDetectionStrategy, Component, computed, effect, inject, signal, untracked } from '@angular/core';
import { AudioMeterComponent, VideoViewComponent } from 'ngx-trtc';

import { ConferenceStore } from '../conference.store';

const USER_ID = /^[A-Za-z0-9_.@-]{1,32}$/;
const ROOM_ID = /^[A-Za-z0-9 !#$%&()+\-:;<=.>?@[\]^_{}|~,]{1,64}$/;

/**
 * The lobby: room, name, mode and role, devices with a live preview and mic
 * meter, effects, and a link that opens the lobby with the room filled in.
 */
@Component({
  selector: 'app-lobby',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [VideoViewComponent, AudioMeterComponent],
  templateUrl: './lobby.component.html',
  styleUrl: './lobby.component.css',
})
export class LobbyComponent {
  protected readonly store = inject(ConferenceStore);
  protected readonly settings = this.store.settings;
  protected readonly copied = signal(false);

  protected readonly needsDevices = computed(() => this.settings().mode === 'call' || this.settings().role === 'anchor');
  protected readonly userIdValid = computed(() => USER_ID.test(this.settings().userId));
  protected readonly roomIdValid = computed(() => ROOM_ID.test(this.settings().roomId.trim()));
  protected readonly canJoin = computed(() => this.userIdValid() && this.roomIdValid() && this.store.phase() === 'lobby');
  protected readonly shareLink = computed(() => {
    const room = this.settings().roomId.trim();
    if (!room) return '';
    const url = new URL(location.href);
    url.search = '';
    url.hash = '';
    url.searchParams.set('room', room);
    if (this.settings().mode === 'live') url.searchParams.set('mode', 'live');
    return url.toString();
  });

  constructor() {
    this._prefillFromUrl();
    // The preview runs only while this user would send media: an audience never asks for devices.
    effect(() => {
      const needs = this.needsDevices();
      untracked(() => {
        if (needs) void this.store.startPreview();
        else this.store.stopPreview();
      });
    });
    // Keep the address bar's ?room= in step, so reloading or copying it works too.
    effect(() => {
      const link = this.shareLink();
      if (link) history.replaceState(null, '', link);
    });
  }

  protected setText(field: 'roomId' | 'userId' | 'passphrase', event: Event): void {
    this.store.patchSettings({ [field]: (event.target as HTMLInputElement).value });
  }

  protected setMode(event: Event): void {
    const mode = (event.target as HTMLSelectElement).value === 'live' ? 'live' : 'call';
    this.store.patchSettings({ mode, role: mode === 'call' ? 'anchor' : this.settings().role });
  }

  protected setRole(event: Event): void {
    this.store.patchSettings({ role: (event.target as HTMLSelectElement).value === 'audience' ? 'audience' : 'anchor' });
  }

  protected switchDevice(kind: 'audio' | 'video', event: Event): void {
    void this.store.switchDevice(kind, (event.target as HTMLSelectElement).value);
  }

  protected setMirror(event: Event): void {
    void this.store.setEffects((event.target as HTMLInputElement).checked, this.settings().beauty);
  }

  protected setBeauty(event: Event): void {
    void this.store.setEffects(this.settings().mirror, Number((event.target as HTMLInputElement).value));
  }

  protected setNoiseSuppression(event: Event): void {
    void this.store.setNoiseSuppression((event.target as HTMLInputElement).checked);
  }

  protected async copyLink(): Promise<void> {
    try {
      await navigator.clipboard.writeText(this.shareLink());
      this.copied.set(true);
      setTimeout(() => this.copied.set(false), 2000);
    } catch {
      // Clipboard access can be refused (insecure origin, permissions); the link stays selectable.
      this.copied.set(false);
    }
  }

  protected join(event: Event): void {
    event.preventDefault();
    if (this.canJoin()) void this.store.join();
  }

  private _prefillFromUrl(): void {
    const params = new URLSearchParams(location.search);
    const s = this.settings();
    const room = params.get('room');
    const mode = params.get('mode');
    const role = params.get('role');
    this.store.patchSettings({
      roomId: room ?? (s.roomId || String(1000 + Math.floor(Math.random() * 9000))),
      userId: s.userId || `guest_${Math.random().toString(36).slice(2, 7)}`,
      ...(mode === 'live' || mode === 'call' ? { mode } : {}),
      ...(role === 'audience' || role === 'anchor' ? { role } : {}),
    });
  }
}
