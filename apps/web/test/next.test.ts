import { describe, expect, it } from "vitest";
import { safeNext } from "../src/next";

describe("safeNext (where the login page returns to)", () => {
  it("keeps deep links on this site, with their query", () => {
    expect(safeNext("/issues/ISS-12")).toBe("/issues/ISS-12");
    expect(safeNext("/issues?severity=critical&sort=dueAt")).toBe("/issues?severity=critical&sort=dueAt");
  });
  it("refuses other sites, API paths, the login page itself and nothing", () => {
    for (const bad of [
      "https://evil.example/",
      "//evil.example/x",
      "/\\evil.example",
      "/api/auth/logout",
      "/login?next=/x",
      "",
      null,
    ])
      expect(safeNext(bad)).toBe("/");
  });
});
