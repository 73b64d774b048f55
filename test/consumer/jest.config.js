/** The consumer test (npm run test:consumer): the packed package installed into apps of their own. */
const base = require("../../jest.config.js");

module.exports = {
  ...base,
  rootDir: "../..",
  roots: ["<rootDir>/test/consumer"],
  testPathIgnorePatterns: ["/node_modules/"],
  testTimeout: 600_000,
};
