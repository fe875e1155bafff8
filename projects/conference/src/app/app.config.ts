import { ApplicationConfig, provideZonelessChangeDetection } from '@angular/core';
import { provideTrtc } from 'ngx-trtc';

/**
 * The conference app's providers: zoneless change detection and ngx-trtc.
 * room-server serves this app, so the default server URL (`/rtc` on the
 * page's host) is the right one; set `serverUrl` when they live apart.
 */
export const appConfig: ApplicationConfig = {
  providers: [provideZonelessChangeDetection(), provideTrtc({})],
};
