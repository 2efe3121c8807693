// The scan runner (provider-neutral) and the AWS error mapping: bounded concurrency, statuses
// set as collectors finish, dependencies, a store that refuses the facts, an unreachable endpoint.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { GraphFacts, SourceKey } from "@ctem/model";
import {
  awsErrorCode,
  createAwsClients,
  newExternalId,
  parseAwsScopeConfig,
  runScan,
  scanAws,
} from "../src/index.js";
import type { ScanTask } from "../src/index.js";
import { graphIds, tempStores } from "./aws-helpers.js";
import type { TempStores } from "./aws-helpers.js";

const key = (collector: string, region = "r1"): SourceKey => ({ source: "test:1", region, collector });
const node = (id: string, k: SourceKey): GraphFacts => ({
  nodes: [{ id, kind: "compute", type: "test.vm", provider: "generic", name: id, sources: [k] }],
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("scan runner", () => {
  let s: TempStores;
  beforeEach(() => {
    s = tempStores();
  });
  afterEach(() => s.dispose());

  it("runs at most `concurrency` collectors at once and writes every one's facts", async () => {
    let active = 0;
    let peak = 0;
    const tasks: ScanTask[] = Array.from({ length: 6 }, (_, i) => ({
      key: key(`c${i}`),
      async collect() {
        active++;
        peak = Math.max(peak, active);
        await sleep(20);
        active--;
        return `n${i}`;
      },
      transform: (raw) => node(raw as string, key(`c${i}`)),
    }));
    const r = await runScan({
      graph: s.graph,
      scanRuns: s.app.scanRuns,
      trigger: { kind: "adhoc" },
      tasks,
      concurrency: 2,
    });
    expect(peak).toBe(2);
    expect(r.run.status).toBe("complete");
    expect((await graphIds(s)).nodes).toEqual(["n0", "n1", "n2", "n3", "n4", "n5"]);
    expect((await s.app.scanRuns.get(r.run.id))?.status).toBe("complete");
  });

  it("records failures with their codes; dependants of a failure and failed transforms fail too", async () => {
    const events: string[] = [];
    const tasks: ScanTask[] = [
      {
        key: key("lister"),
        collect: () => Promise.reject(Object.assign(new Error("nope"), { code: "AccessDenied" })),
        transform: () => ({}),
      },
      {
        key: key("reader"),
        dependsOn: ["test:1|r1|lister"],
        collect: () => Promise.resolve(1),
        transform: () => ({}),
      },
      {
        key: key("broken"),
        collect: () => Promise.resolve(1),
        transform: () => {
          throw new Error("bad shape");
        },
      },
      { key: key("fine"), collect: () => Promise.resolve("ok"), transform: () => node("ok", key("fine")) },
    ];
    const r = await runScan({
      graph: s.graph,
      scanRuns: s.app.scanRuns,
      trigger: { kind: "adhoc" },
      tasks,
      onEvent: (e) => events.push(`${e.t} ${e.key.collector}`),
    });
    expect(r.run.status).toBe("partial");
    expect(r.run.collectors.map((c) => [c.collector, c.status, c.errorCode])).toEqual([
      ["lister", "failed", "AccessDenied"],
      ["reader", "failed", "dependency_failed"],
      ["broken", "failed", "transform_failed"],
      ["fine", "ok", undefined],
    ]);
    expect(events.filter((e) => !e.startsWith("start")).sort()).toEqual([
      "failed broken",
      "failed lister",
      "failed reader",
      "ok fine",
    ]);
  });

  it("a fact the store refuses aborts the scan: nothing written, the run recorded as failed", async () => {
    const tasks: ScanTask[] = [
      { key: key("good"), collect: () => Promise.resolve(1), transform: () => node("good", key("good")) },
      {
        key: key("bad"),
        collect: () => Promise.resolve(1),
        transform: () => ({
          nodes: [
            { id: "", kind: "compute", type: "x", provider: "generic", name: "", sources: [key("bad")] },
          ],
        }),
      },
    ];
    await expect(
      runScan({ graph: s.graph, scanRuns: s.app.scanRuns, trigger: { kind: "adhoc" }, tasks }),
    ).rejects.toThrow(/node/);
    expect((await graphIds(s)).nodes).toEqual([]);
    const runs = await s.app.scanRuns.list({ limit: 5 });
    expect(runs.items.map((x) => x.status)).toEqual(["failed"]);
  });

  it("every collector failing is a failed run", async () => {
    const r = await runScan({
      graph: s.graph,
      scanRuns: s.app.scanRuns,
      trigger: { kind: "adhoc" },
      tasks: [{ key: key("x"), collect: () => Promise.reject(new Error("down")), transform: () => ({}) }],
    });
    expect(r.run.status).toBe("failed");
  });
});

describe("AWS errors", () => {
  it("keeps AWS codes, names unreachable endpoints, and refuses to scan without an identity", async () => {
    expect(awsErrorCode(Object.assign(new Error("x"), { name: "AccessDenied", $metadata: {} }))).toBe(
      "AccessDenied",
    );
    expect(awsErrorCode(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }))).toBe(
      "endpoint_unreachable",
    );
    const s = tempStores();
    const clients = createAwsClients({
      homeRegion: "us-east-1",
      endpoint: "http://127.0.0.1:9",
      credentials: { accessKeyId: "a", secretAccessKey: "b" },
      maxAttempts: 1,
    });
    try {
      await expect(
        scanAws({
          graph: s.graph,
          scanRuns: s.app.scanRuns,
          trigger: { kind: "adhoc" },
          clients,
          regions: ["us-east-1"],
        }),
      ).rejects.toThrow(/could not identify the AWS account: sts:GetCallerIdentity: endpoint_unreachable/);
    } finally {
      clients.destroy();
      await s.dispose();
    }
  });
});

describe("AWS scope config", () => {
  const good = {
    accountId: "210987654321",
    roleArn: "arn:aws:iam::210987654321:role/ctem-scanner",
    externalId: newExternalId(),
  };
  it("accepts a scope and fills the defaults", () => {
    expect(parseAwsScopeConfig(good, "prod")).toEqual({ ...good, regions: [], inspector2: false });
    expect(good.externalId).toMatch(/^ctem-[0-9a-f]{32}$/);
  });
  it("names the field that is wrong", () => {
    expect(() => parseAwsScopeConfig({ ...good, accountId: "12345" }, "prod")).toThrow(
      "scope 'prod': config.accountId: an AWS account id is 12 digits",
    );
    expect(() =>
      parseAwsScopeConfig({ ...good, roleArn: "arn:aws:iam::111122223333:role/x" }, "prod"),
    ).toThrow("the role ARN is not in account 210987654321");
    expect(() => parseAwsScopeConfig({ ...good, regions: ["mars-1"] }, "prod")).toThrow("config.regions[0]");
    expect(() => parseAwsScopeConfig({ ...good, externalId: "a b" }, "prod")).toThrow("config.externalId");
  });
});
