// The card-middleware suite (issue 3, item 5). Run it through scripts/ci/card-middleware.sh, which installs and
// starts pcscd, serves the virtual card through vpcd and sets the CM_* variables these tests read.
// One pcscd per machine (CARD-MIDDLEWARE.md §5): run in band.
const root = require('../../jest.config.js');
const e2e = root.projects.find((project) => project.displayName === 'e2e');

module.exports = {
  ...e2e,
  rootDir: '../..',
  displayName: 'card-middleware',
  testMatch: ['<rootDir>/test/card-middleware/**/*.card-spec.ts'],
  testTimeout: 60000,
  maxWorkers: 1,
};
