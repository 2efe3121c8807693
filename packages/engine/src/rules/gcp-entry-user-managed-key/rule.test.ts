import { describe, expect, it } from "vitest";
import { G, GcpEstate } from "../../../test/gcp-estate.js";
import { gcpEntryUserManagedKey } from "./rule.js";

describe("gcp-entry-user-managed-key", () => {
  it("user-managed, enabled, unexpired keys make entries; system-managed, disabled or expired keys do not", async () => {
    const e = new GcpEstate()
      .serviceAccount("leaky")
      .key("leaky", "USER_MANAGED", { validBeforeTime: "9999-12-31T23:59:59Z" })
      .serviceAccount("google")
      .key("google", "SYSTEM_MANAGED")
      .serviceAccount("off")
      .key("off", "USER_MANAGED", { disabled: true })
      .serviceAccount("old")
      .key("old", "USER_MANAGED", { validBeforeTime: "2020-01-01T00:00:00Z" });
    const r = await e.run([gcpEntryUserManagedKey]);
    expect(r.entries.map((x) => x.id)).toEqual([G.sa("leaky")]);
    expect(r.entries[0]!.reason).toBe("access_key");
  });
});
