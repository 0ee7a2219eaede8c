// The browser suite (npm run test:browser): not part of `npm test`, because it needs Debian's chromium, which CI
// installs first. Same transforms as the e2e project (NestJS 12 is ESM-only).
const { projects } = require('../../jest.config.js');

const e2e = projects.find((p) => p.displayName === 'e2e');

module.exports = {
  ...e2e,
  rootDir: '../..',
  displayName: 'browser',
  testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
  testTimeout: 180000,
};
