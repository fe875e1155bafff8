import { ApplicationConfig, provideZonelessChangeDetection } from '@angular/core';

/** The conference app's providers: zoneless change detection. */
export const appConfig: ApplicationConfig = {
  providers: [provideZonelessChangeDetection()],
};
