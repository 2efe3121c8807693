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

const DIGEST = /sha256:[0-9a-f]{64}/i;

function strings(v: unknown): string[] {
  if (typeof v === "string") return v ? [v] : [];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string" && x !== "") : [];
}

/** Every `sha256:…` digest in a report's identifiers (image refs, ECR ARNs, registry URIs). */
function digestsIn(ids: string[]): string[] {
  return ids.flatMap((id) => {
    const m = DIGEST.exec(id);
    return m ? [m[0].toLowerCase()] : [];
  });
}

/**
 * Image digest → the image node. Image nodes expose their digests as `props.digest` /
 * `props.digests` (manifest digest, config digest); workloads reach them through RUNS_IMAGE, so a
 * finding on the image reaches every workload running it along that edge.
 */
export const imageDigestRule: MatchRule = {
  id: "image-digest",
  keysFor: (n) =>
    n.kind === "image"
      ? [...strings(n.props.digest), ...strings(n.props.digests), ...digestsIn([n.id])].map(
          (d) => `image-digest:${d.toLowerCase()}`,
        )
      : [],
  keysForFinding: (ids) => digestsIn(ids).map((d) => `image-digest:${d}`),
};

/**
 * Image digest → the one workload running it, when no image node exists: workloads expose
 * `props.imageDigest` / `props.imageDigests`. Several workloads with the same digest are ambiguous,
 * so the finding stays unmatched rather than landing on one of them by chance.
 */
export const workloadImageRule: MatchRule = {
  id: "workload-image-digest",
  keysFor: (n) =>
    [...strings(n.props.imageDigest), ...strings(n.props.imageDigests)].map(
      (d) => `workload-image:${d.toLowerCase()}`,
    ),
  keysForFinding: (ids) => digestsIn(ids).map((d) => `workload-image:${d}`),
};

/** The network part of a private-IP key: a VPC/VNet/network id, or the last segment of its ARN or path. */
function networkKey(net: string): string {
  const r = net.startsWith("arn:") ? arnResourceId(net) : undefined;
  return (r ?? net.split("/").filter(Boolean).pop() ?? net).toLowerCase();
}

/**
 * Private IP within the same network. Nodes expose `props.privateIp` / `props.privateIps` with
 * `props.networkId` (or `props.vpcId`); importers name the address as `private-ip:<network>:<ip>`
 * (a private address alone is ambiguous across networks, so it never matches on its own).
 */
export const privateIpRule: MatchRule = {
  id: "private-ip",
  keysFor: (n) => {
    const net = strings(n.props.networkId)[0] ?? strings(n.props.vpcId)[0];
    if (!net) return [];
    const ips = [...strings(n.props.privateIp), ...strings(n.props.privateIps)];
    return ips.map((ip) => `private-ip:${networkKey(net)}:${ip}`);
  },
  keysForFinding: (ids) =>
    ids.flatMap((id) => {
      const m = /^private-ip:(.+):([^:]+)$/.exec(id);
      return m ? [`private-ip:${networkKey(m[1]!)}:${m[2]!}`] : [];
    }),
};

/** Host name (case-insensitive): nodes expose `props.hostname` / `props.hostnames` / `props.privateDnsName`. */
export const hostnameRule: MatchRule = {
  id: "hostname",
  keysFor: (n) =>
    [...strings(n.props.hostname), ...strings(n.props.hostnames), ...strings(n.props.privateDnsName)].map(
      (h) => `host:${h.toLowerCase().replace(/\.$/, "")}`,
    ),
  keysForFinding: (ids) =>
    ids.flatMap((id) => {
      const h = id.startsWith("hostname:") ? id.slice(9) : id;
      return /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/i.test(h)
        ? [`host:${h.toLowerCase().replace(/\.$/, "")}`]
        : [];
    }),
};

/** Azure resource ids compare case-insensitively (nodes store them lower-cased; reports may not). */
export const azureResourceIdRule: MatchRule = {
  id: "azure-resource-id",
  keysFor: (n) =>
    /^\/subscriptions\//i.test(n.id) ? [`azure:${n.id.toLowerCase().replace(/\/+$/, "")}`] : [],
  keysForFinding: (ids) =>
    ids.flatMap((id) =>
      /^\/subscriptions\//i.test(id) ? [`azure:${id.toLowerCase().replace(/\/+$/, "")}`] : [],
    ),
};

/** `projects/p/zones/z/instances/i` of a GCP full resource name or API URL. */
function gcpRelative(id: string): string | undefined {
  const full = /^\/\/[a-z0-9.-]+\.googleapis\.com\/(.+)$/i.exec(id);
  if (full) return full[1];
  const url =
    /^https:\/\/[a-z0-9.-]+\.googleapis\.com\/(?:[a-z]+\/)?v[0-9a-z]+\/((?:projects|organizations|folders)\/.+)$/i.exec(
      id,
    );
  return url?.[1];
}

/**
 * GCP resources: the Cloud Asset full name (`//compute.googleapis.com/projects/…`) and the API
 * self-link (`https://compute.googleapis.com/compute/v1/projects/…`) name the same resource.
 */
export const gcpResourceNameRule: MatchRule = {
  id: "gcp-resource-name",
  keysFor: (n) => {
    const r = gcpRelative(n.id);
    return r ? [`gcp:${r}`] : [];
  },
  keysForFinding: (ids) =>
    ids.flatMap((id) => {
      const r = gcpRelative(id);
      return r ? [`gcp:${r}`] : [];
    }),
};

/**
 * Rules in priority order: exact ids first, then provider-specific id forms, then the weaker
 * joins (digest, address, name). A tier naming more than one node stops the search (ambiguous).
 */
export const DEFAULT_MATCH_RULES: MatchRule[] = [
  nodeIdRule,
  azureResourceIdRule,
  gcpResourceNameRule,
  arnResourceRule,
  imageDigestRule,
  workloadImageRule,
  privateIpRule,
  hostnameRule,
];
