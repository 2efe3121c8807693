// The server's post-scan analysis on the real engine and SQLite: threat intel (KEV/EPSS from the
// repository's snapshot, as the CLI loads it) raises the score of an issue resting on a KEV-listed
// CVE; a scope's include/exclude filters hide its assets and their issues in the views at once and
// leave them out of the next analysis. The scanner here writes the engine's synthetic AWS estate
// under the scope's account (the connector itself is covered by the replay-server tests).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyze, accountId, paramsForAssets, syntheticEstate, syntheticKeys } from "@ctem/engine";
import type { Issue, Node } from "@ctem/model";
import { makeFixture, signIn } from "./http-fixture.js";
import type { As, Fixture } from "./http-fixture.js";

let f: Fixture;
let admin: As;
const params = paramsForAssets(400, 5);
const ACCOUNT = accountId(0);
const SOURCE = `aws:${ACCOUNT}`;
const EC2 = "aws.ec2.instance";

beforeAll(async () => {
  f = await makeFixture({
    deps: {
      // The server's own analysis (scans/analysis.ts), not the fixture's stand-in.
      analyze: undefined,
      scanner: async (_scope, stores, trigger) => {
        const run = {
          id: "synthetic",
          trigger,
          status: "running" as const,
          startedAt: new Date().toISOString(),
          collectors: syntheticKeys(params).map((k) => ({ ...k, status: "ok" as const, counts: {} })),
        };
        await stores.scanRuns.start(run);
        await stores.graph.applyScan(run, syntheticEstate(params));
        await stores.scanRuns.finish({ ...run, status: "complete", finishedAt: new Date().toISOString() });
      },
    },
  });
  admin = await signIn(f.app, f.users.admin.email);
});
afterAll(() => f.close());

let scopeId = "";

async function scan(): Promise<void> {
  const res = await f.app.inject({
    method: "POST",
    url: `/api/scopes/${scopeId}/scans`,
    headers: admin.headers,
  });
  expect(res.statusCode).toBe(202);
  const events = await f.app.inject({
    url: `/api/scans/${res.json<{ id: string }>().id}/events`,
    headers: admin.headers,
  });
  expect(events.body).toContain('"status":"complete"');
}

async function listAll<T>(url: string, limit: number): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const sep = url.includes("?") ? "&" : "?";
    const res = await f.app.inject({
      url: `${url}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      headers: admin.headers,
    });
    expect(res.statusCode).toBe(200);
    const page = res.json<{ items: T[]; next?: string }>();
    out.push(...page.items);
    cursor = page.next;
  } while (cursor);
  return out;
}

const nodeOf = async (id: string) => (await f.stores.graph.getNode(id))!;
const ours = (n: Node) => n.sources.some((s) => s.source === SOURCE);

describe("the server's analysis and the scope filters", () => {
  it("scores with threat intel: a KEV-listed CVE raises the issue's score over the same analysis without intel", async () => {
    const res = await f.app.inject({
      method: "POST",
      url: "/api/scopes",
      headers: admin.headers,
      payload: {
        name: "synthetic",
        provider: "aws",
        config: { accountId: ACCOUNT, roleArn: `arn:aws:iam::${ACCOUNT}:role/ctem-scanner` },
      },
    });
    expect(res.statusCode).toBe(201);
    scopeId = res.json<{ id: string }>().id;
    await scan();
    const issues = await listAll<Issue>("/api/issues?status=open", 200);
    const kev = issues.filter((i) => i.factors.some((x) => x.source.startsWith("cisa-kev:")));
    expect(kev.length).toBeGreaterThan(0);
    expect(issues.some((i) => i.factors.some((x) => x.source.startsWith("first-epss")))).toBe(true);
    // The same stores analysed by the engine without intel: the KEV-bearing issue scores lower.
    const plain = await analyze({ graph: f.stores.graph, app: f.stores.app });
    const without = new Map(plain.issues.map((i) => [i.key, i]));
    const raised = kev.filter((i) => (without.get(i.key)?.score ?? 10) < i.score);
    expect(raised.length).toBeGreaterThan(0);
    expect(without.get(raised[0]!.key)!.factors.some((x) => x.source.startsWith("cisa-kev:"))).toBe(false);
    // Back to the intel-scored analysis for what follows.
    await scan();
  });

  it("views: an exclude hides the scope's assets and the issues resting on them at once; unfiltered shows them", async () => {
    const before = await listAll<Issue>("/api/issues?status=open", 100);
    const onEc2 = async (i: Issue) =>
      (i.entry.type === EC2 && ours(await nodeOf(i.entry.id))) ||
      (i.target.type === EC2 && ours(await nodeOf(i.target.id)));
    const hit = (await Promise.all(before.map(onEc2))).filter(Boolean).length;
    expect(hit).toBeGreaterThan(0);
    const allAssets = await listAll<Node>("/api/assets?stubs=false", 1000);
    const ourEc2 = allAssets.filter((n) => n.type === EC2 && ours(n)).length;
    expect(ourEc2).toBeGreaterThan(0);

    const p = await f.app.inject({
      method: "PATCH",
      url: `/api/scopes/${scopeId}`,
      headers: admin.headers,
      payload: { exclude: [`type:${EC2}`] },
    });
    expect(p.statusCode).toBe(200);

    // Small pages walk the whole filtered list: nothing of ours on EC2, nothing twice, nothing lost.
    const assets = await listAll<Node>("/api/assets?stubs=false", 7);
    expect(new Set(assets.map((n) => n.id)).size).toBe(assets.length);
    expect(assets.filter((n) => n.type === EC2 && ours(n))).toEqual([]);
    expect(assets.length).toBe(allAssets.length - ourEc2);
    // Another account's instances (the fixture's, no filters on it) are still there.
    expect(assets.some((n) => n.type === EC2 && !ours(n))).toBe(true);
    expect((await listAll<Node>("/api/assets?stubs=false&unfiltered=true", 1000)).length).toBe(
      allAssets.length,
    );

    const after = await listAll<Issue>("/api/issues?status=open", 3);
    expect(new Set(after.map((i) => i.key)).size).toBe(after.length);
    expect(after.length).toBe(before.length - hit);
    for (const i of after) expect(await onEc2(i)).toBe(false);
    expect((await listAll<Issue>("/api/issues?status=open&unfiltered=true", 100)).length).toBe(before.length);
  });

  it("analysis: the next scan's analysis leaves the excluded assets out (no open issue rests on them)", async () => {
    await scan();
    const open = await listAll<Issue>("/api/issues?status=open&unfiltered=true", 200);
    expect(open.length).toBeGreaterThan(0);
    for (const i of open) {
      for (const id of [i.entry.id, i.target.id]) {
        const n = await nodeOf(id);
        expect(n.type === EC2 && ours(n), `${i.alias} ${id}`).toBe(false);
      }
      for (const path of i.paths)
        for (const hop of path.hops) {
          const n = await f.stores.graph.getNode(hop.to);
          expect(n && n.type === EC2 && ours(n), `${i.alias} via ${hop.to}`).toBeFalsy();
        }
    }
    // What is stored is untouched: the instances are still in the graph.
    const stored = await f.stores.graph.listNodes({ type: EC2, source: SOURCE }, { limit: 1 });
    expect(stored.items.length).toBe(1);
  });
});
