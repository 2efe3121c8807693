// Crown-jewel tiers (DESIGN "Crown jewels"), computed at analysis time from the settings' rules,
// pins and exclusions, so a rescan cannot wipe them: the lowest tier any rule gives wins; a pin
// wins over the rules; an excluded node has no tier unless it is pinned.
import type { CrownJewelRule, Settings, TierAssignment } from "@ctem/model";
import type { EstateNode } from "../graph.js";

export function ruleMatches(
  rule: CrownJewelRule,
  node: EstateNode,
  adminEquivalent: ReadonlySet<string>,
): boolean {
  const m = rule.match;
  if (m.kinds && !m.kinds.includes(node.kind)) return false;
  if (m.types && !m.types.includes(node.type)) return false;
  if (m.adminEquivalent !== undefined && adminEquivalent.has(node.id) !== m.adminEquivalent) return false;
  if (m.tags) {
    const keys = new Set(m.tags.keys.map((k) => k.toLowerCase()));
    const values = m.tags.values ? new Set(m.tags.values.map((v) => v.toLowerCase())) : undefined;
    let hit = false;
    for (const [k, v] of Object.entries(node.tags))
      if (keys.has(k.toLowerCase()) && (!values || values.has(v.toLowerCase()))) {
        hit = true;
        break;
      }
    if (!hit) return false;
  }
  return Boolean(m.kinds || m.types || m.tags || m.adminEquivalent !== undefined);
}

export function computeTiers(
  nodes: Iterable<EstateNode>,
  jewels: Settings["crownJewels"],
  adminEquivalent: ReadonlySet<string>,
): TierAssignment[] {
  const excluded = new Set(jewels.excluded);
  const pins = new Map(jewels.pins.map((p) => [p.nodeId, p.tier]));
  const out: TierAssignment[] = [];
  for (const n of nodes) {
    if (n.kind === "internet" || n.stub) continue;
    const pin = pins.get(n.id);
    if (pin !== undefined) {
      out.push({ nodeId: n.id, tier: pin, reason: "pin" });
      continue;
    }
    if (excluded.has(n.id)) continue;
    let best: CrownJewelRule | undefined;
    for (const r of jewels.rules)
      if ((!best || r.tier < best.tier) && ruleMatches(r, n, adminEquivalent)) best = r;
    if (best) out.push({ nodeId: n.id, tier: best.tier, reason: best.id });
  }
  return out.sort((a, b) => a.tier - b.tier || a.nodeId.localeCompare(b.nodeId));
}
