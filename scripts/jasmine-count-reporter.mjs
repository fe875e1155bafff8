// A Jasmine reporter that prints progress and failures, and writes the
// suite's counts to TEST_RESULT_FILE for scripts/test.sh's summary line.
import { writeFileSync } from 'node:fs';

export default class CountReporter {
  constructor() {
    this.counts = { passed: 0, failed: 0, skipped: 0 };
    this.failures = [];
  }

  specDone(result) {
    if (result.status === 'passed') {
      this.counts.passed++;
      process.stdout.write(`  ✓ ${result.fullName}\n`);
    } else if (result.status === 'failed') {
      this.counts.failed++;
      process.stdout.write(`  ✗ ${result.fullName}\n`);
      this.failures.push(result);
    } else {
      this.counts.skipped++;
    }
  }

  suiteDone(result) {
    // A failure in beforeAll/afterAll is reported on the suite, not a spec.
    if (result.status === 'failed' && result.failedExpectations.length > 0) {
      this.counts.failed++;
      this.failures.push(result);
    }
  }

  jasmineDone(result) {
    if (result.overallStatus === 'failed' && result.failedExpectations?.length) {
      this.counts.failed++;
      this.failures.push({ fullName: '(top level)', failedExpectations: result.failedExpectations });
    }
    for (const f of this.failures) {
      process.stdout.write(`\nFAILED: ${f.fullName}\n`);
      for (const e of f.failedExpectations) {
        process.stdout.write(`  ${e.message}\n${(e.stack ?? '').split('\n').slice(0, 6).join('\n')}\n`);
      }
    }
    if (process.env.TEST_RESULT_FILE) {
      writeFileSync(process.env.TEST_RESULT_FILE, JSON.stringify(this.counts));
    }
  }
}
