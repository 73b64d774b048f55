/** @type {import('jest').Config} */
const swc = {
  jsc: {
    parser: { syntax: "typescript", decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: "es2022",
  },
  module: { type: "commonjs" },
  sourceMaps: "inline",
};

module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // The consumer test installs the packed package from the registry's peers: its own step (npm run test:consumer).
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/consumer/"],
  transform: { "^.+\\.ts$": ["@swc/jest", swc] },
  // Tests use the package as an app does: its built entry (npm test builds first).
  moduleNameMapper: { "^typeorm-data-script$": "<rootDir>/dist/index.js" },
  globalSetup: "<rootDir>/test/support/global-setup.ts",
  globalTeardown: "<rootDir>/test/support/global-teardown.ts",
  testTimeout: 120_000,
};
