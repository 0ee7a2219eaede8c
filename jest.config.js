// Two projects: unit (*.spec.ts next to the code) and e2e (test/**/*.e2e-spec.ts, apps on real ports).
// pkijs/asn1js are ESM-only: transform them (ENVIRONMENT.md).
const moduleNameMapper = {
  '^@madoguchi/(.*)$': '<rootDir>/libs/$1/src/index.ts',
};
const transform = {
  '^.+\\.[tj]s$': [
    'ts-jest',
    {
      isolatedModules: true,
      tsconfig: {
        allowJs: true,
        module: 'commonjs',
        moduleResolution: 'node10',
        ignoreDeprecations: '6.0',
      },
    },
  ],
};
const transformIgnorePatterns = [
  '/node_modules/(?!(pkijs|asn1js|bytestreamjs|pvtsutils|pvutils|@noble|@peculiar)/)',
];
const common = { moduleNameMapper, transform, transformIgnorePatterns, testEnvironment: 'node' };

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,scripts}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      testTimeout: 60000,
    },
  ],
};
