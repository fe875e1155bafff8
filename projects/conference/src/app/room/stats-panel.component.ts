import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { DecimalPipe, PercentPipe } from '@angular/common';

import type { StreamStats } from '../conference.store';

/** Per-stream bitrates, resolution, frame rate, RTT and loss, sampled every two seconds. */
@Component({
  selector: 'app-stats-panel',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DecimalPipe, PercentPipe],
  template: `
    <table>
      <caption>Stream statistics (every 2 s)</caption>
      <thead>
        <tr>
          <th scope="col">Stream</th>
          <th scope="col">Video kbps</th>
          <th scope="col">Audio kbps</th>
          <th scope="col">Resolution</th>
          <th scope="col">FPS</th>
          <th scope="col">RTT</th>
          <th scope="col">Loss</th>
        </tr>
      </thead>
      <tbody>
        @for (row of rows(); track row.key) {
          <tr data-testid="stats-row" [attr.data-key]="row.key">
            <th scope="row">{{ row.direction === 'sent' ? '↑' : '↓' }} {{ row.label }}</th>
            <td>{{ row.videoKbps | number }}</td>
            <td>{{ row.audioKbps | number }}</td>
            <td>{{ row.width ? row.width + '×' + row.height : '–' }}</td>
            <td>{{ row.fps }}</td>
            <td>{{ row.rttMs }} ms</td>
            <td>{{ row.loss | percent: '1.0-1' }}</td>
          </tr>
        } @empty {
          <tr><td colspan="7">Collecting…</td></tr>
        }
      </tbody>
    </table>
  `,
  styles: `
    :host { display: block; overflow-x: auto; background: #1c2126; border-radius: 8px; padding: 8px; }
    table { border-collapse: collapse; width: 100%; font-size: 0.85rem; font-variant-numeric: tabular-nums; }
    caption { text-align: left; font-weight: 600; padding-bottom: 6px; }
    th, td { padding: 4px 8px; text-align: right; white-space: nowrap; }
    th[scope='row'], thead th:first-child { text-align: left; }
    tbody tr:nth-child(odd) { background: rgba(255, 255, 255, 0.03); }
  `,
})
export class StatsPanelComponent {
  readonly rows = input.required<readonly StreamStats[]>();
}
