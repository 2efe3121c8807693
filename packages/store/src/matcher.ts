// The finding matcher (DESIGN "Findings"): which node a report's resource identifiers name.
// Nodes are indexed under lookup keys when written; a finding's identifiers are turned into
// candidate keys, tier by tier, and the first tier naming exactly one node wins. The foundation
// matches by id and by ARN (an AWS resource id such as `i-0abc…` finds the node whose ARN ends in
// it); the imports issue adds its rules here (image digest, host name, private IP, Azure/GCP ids).

export interface MatchableNode {
  id: string;
  kind: string;
  type: string;
  props: Record<string, unknown>;
}

export interface MatchRule {
  /** kebab-case rule id, recorded on the finding as `props.matchedBy`. */
  id: string;
  /** Lookup keys to index a node under (prefixed by the rule, e.g. "aws-resource:i-0abc"). */
  keysFor(node: MatchableNode): string[];
  /** Candidate lookup keys for a finding's resource identifiers. */
  keysForFinding(resourceIds: string[]): string[];
}

const ARN = /^arn:[^:]+:[^:]*:[^:]*:[^:]*:(.+)$/;

/** The resource part of an ARN: `instance/i-0abc` → `i-0abc`, `my-bucket` → `my-bucket`. */
export function arnResourceId(arn: string): string | undefined {
  const m = ARN.exec(arn);
  if (!m?.[1]) return undefined;
  const res = m[1];
  const cut = Math.max(res.lastIndexOf("/"), res.lastIndexOf(":"));
  return cut >= 0 ? res.slice(cut + 1) : res;
}

export const nodeIdRule: MatchRule = {
  id: "node-id",
  keysFor: (n) => [`id:${n.id}`],
  keysForFinding: (ids) => ids.map((id) => `id:${id}`),
};

export const arnResourceRule: MatchRule = {
  id: "arn-resource-id",
  keysFor: (n) => {
    const r = n.id.startsWith("arn:") ? arnResourceId(n.id) : undefined;
    return r ? [`aws-resource:${r}`] : [];
  },
  keysForFinding: (ids) =>
    ids.flatMap((id) => {
      if (id.startsWith("arn:")) {
        const r = arnResourceId(id);
        return r ? [`aws-resource:${r}`] : [];
      }
      return [`aws-resource:${id}`];
    }),
};

/** Rules in priority order. */
export const DEFAULT_MATCH_RULES: MatchRule[] = [nodeIdRule, arnResourceRule];
