// Karma for the library: headless Chromium with fake camera/mic, and a
// reporter that writes counts to .test-results/lib.json for scripts/test.sh.
const fs = require('node:fs');
const path = require('node:path');

function CountReporter(baseReporterDecorator) {
  baseReporterDecorator(this);
  const counts = { passed: 0, failed: 0, skipped: 0 };
  this.onSpecComplete = (_browser, result) => {
    if (result.skipped || result.pending) counts.skipped++;
    else if (result.success) counts.passed++;
    else counts.failed++;
  };
  this.onRunComplete = (_browsers, results) => {
    if (results.error || results.disconnected) counts.failed = Math.max(counts.failed, 1);
    const file = process.env.TEST_RESULT_FILE;
    if (file) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify(counts));
    }
  };
}
CountReporter.$inject = ['baseReporterDecorator'];

module.exports = function (config) {
  config.set({
    basePath: '',
    frameworks: ['jasmine'],
    plugins: [
      require('karma-jasmine'),
      require('karma-chrome-launcher'),
      { 'reporter:count': ['type', CountReporter] },
    ],
    client: { jasmine: { random: false, timeoutInterval: 15000 }, clearContext: false },
    reporters: ['progress', 'count'],
    browsers: ['ChromeHeadlessFakeMedia'],
    customLaunchers: {
      ChromeHeadlessFakeMedia: {
        base: 'ChromeHeadless',
        flags: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--use-fake-device-for-media-stream=fps=30',
          '--use-fake-ui-for-media-stream',
          '--autoplay-policy=no-user-gesture-required',
          '--disable-features=WebRtcHideLocalIpsWithMdns',
        ],
      },
    },
    browserNoActivityTimeout: 120000,
    browserDisconnectTimeout: 30000,
    captureTimeout: 120000,
    singleRun: true,
    restartOnFileChange: false,
  });
};
