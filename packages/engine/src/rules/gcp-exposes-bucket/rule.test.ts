import { describe, expect, it } from "vitest";
import { G, GcpEstate } from "../../../test/gcp-estate.js";
import { pairsOf } from "../../../test/rule-case.js";
import { gcpExposesBucket } from "./rule.js";

describe("gcp-exposes-bucket", () => {
  it("allUsers / allAuthenticatedUsers in an object role expose the bucket; prevention and non-data roles do not", async () => {
    const e = new GcpEstate()
      .bucket("public")
      .policy(G.bucket("public"), "resource", [{ role: "roles/storage.objectViewer", members: ["allUsers"] }])
      .bucket("authenticated")
      .policy(G.bucket("authenticated"), "resource", [
        { role: "roles/storage.legacyObjectReader", members: ["allAuthenticatedUsers"] },
      ])
      .bucket("prevented", G.project, { publicAccessPrevention: "enforced" })
      .policy(G.bucket("prevented"), "resource", [
        { role: "roles/storage.objectViewer", members: ["allUsers"] },
      ])
      .bucket("builder")
      .policy(G.bucket("builder"), "resource", [
        { role: "roles/cloudbuild.builds.builder", members: ["allUsers"] },
      ]);
    const r = await e.run([gcpExposesBucket]);
    expect(pairsOf(r, "EXPOSES")).toEqual([
      `internet -> ${G.bucket("authenticated")}`,
      `internet -> ${G.bucket("public")}`,
    ]);
    expect(r.edges.find((x) => x.to === G.bucket("authenticated"))!.assumptions.map((a) => a.code)).toEqual([
      "google_account_required",
    ]);
  });
});
