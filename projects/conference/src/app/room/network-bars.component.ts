import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import type { NetworkQualityLevel } from 'ngx-trtc';

const NAMES = ['unknown', 'excellent', 'good', 'poor', 'bad', 'very bad', 'disconnected'];

/** Four bars for TRTC's 0–6 network quality (1 excellent … 5 very bad, 6 disconnected). */
@Component({
  selector: 'app-network-bars',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @for (bar of bars; track bar) {
      <span class="bar" [class.on]="bar <= lit()" [style.height.px]="3 + bar * 3"></span>
    }
  `,
  host: {
    role: 'img',
    'data-testid': 'network-bars',
    '[attr.data-level]': 'level()',
    '[attr.aria-label]': '"network " + name()',
    '[attr.title]': '"Network: " + name()',
    '[class]': '"q" + level()',
  },
  styles: `
    :host { display: inline-flex; align-items: flex-end; gap: 2px; height: 15px; padding: 2px 4px; border-radius: 4px; background: rgba(0, 0, 0, 0.55); }
    .bar { width: 3px; background: #5f6368; border-radius: 1px; }
    :host(.q1) .bar.on, :host(.q2) .bar.on { background: #34a853; }
    :host(.q3) .bar.on { background: #fbbc04; }
    :host(.q4) .bar.on, :host(.q5) .bar.on { background: #ea4335; }
  `,
})
export class NetworkBarsComponent {
  readonly level = input<NetworkQualityLevel>(0);
  protected readonly bars = [1, 2, 3, 4];
  protected readonly lit = computed(() => {
    const level = this.level();
    if (level === 0 || level === 6) return 0;
    return 5 - Math.min(4, level);
  });
  protected readonly name = computed(() => NAMES[this.level()] ?? 'unknown');
}
