// Which collectors failed in the newest scan of each source: the input derive needs to mark hops
// unknown. Reads scan runs newest first (the AppStore lists them so) and keeps, per source, only
// the newest run's failures.
import type { AppStore, SourceKey } from "@ctem/model";

export async function failedCollectorsOf(
  app: Pick<AppStore, "scanRuns">,
  maxRuns = 200,
): Promise<SourceKey[]> {
  const out: SourceKey[] = [];
  const seenSources = new Set<string>();
  let cursor: string | undefined;
  let read = 0;
  do {
    const page = await app.scanRuns.list({ limit: 50, ...(cursor ? { cursor } : {}) });
    for (const run of page.items) {
      read++;
      const sources = new Set(run.collectors.map((c) => c.source));
      for (const s of sources) {
        if (seenSources.has(s)) continue;
        for (const c of run.collectors)
          if (c.source === s && c.status === "failed")
            out.push({ source: c.source, region: c.region, collector: c.collector });
      }
      for (const s of sources) seenSources.add(s);
    }
    cursor = page.next;
  } while (cursor && read < maxRuns);
  return out;
}
