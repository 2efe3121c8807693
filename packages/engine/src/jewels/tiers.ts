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
  return compileRule(rule, adminEquivalent)(node);
}

/** A rule as a test of one node, its lists made into sets once (computeTiers runs it on every node). */
function compileRule(
  rule: CrownJewelRule,
  adminEquivalent: ReadonlySet<string>,
): (node: EstateNode) => boolean {
  const m = rule.match;
  if (!(m.kinds || m.types || m.tags || m.adminEquivalent !== undefined)) return () => false;
  const kinds = m.kinds ? new Set<string>(m.kinds) : undefined;
  const types = m.types ? new Set(m.types) : undefined;
  const keys = m.tags ? new Set(m.tags.keys.map((k) => k.toLowerCase())) : undefined;
  const values = m.tags?.values ? new Set(m.tags.values.map((v) => v.toLowerCase())) : undefined;
  return (node) => {
    if (kinds && !kinds.has(node.kind)) return false;
    if (types && !types.has(node.type)) return false;
    if (m.adminEquivalent !== undefined && adminEquivalent.has(node.id) !== m.adminEquivalent) return false;
    if (keys) {
      for (const k in node.tags)
        if (keys.has(k.toLowerCase()) && (!values || values.has(node.tags[k]!.toLowerCase()))) return true;
      return false;
    }
    return true;
  };
}

export function computeTiers(
  nodes: Iterable<EstateNode>,
  jewels: Settings["crownJewels"],
  adminEquivalent: ReadonlySet<string>,
): TierAssignment[] {
  const excluded = new Set(jewels.excluded);
  const pins = new Map(jewels.pins.map((p) => [p.nodeId, p.tier]));
  const rules = jewels.rules.map((r) => compileRule(r, adminEquivalent));
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
    for (let i = 0; i < rules.length; i++) {
      const r = jewels.rules[i]!;
      if ((!best || r.tier < best.tier) && rules[i]!(n)) best = r;
    }
    if (best) out.push({ nodeId: n.id, tier: best.tier, reason: best.id });
  }
  return out.sort((a, b) => a.tier - b.tier || a.nodeId.localeCompare(b.nodeId));
}
