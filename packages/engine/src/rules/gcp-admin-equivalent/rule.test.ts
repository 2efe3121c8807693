import { describe, expect, it } from "vitest";
import { G, GcpEstate } from "../../../test/gcp-estate.js";
import { gcpAdminEquivalent } from "./rule.js";

describe("gcp-admin-equivalent", () => {
  it("roles/owner at project, folder or organization is admin; on a bucket or with a condition it is not", async () => {
    const e = new GcpEstate()
      .serviceAccount("project-owner")
      .serviceAccount("folder-owner")
      .serviceAccount("bucket-owner")
      .serviceAccount("conditional")
      .bucket("b")
      .policy(G.project, "project", [{ role: "roles/owner", members: [G.member("project-owner")] }])
      .policy(G.folder, "folder", [
        { role: "roles/owner", members: [G.member("folder-owner")] },
        {
          role: "roles/owner",
          members: [G.member("conditional")],
          condition: { expression: "request.time < timestamp('2020-01-01T00:00:00Z')" },
        } as { role: string; members: string[] },
      ])
      .policy(G.bucket("b"), "resource", [{ role: "roles/owner", members: [G.member("bucket-owner")] }]);
    const r = await e.run([gcpAdminEquivalent]);
    expect(r.adminEquivalent.map((a) => a.id).sort()).toEqual(
      [G.sa("folder-owner"), G.sa("project-owner")].sort(),
    );
  });
});
