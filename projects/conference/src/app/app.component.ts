import { ChangeDetectionStrategy, Component } from '@angular/core';

/** The conference app's shell. */
@Component({
  selector: 'app-root',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<main><h1>ngx-trtc conference</h1></main>`,
})
export class AppComponent {}
