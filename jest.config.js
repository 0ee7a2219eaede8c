// Two projects: unit (*.spec.ts next to the code) and e2e (test/**/*.e2e-spec.ts, apps on real ports).
// Several dependencies are ESM-only (NestJS 12, pkijs, asn1js, …; ENVIRONMENT.md): jest on Node 20 cannot
// require() them, so babel turns exactly those packages into CommonJS (import.meta included).
const ESM_PACKAGES = [
  'pkijs',
  'asn1js',
  'bytestreamjs',
  'pvtsutils',
  'pvutils',
  '@noble',
  '@peculiar',
  'content-disposition',
  '@nestjs',
  'load-esm',
  'uid',
  'file-type',
  'strtok3',
  'token-types',
  '@tokenizer',
  '@borewit',
  'uint8array-extras',
  'canonicalize',
  '@scure',
];

const moduleNameMapper = {
  '^@madoguchi/(.*)$': '<rootDir>/libs/$1/src/index.ts',
  // export map with an "import" condition only: jest's CommonJS resolver needs the file itself
  '^canonicalize$': '<rootDir>/node_modules/canonicalize/lib/canonicalize.js',
};
const transform = {
  '^.+\\.ts$': [
    'ts-jest',
    {
      tsconfig: {
        isolatedModules: true,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        esModuleInterop: true,
        target: 'ES2023',
        module: 'commonjs',
        moduleResolution: 'node10',
        ignoreDeprecations: '6.0',
      },
    },
  ],
  '^.+\\.m?js$': [
    'babel-jest',
    {
      babelrc: false,
      configFile: false,
      plugins: [
        require.resolve('./test/support/babel-rename-esm-require.js'),
        'babel-plugin-transform-import-meta',
        '@babel/plugin-transform-modules-commonjs',
      ],
    },
  ],
};
const transformIgnorePatterns = [`/node_modules/(?!(${ESM_PACKAGES.join('|')})/)`];
// node, plus: the PostgreSQL databases a test file created (TEST_POSTGRES_URL) are dropped when the file ends
const testEnvironment = '<rootDir>/test/support/test-database-environment.ts';
const common = { moduleNameMapper, transform, transformIgnorePatterns, testEnvironment };

module.exports = {
  testTimeout: 60000,
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
