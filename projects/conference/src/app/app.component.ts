import { ChangeDetectionStrategy, Component, inject } from '@angular/core';

import { ConferenceStore } from './conference.store';
import { LobbyComponent } from './lobby/lobby.component';
import { RoomComponent } from './room/room.component';

/** The conference app's shell: the lobby until joined, then the room. */
@Component({
  selector: 'app-root',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [LobbyComponent, RoomComponent],
  template: `
    <header class="app-header">
      <h1>ngx-trtc conference</h1>
    </header>
    <main [attr.data-phase]="store.phase()">
      @if (store.phase() === 'room') {
        <app-room />
      } @else {
        <app-lobby />
      }
    </main>
  `,
  styles: `
    .app-header { padding: 10px 16px; border-bottom: 1px solid #2d3136; }
    h1 { margin: 0; font-size: 1.1rem; font-weight: 600; }
  `,
})
export class AppComponent {
  protected readonly store = inject(ConferenceStore);
}
