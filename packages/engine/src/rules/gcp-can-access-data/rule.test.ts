import { describe, expect, it } from "vitest";
import { G, GcpEstate } from "../../../test/gcp-estate.js";
import { pairsOf } from "../../../test/rule-case.js";
import { gcpCanAccessData } from "./rule.js";

describe("gcp-can-access-data", () => {
  it("bindings on the store, its project, folder and organization grant access; another project's do not", async () => {
    const e = new GcpEstate()
      .serviceAccount("folder-reader")
      .serviceAccount("org-owner")
      .serviceAccount("bucket-admin")
      .serviceAccount("elsewhere")
      .serviceAccount("sql-client")
      .bucket("data")
      .sql("db", {})
      .policy(G.folder, "folder", [
        { role: "roles/storage.objectViewer", members: [G.member("folder-reader")] },
      ])
      .policy(G.org, "organization", [{ role: "roles/owner", members: [G.member("org-owner")] }])
      .policy(G.bucket("data"), "resource", [
        { role: "roles/storage.objectAdmin", members: [G.member("bucket-admin")] },
      ])
      .policy(G.other, "project", [{ role: "roles/storage.admin", members: [G.member("elsewhere")] }])
      .policy(G.project, "project", [{ role: "roles/cloudsql.client", members: [G.member("sql-client")] }]);
    const r = await e.run([gcpCanAccessData]);
    expect(pairsOf(r, "CAN_ACCESS")).toEqual(
      [
        `${G.sa("bucket-admin")} -> ${G.bucket("data")}`,
        `${G.sa("folder-reader")} -> ${G.bucket("data")}`,
        `${G.sa("org-owner")} -> ${G.bucket("data")}`,
        `${G.sa("org-owner")} -> ${G.sql("db")}`,
        `${G.sa("sql-client")} -> ${G.sql("db")}`,
      ].sort(),
    );
    const level = (from: string, to: string) =>
      r.edges.find((x) => x.kind === "CAN_ACCESS" && x.from === from && x.to === to)!.props.level;
    expect(level(G.sa("folder-reader"), G.bucket("data"))).toBe("read");
    expect(level(G.sa("org-owner"), G.bucket("data"))).toBe("admin");
    expect(level(G.sa("sql-client"), G.sql("db"))).toBe("read");
  });
});
