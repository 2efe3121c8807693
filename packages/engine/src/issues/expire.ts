// The daily job's row of DESIGN's status table: an expired risk acceptance reopens the issue
// (risk_accepted → open) without waiting for the next analysis. The server's scheduler calls it;
// the change goes through AppStore.updateIssue, so it is in the issue's history as the system's.
import type { Actor, AppStore } from "@ctem/model";
import { acceptanceExpired } from "./reconcile.js";

const SYSTEM: Actor = { id: "system", kind: "system" };

/** Reopens every risk_accepted issue whose acceptance has expired; returns their keys. */
export async function expireAcceptances(
  app: Pick<AppStore, "listIssues" | "updateIssue">,
  now: Date = new Date(),
): Promise<string[]> {
  const at = now.toISOString();
  const expired: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await app.listIssues(
      { status: "risk_accepted" },
      { limit: 500, ...(cursor ? { cursor } : {}) },
    );
    for (const i of page.items) if (acceptanceExpired(i, at)) expired.push(i.key);
    cursor = page.next;
  } while (cursor);
  for (const key of expired) await app.updateIssue(key, { status: "open" }, SYSTEM, at);
  return expired;
}
