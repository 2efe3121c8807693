// The one transform from Cloud Asset Inventory assets to graph facts, shared by the connector
// (listAssets) and the export importer. Pure: assets in, facts out, every fact carrying the
// collector's claim. Ids are the assets' full resource names; service accounts are keyed by
// uniqueId (DESIGN "The security graph"), their e-mail kept as a property for joins (IAM members
// and instances name service accounts by e-mail).
import type { EdgeFact, EdgeKind, GraphFacts, NodeFact, NodeKind, SourceKey } from "@ctem/model";
import { arr, computeName, crmName, lastSegment, obj, projectOf, str, strs } from "./assets.js";
import type { CaiAsset } from "./assets.js";

/** Node types the GCP transform writes (the engine reads the same strings). */
export const GCP_TYPES = {
  organization: "gcp.organization",
  folder: "gcp.folder",
  project: "gcp.project",
  instance: "gcp.compute.instance",
  firewall: "gcp.compute.firewall",
  network: "gcp.compute.network",
  subnetwork: "gcp.compute.subnetwork",
  bucket: "gcp.storage.bucket",
  sqlInstance: "gcp.sql.instance",
  bigqueryDataset: "gcp.bigquery.dataset",
  spannerInstance: "gcp.spanner.instance",
  spannerDatabase: "gcp.spanner.database",
  bigtableInstance: "gcp.bigtable.instance",
  serviceAccount: "gcp.iam.service_account",
  serviceAccountKey: "gcp.iam.service_account_key",
  iamPolicy: "gcp.iam.policy",
  orgPolicy: "gcp.orgpolicy.policy",
  accessPolicy: "gcp.accesscontextmanager.policy",
} as const;

/** The asset types the RESOURCE transform reads; listAssets asks for exactly these. */
export const RESOURCE_ASSET_TYPES = [
  "cloudresourcemanager.googleapis.com/Organization",
  "cloudresourcemanager.googleapis.com/Folder",
  "cloudresourcemanager.googleapis.com/Project",
  "compute.googleapis.com/Instance",
  "compute.googleapis.com/Firewall",
  "compute.googleapis.com/Network",
  "compute.googleapis.com/Subnetwork",
  "storage.googleapis.com/Bucket",
  "sqladmin.googleapis.com/Instance",
  "bigquery.googleapis.com/Dataset",
  "spanner.googleapis.com/Instance",
  "spanner.googleapis.com/Database",
  "bigtableadmin.googleapis.com/Instance",
  "iam.googleapis.com/ServiceAccount",
  "iam.googleapis.com/ServiceAccountKey",
] as const;

export const RESOURCE_NODE_TYPES = [
  GCP_TYPES.organization,
  GCP_TYPES.folder,
  GCP_TYPES.project,
  GCP_TYPES.instance,
  GCP_TYPES.firewall,
  GCP_TYPES.network,
  GCP_TYPES.subnetwork,
  GCP_TYPES.bucket,
  GCP_TYPES.sqlInstance,
  GCP_TYPES.bigqueryDataset,
  GCP_TYPES.spannerInstance,
  GCP_TYPES.spannerDatabase,
  GCP_TYPES.bigtableInstance,
  GCP_TYPES.serviceAccount,
  GCP_TYPES.serviceAccountKey,
];

const clean = (o: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(o).filter(([, v]) => v !== undefined && v !== null && !(Array.isArray(v) && !v.length)),
  );

class Sink {
  readonly nodes: NodeFact[] = [];
  readonly edges: EdgeFact[] = [];
  private readonly seenNodes = new Set<string>();
  private readonly seenEdges = new Set<string>();
  constructor(private readonly key: SourceKey) {}
  node(n: {
    id: string;
    kind: NodeKind;
    type: string;
    name: string;
    accountId?: string | undefined;
    region?: string | undefined;
    tags?: Record<string, string>;
    props?: Record<string, unknown>;
  }): void {
    if (this.seenNodes.has(n.id)) return;
    this.seenNodes.add(n.id);
    this.nodes.push({
      id: n.id,
      kind: n.kind,
      type: n.type,
      provider: "gcp",
      ...(n.accountId ? { accountId: n.accountId } : {}),
      // Cloud Asset lists every location under one call: the node's own region where it has one.
      ...(n.region ? { region: n.region } : {}),
      name: n.name,
      tags: n.tags ?? {},
      props: clean(n.props ?? {}),
      sources: [this.key],
    });
  }
  edge(from: string, kind: EdgeKind, to: string, props: Record<string, unknown> = {}): void {
    const k = `${from}\u0000${kind}\u0000${to}`;
    if (this.seenEdges.has(k)) return;
    this.seenEdges.add(k);
    this.edges.push({
      from,
      kind,
      to,
      props: clean(props),
      evidence: [],
      assumptions: [],
      sources: [this.key],
    });
  }
}

const labels = (v: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(obj(v))) if (typeof x === "string") out[k] = x;
  return out;
};

/** The full name of an asset's parent: `resource.parent`, else the first ancestor. */
function parentOf(a: CaiAsset): string | undefined {
  if (a.resource?.parent) return a.resource.parent;
  const first = a.ancestors[0];
  return first ? crmName(first) : undefined;
}

/** Service account ids: by uniqueId, with the e-mail → id map the joins need. */
export function serviceAccountId(a: CaiAsset): string {
  const d = a.resource?.data ?? {};
  const unique = str(d.uniqueId);
  const project = str(d.projectId) ?? projectOf(a.name);
  return unique && project ? `//iam.googleapis.com/projects/${project}/serviceAccounts/${unique}` : a.name;
}

/** Where an e-mail names a service account not in the listing: its full name by e-mail. */
export function serviceAccountRef(email: string, byEmail: ReadonlyMap<string, string>): string {
  const known = byEmail.get(email.toLowerCase());
  if (known) return known;
  const project = /@([^.]+)\.iam\.gserviceaccount\.com$/.exec(email)?.[1] ?? "-";
  return `//iam.googleapis.com/projects/${project}/serviceAccounts/${email}`;
}

/**
 * A BigQuery dataset's own ACL (`access[]` of the Dataset resource): who, and in which role
 * (`READER` / `WRITER` / `OWNER` or an IAM role name). Authorized views, routines and datasets
 * grant a query, not a principal: kept with their kind only.
 */
function datasetAccess(v: unknown): Array<Record<string, unknown>> {
  return arr(v)
    .map(obj)
    .map((e) =>
      clean({
        role: str(e.role),
        userByEmail: str(e.userByEmail)?.toLowerCase(),
        groupByEmail: str(e.groupByEmail)?.toLowerCase(),
        domain: str(e.domain),
        specialGroup: str(e.specialGroup),
        iamMember: str(e.iamMember),
        authorized: e.view ? "view" : e.routine ? "routine" : e.dataset ? "dataset" : undefined,
      }),
    );
}

/** `projects/p/instanceConfigs/regional-us-east1` → `us-east1` (multi-region configs: none). */
const spannerRegion = (config: string | undefined): string | undefined =>
  /regional-([a-z0-9-]+)$/.exec(config ?? "")?.[1];

function firewallRules(v: unknown) {
  return arr(v).map((r) => {
    const o = obj(r);
    return { protocol: str(o.IPProtocol) ?? str(o.ipProtocol) ?? "all", ports: strs(o.ports) };
  });
}

/** What the resource transform joins across assets: service accounts by e-mail and name, project ids by number. */
export interface ResourceJoins {
  byEmail: Map<string, string>;
  saIdByName: Map<string, string>;
  projectIdByNumber: Map<string, string>;
}

export function emptyJoins(): ResourceJoins {
  return { byEmail: new Map(), saIdByName: new Map(), projectIdByNumber: new Map() };
}

/** Adds one asset's join keys (call for every asset before transforming any, when streaming). */
export function addJoins(j: ResourceJoins, a: CaiAsset): void {
  const d = a.resource?.data ?? {};
  if (a.assetType === "iam.googleapis.com/ServiceAccount") {
    const id = serviceAccountId(a);
    const email = str(d.email);
    if (email) j.byEmail.set(email.toLowerCase(), id);
    j.saIdByName.set(a.name, id);
    if (email)
      j.saIdByName.set(
        `//iam.googleapis.com/projects/${projectOf(a.name) ?? "-"}/serviceAccounts/${email}`,
        id,
      );
  }
  if (a.assetType === "cloudresourcemanager.googleapis.com/Project") {
    const num = str(d.projectNumber) ?? lastSegment(a.name);
    const pid = str(d.projectId);
    if (num && pid) j.projectIdByNumber.set(num, pid);
  }
}

/**
 * RESOURCE content → nodes and inventory edges. Asset types it does not model are left out.
 * `joins` defaults to those of `assets` themselves; a streaming caller passes the whole file's.
 */
export function transformResources(
  assets: readonly CaiAsset[],
  key: SourceKey,
  joins?: ResourceJoins,
): GraphFacts {
  const s = new Sink(key);
  let j = joins;
  if (!j) {
    j = emptyJoins();
    for (const a of assets) addJoins(j, a);
  }
  const { byEmail, saIdByName, projectIdByNumber } = j;
  const accountOf = (name: string) => {
    const p = projectOf(name);
    return p ? (projectIdByNumber.get(p) ?? p) : undefined;
  };
  for (const a of assets) {
    if (!a.resource) continue;
    const d = a.resource.data;
    const parent = parentOf(a);
    const contain = (id: string) => {
      if (parent) s.edge(parent, "CONTAINS", id);
    };
    const region = str(d.region)
      ? lastSegment(str(d.region))
      : lastSegment(str(d.zone))?.replace(/-[a-z]$/, "");
    switch (a.assetType) {
      case "cloudresourcemanager.googleapis.com/Organization": {
        s.node({
          id: a.name,
          kind: "account",
          type: GCP_TYPES.organization,
          name: str(d.displayName) ?? lastSegment(a.name)!,
          accountId: lastSegment(a.name),
          props: {
            organizationId: lastSegment(a.name),
            lifecycleState: str(d.lifecycleState) ?? str(d.state),
          },
        });
        break;
      }
      case "cloudresourcemanager.googleapis.com/Folder": {
        s.node({
          id: a.name,
          kind: "account",
          type: GCP_TYPES.folder,
          name: str(d.displayName) ?? lastSegment(a.name)!,
          accountId: lastSegment(a.name),
          props: { folderId: lastSegment(a.name), lifecycleState: str(d.lifecycleState) ?? str(d.state) },
        });
        const p = parent ?? (str(d.parent) ? crmName(str(d.parent)!) : undefined);
        if (p) s.edge(p, "CONTAINS", a.name);
        break;
      }
      case "cloudresourcemanager.googleapis.com/Project": {
        const pid = str(d.projectId);
        s.node({
          id: a.name,
          kind: "account",
          type: GCP_TYPES.project,
          name: str(d.name) ?? pid ?? lastSegment(a.name)!,
          accountId: pid ?? lastSegment(a.name),
          tags: labels(d.labels),
          props: {
            projectId: pid,
            projectNumber: str(d.projectNumber) ?? lastSegment(a.name),
            lifecycleState: str(d.lifecycleState) ?? str(d.state),
          },
        });
        const dp = obj(d.parent);
        const p =
          parent ??
          (str(dp.type) && str(dp.id)
            ? crmName(`${str(dp.type) === "organization" ? "organizations" : "folders"}/${str(dp.id)}`)
            : undefined);
        if (p) s.edge(p, "CONTAINS", a.name);
        break;
      }
      case "compute.googleapis.com/Instance": {
        const nics = arr(d.networkInterfaces).map(obj);
        const externalIps: string[] = [];
        const interfaces = nics.map((n) => {
          const ext = arr(n.accessConfigs)
            .map(obj)
            .map((c) => str(c.natIP))
            .filter((x): x is string => !!x);
          const ext6 = arr(n.ipv6AccessConfigs)
            .map(obj)
            .map((c) => str(c.externalIpv6))
            .filter((x): x is string => !!x);
          externalIps.push(...ext, ...ext6);
          return clean({
            name: str(n.name),
            network: computeName(str(n.network)),
            subnetwork: computeName(str(n.subnetwork)),
            networkIP: str(n.networkIP),
            externalIps: [...ext, ...ext6],
            // An access config without natIP still gets an ephemeral external address.
            accessConfigs: arr(n.accessConfigs).length,
          });
        });
        const emails = arr(d.serviceAccounts)
          .map(obj)
          .map((x) => str(x.email))
          .filter((x): x is string => !!x);
        s.node({
          id: a.name,
          kind: "compute",
          type: GCP_TYPES.instance,
          name: str(d.name) ?? lastSegment(a.name)!,
          accountId: accountOf(a.name),
          region,
          tags: labels(d.labels),
          props: {
            instanceId: str(d.id),
            status: str(d.status),
            zone: lastSegment(str(d.zone)) ?? /\/zones\/([^/]+)/.exec(a.name)?.[1],
            networkTags: strs(obj(d.tags).items),
            serviceAccounts: emails,
            scopes: [
              ...new Set(
                arr(d.serviceAccounts)
                  .map(obj)
                  .flatMap((x) => strs(x.scopes)),
              ),
            ],
            externalIps,
            hasExternalAccess: nics.some(
              (n) => arr(n.accessConfigs).length > 0 || arr(n.ipv6AccessConfigs).length > 0,
            ),
            networkInterfaces: interfaces,
          },
        });
        contain(a.name);
        for (const i of interfaces) {
          if (typeof i.network === "string") s.edge(a.name, "IN_NETWORK", i.network);
          if (typeof i.subnetwork === "string") s.edge(a.name, "IN_SUBNET", i.subnetwork);
        }
        for (const e of emails) s.edge(a.name, "HAS_ROLE", serviceAccountRef(e, byEmail), { email: e });
        break;
      }
      case "compute.googleapis.com/Firewall": {
        const network = computeName(str(d.network));
        s.node({
          id: a.name,
          kind: "firewall",
          type: GCP_TYPES.firewall,
          name: str(d.name) ?? lastSegment(a.name)!,
          accountId: accountOf(a.name),
          props: {
            network,
            direction: str(d.direction) ?? "INGRESS",
            priority: typeof d.priority === "number" ? d.priority : Number(str(d.priority) ?? 1000),
            disabled: d.disabled === true,
            sourceRanges: strs(d.sourceRanges),
            destinationRanges: strs(d.destinationRanges),
            sourceTags: strs(d.sourceTags),
            sourceServiceAccounts: strs(d.sourceServiceAccounts),
            targetTags: strs(d.targetTags),
            targetServiceAccounts: strs(d.targetServiceAccounts),
            allowed: firewallRules(d.allowed),
            denied: firewallRules(d.denied),
          },
        });
        contain(a.name);
        if (network) s.edge(a.name, "IN_NETWORK", network);
        break;
      }
      case "compute.googleapis.com/Network": {
        s.node({
          id: a.name,
          kind: "network",
          type: GCP_TYPES.network,
          name: str(d.name) ?? lastSegment(a.name)!,
          accountId: accountOf(a.name),
          props: {
            autoCreateSubnetworks: d.autoCreateSubnetworks === true ? true : undefined,
            routingMode: str(obj(d.routingConfig).routingMode),
          },
        });
        contain(a.name);
        break;
      }
      case "compute.googleapis.com/Subnetwork": {
        const network = computeName(str(d.network));
        s.node({
          id: a.name,
          kind: "subnet",
          type: GCP_TYPES.subnetwork,
          name: str(d.name) ?? lastSegment(a.name)!,
          accountId: accountOf(a.name),
          region,
          props: {
            ipCidrRange: str(d.ipCidrRange),
            network,
            privateIpGoogleAccess: d.privateIpGoogleAccess === true,
          },
        });
        contain(a.name);
        if (network) s.edge(a.name, "IN_NETWORK", network);
        break;
      }
      case "storage.googleapis.com/Bucket": {
        const iam = obj(d.iamConfiguration);
        s.node({
          id: a.name,
          kind: "data_store",
          type: GCP_TYPES.bucket,
          name: str(d.name) ?? lastSegment(a.name)!,
          accountId: str(d.projectNumber)
            ? (projectIdByNumber.get(str(d.projectNumber)!) ?? str(d.projectNumber))
            : undefined,
          tags: labels(d.labels),
          props: {
            location: str(d.location),
            projectNumber: str(d.projectNumber),
            uniformBucketLevelAccess: obj(iam.uniformBucketLevelAccess).enabled === true,
            publicAccessPrevention: str(iam.publicAccessPrevention),
          },
        });
        contain(a.name);
        break;
      }
      case "sqladmin.googleapis.com/Instance": {
        const settings = obj(d.settings);
        const ipc = obj(settings.ipConfiguration);
        const addrs = arr(d.ipAddresses).map(obj);
        s.node({
          id: a.name,
          kind: "data_store",
          type: GCP_TYPES.sqlInstance,
          name: str(d.name) ?? lastSegment(a.name)!,
          accountId: str(d.project) ?? accountOf(a.name),
          region,
          tags: labels(settings.userLabels),
          props: {
            databaseVersion: str(d.databaseVersion),
            state: str(d.state),
            ipv4Enabled: ipc.ipv4Enabled === true,
            requireSsl: ipc.requireSsl === true ? true : undefined,
            sslMode: str(ipc.sslMode),
            authorizedNetworks: arr(ipc.authorizedNetworks)
              .map(obj)
              .map((n) => str(n.value))
              .filter((x): x is string => !!x),
            publicIps: addrs
              .filter((x) => str(x.type) === "PRIMARY")
              .map((x) => str(x.ipAddress))
              .filter((x): x is string => !!x),
            privateIps: addrs
              .filter((x) => str(x.type) === "PRIVATE")
              .map((x) => str(x.ipAddress))
              .filter((x): x is string => !!x),
          },
        });
        contain(a.name);
        break;
      }
      case "bigquery.googleapis.com/Dataset": {
        const ref = obj(d.datasetReference);
        s.node({
          id: a.name,
          kind: "data_store",
          type: GCP_TYPES.bigqueryDataset,
          name: str(ref.datasetId) ?? lastSegment(a.name)!,
          accountId: str(ref.projectId) ?? accountOf(a.name),
          region: str(d.location)?.toLowerCase(),
          tags: labels(d.labels),
          props: {
            datasetId: str(ref.datasetId),
            location: str(d.location),
            access: datasetAccess(d.access),
            kmsKeyName: str(obj(d.defaultEncryptionConfiguration).kmsKeyName),
          },
        });
        contain(a.name);
        break;
      }
      case "spanner.googleapis.com/Instance": {
        s.node({
          id: a.name,
          kind: "data_store",
          type: GCP_TYPES.spannerInstance,
          name: str(d.displayName) ?? lastSegment(a.name)!,
          accountId: accountOf(a.name),
          region: spannerRegion(str(d.config)),
          tags: labels(d.labels),
          props: {
            instanceId: lastSegment(a.name),
            config: lastSegment(str(d.config)),
            state: str(d.state),
            nodeCount: typeof d.nodeCount === "number" ? d.nodeCount : undefined,
          },
        });
        contain(a.name);
        break;
      }
      case "spanner.googleapis.com/Database": {
        // A database sits in its instance (the name says which, whatever `parent` holds).
        const instance = a.name.replace(/\/databases\/[^/]+$/, "");
        s.node({
          id: a.name,
          kind: "data_store",
          type: GCP_TYPES.spannerDatabase,
          name: lastSegment(a.name)!,
          accountId: accountOf(a.name),
          tags: labels(d.labels),
          props: {
            instance,
            state: str(d.state),
            databaseDialect: str(d.databaseDialect),
            kmsKeyName: str(obj(d.encryptionConfig).kmsKeyName),
          },
        });
        if (instance !== a.name) s.edge(instance, "CONTAINS", a.name);
        else contain(a.name);
        break;
      }
      case "bigtableadmin.googleapis.com/Instance": {
        s.node({
          id: a.name,
          kind: "data_store",
          type: GCP_TYPES.bigtableInstance,
          name: str(d.displayName) ?? lastSegment(a.name)!,
          accountId: accountOf(a.name),
          tags: labels(d.labels),
          props: { instanceId: lastSegment(a.name), state: str(d.state), instanceType: str(d.type) },
        });
        contain(a.name);
        break;
      }
      case "iam.googleapis.com/ServiceAccount": {
        const id = serviceAccountId(a);
        s.node({
          id,
          kind: "identity",
          type: GCP_TYPES.serviceAccount,
          name: str(d.email) ?? lastSegment(a.name)!,
          accountId: str(d.projectId) ?? accountOf(a.name),
          props: {
            email: str(d.email)?.toLowerCase(),
            uniqueId: str(d.uniqueId),
            displayName: str(d.displayName),
            disabled: d.disabled === true,
          },
        });
        if (parent) s.edge(parent, "CONTAINS", id);
        break;
      }
      case "iam.googleapis.com/ServiceAccountKey": {
        const saName = a.name.replace(/\/keys\/[^/]+$/, "");
        const saId = saIdByName.get(saName) ?? saIdByName.get(a.resource.parent ?? "") ?? saName;
        const keyType = str(d.keyType) ?? "USER_MANAGED";
        s.node({
          id: a.name,
          kind: "identity",
          type: GCP_TYPES.serviceAccountKey,
          name: lastSegment(a.name)!,
          accountId: accountOf(a.name),
          props: {
            keyId: lastSegment(a.name),
            keyType,
            keyOrigin: str(d.keyOrigin),
            validAfterTime: str(d.validAfterTime),
            validBeforeTime: str(d.validBeforeTime),
            disabled: d.disabled === true,
          },
        });
        s.edge(saId, "HAS_KEY", a.name, { keyType });
        break;
      }
      default:
        break;
    }
  }
  return { nodes: s.nodes, edges: s.edges, findings: [] };
}

/** The policy node id of an asset's IAM policy. */
export const iamPolicyId = (assetName: string): string => `${assetName}#iamPolicy`;

/** IAM_POLICY content → one policy node per asset (its bindings) and `asset ATTACHED_POLICY policy`. */
export function transformIamPolicies(assets: readonly CaiAsset[], key: SourceKey): GraphFacts {
  const s = new Sink(key);
  for (const a of assets) {
    if (!a.iamPolicy) continue;
    const id = iamPolicyId(a.name);
    const level = /\/organizations\/[^/]+$/.test(a.name)
      ? "organization"
      : /\/folders\/[^/]+$/.test(a.name)
        ? "folder"
        : /^\/\/cloudresourcemanager\.googleapis\.com\/projects\/[^/]+$/.test(a.name)
          ? "project"
          : "resource";
    s.node({
      id,
      kind: "policy",
      type: GCP_TYPES.iamPolicy,
      name: `IAM policy of ${a.name.replace(/^\/\/[^/]+\//, "")}`,
      accountId: level === "organization" || level === "folder" ? lastSegment(a.name) : projectOf(a.name),
      props: {
        resource: a.name,
        assetType: a.assetType,
        level,
        bindings: a.iamPolicy.bindings.map((b) => clean({ ...b })),
      },
    });
    s.edge(a.name, "ATTACHED_POLICY", id);
  }
  return { nodes: s.nodes, edges: s.edges, findings: [] };
}

/** Org-policy and access-policy content: counted as policy nodes so an export's lines all land somewhere. */
export function transformOtherPolicies(assets: readonly CaiAsset[], key: SourceKey): GraphFacts {
  const s = new Sink(key);
  for (const a of assets) {
    for (const p of (a.orgPolicy ?? []).map(obj)) {
      const constraint = str(p.constraint) ?? "unknown";
      s.node({
        id: `${a.name}#orgPolicy/${constraint}`,
        kind: "policy",
        type: GCP_TYPES.orgPolicy,
        name: constraint,
        props: { resource: a.name, policy: p },
      });
      s.edge(a.name, "ATTACHED_POLICY", `${a.name}#orgPolicy/${constraint}`);
    }
    for (const [what, p] of [
      ["accessPolicy", a.accessPolicy],
      ["accessLevel", a.accessLevel],
      ["servicePerimeter", a.servicePerimeter],
    ] as const) {
      if (!p) continue;
      const name = str(p.name) ?? what;
      s.node({
        id: `//accesscontextmanager.googleapis.com/${name}`,
        kind: "policy",
        type: GCP_TYPES.accessPolicy,
        name: str(p.title) ?? name,
        props: { resource: a.name, content: what, policy: p },
      });
    }
  }
  return { nodes: s.nodes, edges: s.edges, findings: [] };
}
