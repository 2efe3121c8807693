import { describe, expect, it } from "vitest";
import { G, GcpEstate } from "../../../test/gcp-estate.js";
import { pairsOf } from "../../../test/rule-case.js";
import { gcpCanAccessData } from "./rule.js";

describe("gcp-can-access-data: BigQuery, Spanner, Bigtable", () => {
  it("inherited and resource bindings and dataset ACL entries grant access; decoys do not", async () => {
    const e = new GcpEstate()
      .serviceAccount("analyst")
      .serviceAccount("etl")
      .serviceAccount("org-viewer")
      .serviceAccount("db-user")
      .serviceAccount("bt-reader")
      .serviceAccount("job-runner")
      .serviceAccount("elsewhere")
      .serviceAccount("acl-other")
      .serviceAccount("editor")
      .dataset("sales", {
        access: [
          { role: "WRITER", userByEmail: G.email("etl") },
          { role: "READER", groupByEmail: "analysts@example.com" },
          { role: "OWNER", iamMember: G.member("editor") },
          { role: "READER", specialGroup: "projectReaders" },
        ],
      })
      .dataset("other", { project: G.other, access: [{ role: "OWNER", userByEmail: G.email("acl-other") }] })
      .spanner("orders", ["ledger"])
      .bigtable("events")
      .policy(G.dataset("sales"), "resource", [
        { role: "roles/bigquery.dataViewer", members: [G.member("analyst")] },
      ])
      .policy(G.org, "organization", [{ role: "roles/viewer", members: [G.member("org-viewer")] }])
      .policy(G.spanner("orders"), "resource", [
        { role: "roles/spanner.databaseUser", members: [G.member("db-user")] },
      ])
      .policy(G.project, "project", [
        { role: "roles/bigtable.reader", members: [G.member("bt-reader")] },
        // Decoys: runs jobs, reads no table; a data role on another project.
        { role: "roles/bigquery.jobUser", members: [G.member("job-runner")] },
        { role: "roles/editor", members: [G.member("editor")] },
      ])
      .policy(G.other, "project", [
        { role: "roles/bigquery.dataOwner", members: [G.member("elsewhere")] },
        { role: "roles/spanner.databaseAdmin", members: [G.member("elsewhere")] },
      ]);
    const r = await e.run([gcpCanAccessData]);
    expect(pairsOf(r, "CAN_ACCESS")).toEqual(
      [
        `${G.sa("acl-other")} -> ${G.dataset("other", "p2")}`,
        `${G.sa("analyst")} -> ${G.dataset("sales")}`,
        `${G.sa("bt-reader")} -> ${G.bigtable("events")}`,
        `${G.sa("db-user")} -> ${G.spanner("orders")}`,
        `${G.sa("db-user")} -> ${G.spannerDb("orders", "ledger")}`,
        `${G.sa("editor")} -> ${G.bigtable("events")}`,
        `${G.sa("editor")} -> ${G.dataset("sales")}`,
        `${G.sa("editor")} -> ${G.spanner("orders")}`,
        `${G.sa("editor")} -> ${G.spannerDb("orders", "ledger")}`,
        // The other project's binding reaches that project's dataset only.
        `${G.sa("elsewhere")} -> ${G.dataset("other", "p2")}`,
        `${G.sa("etl")} -> ${G.dataset("sales")}`,
        `${G.sa("org-viewer")} -> ${G.dataset("other", "p2")}`,
        `${G.sa("org-viewer")} -> ${G.dataset("sales")}`,
      ].sort(),
    );
    const edge = (from: string, to: string) =>
      r.edges.find((x) => x.kind === "CAN_ACCESS" && x.from === from && x.to === to)!;
    expect(edge(G.sa("analyst"), G.dataset("sales")).props.level).toBe("read");
    expect(edge(G.sa("etl"), G.dataset("sales")).props.level).toBe("write");
    expect(edge(G.sa("etl"), G.dataset("sales")).evidence).toEqual([
      {
        source: "gcp-cai-resource",
        ref: `${G.dataset("sales")}#access[0]`,
        detail: {
          role: "WRITER",
          member: `serviceAccount:${G.email("etl")}`,
          on: G.dataset("sales"),
          level: "dataset-acl",
        },
      },
    ]);
    // roles/editor (write) on the project and OWNER in the dataset's ACL: the higher level wins.
    expect(edge(G.sa("editor"), G.dataset("sales")).props.level).toBe("admin");
    expect(edge(G.sa("editor"), G.dataset("sales")).evidence).toHaveLength(2);
    expect(edge(G.sa("db-user"), G.spannerDb("orders", "ledger")).props.level).toBe("write");
    expect(edge(G.sa("bt-reader"), G.bigtable("events")).props.level).toBe("read");
    expect(edge(G.sa("org-viewer"), G.dataset("sales")).props.level).toBe("read");
  });
});
