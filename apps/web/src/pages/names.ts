// Names shared by the issue page and its graph (a separate chunk: the graph library loads beside
// the issue's data, not before the page can paint).
import type { ApiIssue } from "../api";

/** A readable name for a node id (ARNs and resource paths end in the resource's own name). */
export function shortName(id: string, issue: ApiIssue): string {
  if (id === issue.entry.id) return issue.entry.name;
  if (id === issue.target.id) return issue.target.name;
  const tail = id.split(/[/:]/).filter(Boolean).pop() ?? id;
  return tail.length > 28 ? tail.slice(0, 27) + "…" : tail;
}
