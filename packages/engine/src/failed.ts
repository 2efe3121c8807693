// Which collectors failed in their newest run: the input derive needs to mark hops unknown. Scan
// runs are read newest first (the AppStore lists them so); for each (source, region, collector)
// the newest finished run that ran it decides, so a later scan of other regions does not hide an
// earlier failure, and a later success clears it.
import type { AppStore, SourceKey } from "@ctem/model";

export async function failedCollectorsOf(
  app: Pick<AppStore, "scanRuns">,
  maxRuns = 500,
): Promise<SourceKey[]> {
  const out: SourceKey[] = [];
  const decided = new Set<string>();
  let cursor: string | undefined;
  let read = 0;
  do {
    const page = await app.scanRuns.list({ limit: 50, ...(cursor ? { cursor } : {}) });
    for (const run of page.items) {
      read++;
      if (run.status === "running") continue;
      for (const c of run.collectors) {
        const k = `${c.source}|${c.region}|${c.collector}`;
        if (decided.has(k)) continue;
        decided.add(k);
        if (c.status === "failed") out.push({ source: c.source, region: c.region, collector: c.collector });
      }
    }
    cursor = page.next;
  } while (cursor && read < maxRuns);
  return out;
}
