// A small GCP estate builder for the GCP rule tests: nodes and edges in the shape the Cloud Asset
// transform writes (packages/discovery/src/gcp/transform.ts), ids as Cloud Asset full names.
import type { EdgeFact, GraphFacts, NodeFact } from "@ctem/model";
import type { DeriveResult } from "../src/derive.js";
import { estateFromFacts } from "../src/graph.js";
import type { Rule } from "../src/rules/meta.js";
import { runRules } from "./rule-case.js";

const KEY = { source: "gcp:1", region: "global", collector: "gcp-cai-resource" };
const IAM = { source: "gcp:1", region: "global", collector: "gcp-cai-iam-policy" };
const CRM = "//cloudresourcemanager.googleapis.com/";

export const G = {
  org: `${CRM}organizations/1`,
  folder: `${CRM}folders/2`,
  project: `${CRM}projects/100`,
  other: `${CRM}projects/200`,
  net: "//compute.googleapis.com/projects/p1/global/networks/vpc",
  inst: (n: string) => `//compute.googleapis.com/projects/p1/zones/europe-west1-b/instances/${n}`,
  fw: (n: string) => `//compute.googleapis.com/projects/p1/global/firewalls/${n}`,
  email: (n: string) => `${n}@p1.iam.gserviceaccount.com`,
  sa: (n: string) => `//iam.googleapis.com/projects/p1/serviceAccounts/${n}-uid`,
  bucket: (n: string) => `//storage.googleapis.com/${n}`,
  sql: (n: string) => `//cloudsql.googleapis.com/projects/p1/instances/${n}`,
  dataset: (n: string, project = "p1") => `//bigquery.googleapis.com/projects/${project}/datasets/${n}`,
  spanner: (n: string) => `//spanner.googleapis.com/projects/p1/instances/${n}`,
  spannerDb: (i: string, n: string) => `//spanner.googleapis.com/projects/p1/instances/${i}/databases/${n}`,
  bigtable: (n: string) => `//bigtable.googleapis.com/projects/p1/instances/${n}`,
  member: (n: string) => `serviceAccount:${n}@p1.iam.gserviceaccount.com`,
};

export class GcpEstate {
  readonly nodes: NodeFact[] = [];
  readonly edges: EdgeFact[] = [];

  constructor() {
    this.node(G.org, "account", "gcp.organization");
    this.node(G.folder, "account", "gcp.folder");
    this.node(G.project, "account", "gcp.project", { projectId: "p1" });
    this.node(G.other, "account", "gcp.project", { projectId: "p2" });
    this.edge(G.org, "CONTAINS", G.folder);
    this.edge(G.folder, "CONTAINS", G.project);
    this.edge(G.org, "CONTAINS", G.other);
    this.node(G.net, "network", "gcp.compute.network");
  }

  node(
    id: string,
    kind: NodeFact["kind"],
    type: string,
    props: Record<string, unknown> = {},
    tags = {},
  ): this {
    this.nodes.push({
      id,
      kind,
      type,
      provider: "gcp",
      name: id.split("/").pop()!,
      tags,
      props,
      sources: [KEY],
    });
    return this;
  }

  edge(from: string, kind: EdgeFact["kind"], to: string, src = KEY): this {
    this.edges.push({ from, kind, to, props: {}, sources: [src] });
    return this;
  }

  instance(
    name: string,
    o: { tags?: string[]; sa?: string; external?: boolean; status?: string } = {},
  ): this {
    const external = o.external ?? true;
    const ip = external ? [`34.0.0.${this.nodes.length}`] : [];
    this.node(G.inst(name), "compute", "gcp.compute.instance", {
      status: o.status ?? "RUNNING",
      networkTags: o.tags ?? [],
      serviceAccounts: o.sa ? [G.email(o.sa)] : [],
      externalIps: ip,
      networkInterfaces: [{ network: G.net, accessConfigs: external ? 1 : 0, externalIps: ip }],
    });
    this.edge(G.project, "CONTAINS", G.inst(name));
    return this.edge(G.inst(name), "IN_NETWORK", G.net);
  }

  firewall(name: string, props: Record<string, unknown>): this {
    this.node(G.fw(name), "firewall", "gcp.compute.firewall", {
      network: G.net,
      direction: "INGRESS",
      priority: 1000,
      disabled: false,
      sourceRanges: ["0.0.0.0/0"],
      allowed: [],
      denied: [],
      ...props,
    });
    return this.edge(G.fw(name), "IN_NETWORK", G.net);
  }

  serviceAccount(name: string, project = G.project): this {
    this.node(G.sa(name), "identity", "gcp.iam.service_account", {
      email: G.email(name),
      uniqueId: `${name}-uid`,
    });
    return this.edge(project, "CONTAINS", G.sa(name));
  }

  key(sa: string, keyType: "USER_MANAGED" | "SYSTEM_MANAGED", extra: Record<string, unknown> = {}): this {
    const id = `${G.sa(sa)}/keys/${keyType.toLowerCase()}`;
    this.node(id, "identity", "gcp.iam.service_account_key", { keyType, ...extra });
    return this.edge(G.sa(sa), "HAS_KEY", id);
  }

  bucket(name: string, project = G.project, props: Record<string, unknown> = {}): this {
    this.node(G.bucket(name), "data_store", "gcp.storage.bucket", props);
    return this.edge(project, "CONTAINS", G.bucket(name));
  }

  sql(name: string, props: Record<string, unknown>): this {
    this.node(G.sql(name), "data_store", "gcp.sql.instance", props);
    return this.edge(G.project, "CONTAINS", G.sql(name));
  }

  /** A BigQuery dataset with its own ACL (`access[]` as the transform keeps it) and labels. */
  dataset(
    name: string,
    o: { project?: string; access?: Array<Record<string, string>>; tags?: Record<string, string> } = {},
  ): this {
    const project = o.project ?? G.project;
    const id = G.dataset(name, project === G.project ? "p1" : "p2");
    this.node(id, "data_store", "gcp.bigquery.dataset", { access: o.access ?? [] }, o.tags ?? {});
    return this.edge(project, "CONTAINS", id);
  }

  spanner(instance: string, databases: string[] = []): this {
    this.node(G.spanner(instance), "data_store", "gcp.spanner.instance");
    this.edge(G.project, "CONTAINS", G.spanner(instance));
    for (const d of databases) {
      this.node(G.spannerDb(instance, d), "data_store", "gcp.spanner.database");
      this.edge(G.spanner(instance), "CONTAINS", G.spannerDb(instance, d));
    }
    return this;
  }

  bigtable(name: string): this {
    this.node(G.bigtable(name), "data_store", "gcp.bigtable.instance");
    return this.edge(G.project, "CONTAINS", G.bigtable(name));
  }

  policy(on: string, level: string, bindings: Array<{ role: string; members: string[] }>): this {
    this.nodes.push({
      id: `${on}#iamPolicy`,
      kind: "policy",
      type: "gcp.iam.policy",
      provider: "gcp",
      name: `IAM policy of ${on}`,
      tags: {},
      props: { resource: on, level, bindings },
      sources: [IAM],
    });
    return this.edge(on, "ATTACHED_POLICY", `${on}#iamPolicy`, IAM);
  }

  facts(): GraphFacts {
    return { nodes: this.nodes, edges: this.edges, findings: [] };
  }

  run(rules: Rule[]): Promise<DeriveResult> {
    return runRules(rules, estateFromFacts([this.facts()]));
  }
}
