// derive on a real store: the hand-built estate written with applyScan, read back through
// snapshot(), derived, written as a derived generation and promoted; neighbours() then shows the
// attack edges with their evidence. The failed-collector input comes from the AppStore's runs.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { INTERNET_NODE_ID, sourceKeyString } from "@ctem/model";
import type { SourceKey } from "@ctem/model";
import { openSqliteStores } from "@ctem/store";
import { scanRun } from "@ctem/store/contract";
import { derive, derivedFacts } from "../src/derive.js";
import { failedCollectorsOf } from "../src/failed.js";
import { loadEstate } from "../src/graph.js";
import { loadActionCatalog } from "../src/iam/catalog.js";
import { arn, key } from "./build.js";
import { handBuilt } from "./estate.js";

const dir = mkdtempSync(path.join(tmpdir(), "ctem-engine-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("derive over the SQLite store", () => {
  it("snapshot → derive → replaceDerived → promoteDerived; assets show the attack edges", async () => {
    const stores = openSqliteStores(path.join(dir, "ctem.db"));
    try {
      const facts = handBuilt().facts();
      const keys = new Map<string, SourceKey>();
      for (const x of [...(facts.nodes ?? []), ...(facts.edges ?? [])])
        for (const k of x.sources) keys.set(sourceKeyString(k), k);
      const run = scanRun([...keys.values()], { failed: [key("aws-ec2-security-groups")] });
      await stores.app.scanRuns.start(run);
      await stores.graph.applyScan(run, [facts]);
      await stores.app.scanRuns.finish({ ...run, finishedAt: new Date().toISOString() });

      const failed = await failedCollectorsOf(stores.app);
      expect(failed).toEqual([key("aws-ec2-security-groups")]);
      const estate = await loadEstate(stores.graph.snapshot());
      const result = await derive(estate, { catalog: await loadActionCatalog(), failedCollectors: failed });
      await stores.graph.replaceDerived("analysis-1", derivedFacts(result.edges));
      await stores.graph.promoteDerived("analysis-1");

      const edges = await stores.graph.neighbours(arn.instance("i-web"), {
        direction: "in",
        kinds: ["EXPOSES"],
      });
      expect(edges).toHaveLength(1);
      expect(edges[0]).toMatchObject({ from: INTERNET_NODE_ID, kind: "EXPOSES", derived: true });
      expect(edges[0]!.evidence.map((e) => e.ref)).toEqual([
        "i-web",
        "sg-web#ingress[0]",
        "rtb-subnet-pub",
        "acl-open#inbound[100]",
        "acl-open#outbound[100]",
      ]);
      expect(edges[0]!.assumptions.map((a) => a.code)).toContain("collector_failed");
      // A second analysis sees the store's derived edges in the snapshot but recomputes: same count.
      const again = await derive(await loadEstate(stores.graph.snapshot()), {
        catalog: await loadActionCatalog(),
        failedCollectors: failed,
      });
      expect(again.edges.length).toBe(result.edges.length);
    } finally {
      await stores.close();
    }
  });
});
