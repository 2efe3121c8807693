import { describe, expect, it } from "vitest";
import { G, GcpEstate } from "../../../test/gcp-estate.js";
import { pairsOf } from "../../../test/rule-case.js";
import { gcpExposesBigqueryDataset } from "./rule.js";

describe("gcp-exposes-bigquery-dataset", () => {
  it("allUsers / allAuthenticatedUsers in a binding or the dataset ACL expose it; decoys do not", async () => {
    const e = new GcpEstate()
      .dataset("bound")
      .policy(G.dataset("bound"), "resource", [{ role: "roles/bigquery.dataViewer", members: ["allUsers"] }])
      .dataset("acl-all", { access: [{ role: "READER", iamMember: "allUsers" }] })
      .dataset("acl-auth", { access: [{ role: "WRITER", specialGroup: "allAuthenticatedUsers" }] })
      // Decoys: a public binding in a role without data access; ACL entries naming an account,
      // a project group and a domain; a public data binding on a store that is not a dataset.
      .dataset("jobs")
      .policy(G.dataset("jobs"), "resource", [{ role: "roles/bigquery.jobUser", members: ["allUsers"] }])
      .dataset("private", {
        access: [
          { role: "OWNER", userByEmail: G.email("someone") },
          { role: "READER", specialGroup: "projectReaders" },
          { role: "READER", domain: "example.com" },
        ],
      })
      .bigtable("events")
      .policy(G.bigtable("events"), "resource", [{ role: "roles/bigtable.reader", members: ["allUsers"] }]);
    const r = await e.run([gcpExposesBigqueryDataset]);
    expect(pairsOf(r, "EXPOSES")).toEqual(
      [
        `internet -> ${G.dataset("acl-all")}`,
        `internet -> ${G.dataset("acl-auth")}`,
        `internet -> ${G.dataset("bound")}`,
      ].sort(),
    );
    const edge = (id: string) => r.edges.find((x) => x.to === id)!;
    expect(edge(G.dataset("acl-auth")).props).toMatchObject({
      level: "write",
      public: ["allAuthenticatedUsers"],
    });
    expect(edge(G.dataset("acl-auth")).assumptions.map((a) => a.code)).toEqual(["google_account_required"]);
    expect(edge(G.dataset("acl-all")).evidence[0]!.ref).toBe(`${G.dataset("acl-all")}#access[0]`);
    expect(edge(G.dataset("bound")).evidence[0]!.ref).toBe(`${G.dataset("bound")}#iamPolicy#bindings[0]`);
  });
});
