// DESIGN.md's package table: which workspace packages each package's runtime sources may import.
// eslint.config.js turns it into no-restricted-imports rules; scripts/boundaries.test.ts checks the
// package.json dependencies agree with it.
export const BOUNDARIES = {
  "packages/model": [],
  "packages/store": ["@ctem/model"],
  "packages/intel": ["@ctem/model"],
  "packages/discovery": ["@ctem/model"],
  "packages/engine": ["@ctem/model", "@ctem/intel"],
  "packages/testkit": ["@ctem/model"],
  "packages/bench": [
    "@ctem/model",
    "@ctem/store",
    "@ctem/intel",
    "@ctem/discovery",
    "@ctem/engine",
    "@ctem/testkit",
    "@ctem/server",
  ],
  "apps/server": ["@ctem/model", "@ctem/store", "@ctem/intel", "@ctem/discovery", "@ctem/engine"],
  "apps/web": ["@ctem/model"],
};

/** Test files may also import these (DESIGN.md: "test files may also import packages/testkit and packages/store"). */
export const TEST_ONLY_IMPORTS = ["@ctem/testkit", "@ctem/store"];
