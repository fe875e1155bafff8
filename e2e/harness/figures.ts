/**
 * Figures measured by reliability, security and load specs: printed as they
 * are taken and collected in `.test-results/figures/<group>.json`, which
 * docs/RELIABILITY.md quotes from the last run.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ROOT } from './stack.js';

/** Where figure files go. */
export const FIGURES_DIR = join(ROOT, '.test-results', 'figures');

/** Records `name = value` in `<group>.json` (merged with earlier figures of the same run) and prints it. */
export function recordFigure(group: string, name: string, value: unknown): void {
  mkdirSync(FIGURES_DIR, { recursive: true });
  const file = join(FIGURES_DIR, `${group}.json`);
  let figures: Record<string, unknown> = {};
  try {
    figures = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // First figure of this group in this run.
  }
  figures[name] = value;
  figures['_updatedAt'] = new Date().toISOString();
  writeFileSync(file, JSON.stringify(figures, null, 2) + '\n');
  console.log(`[figure] ${group}.${name} = ${JSON.stringify(value)}`);
}
