// IAM from GetAccountAuthorizationDetails: users, groups, roles (trust policies), managed and
// inline policies (default versions), instance profiles and permission boundaries. Policy
// documents arrive URL-encoded; some AWS-compatible endpoints send them plain; both are read.
import { paginateGetAccountAuthorizationDetails } from "@aws-sdk/client-iam";
import type {
  GetAccountAuthorizationDetailsCommandOutput,
  GroupDetail,
  ManagedPolicyDetail,
  RoleDetail,
  UserDetail,
} from "@aws-sdk/client-iam";
import type { Assumption, Evidence } from "@ctem/model";
import { accountArn } from "../arn.js";
import { toCollectError } from "../errors.js";
import { defineModule } from "../module.js";
import { iso, sink, tagsOf } from "../facts.js";
import type { FactSink } from "../facts.js";

export interface IamDetails {
  users: UserDetail[];
  groups: GroupDetail[];
  roles: RoleDetail[];
  policies: ManagedPolicyDetail[];
}

/** A policy document as JSON: URL-encoded (AWS) or plain (some compatible endpoints), tolerantly. */
export function decodePolicy(doc: unknown): { document?: unknown; unparsed?: string } {
  if (doc === undefined || doc === null || doc === "") return {};
  if (typeof doc === "object") return { document: doc };
  const text = typeof doc === "string" ? doc : JSON.stringify(doc);
  const attempts = text.trimStart().startsWith("{") ? [text] : [safeDecode(text), text];
  for (const a of attempts) {
    if (a === undefined) continue;
    try {
      return { document: JSON.parse(a) as unknown };
    } catch {
      // try the next spelling
    }
  }
  return { unparsed: text };
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** The last path segment of an ARN: `arn:aws:iam::1:policy/a/b` → `b`. */
export function nameFromArn(arn: string): string {
  return arn.split("/").pop() || arn;
}

const inlineId = (principal: string, name: string) => `${principal}#inline-policy/${name}`;

type Statement = {
  Effect?: string;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: string | string[];
  Condition?: unknown;
};

function statements(doc: unknown): Statement[] {
  if (!doc || typeof doc !== "object") return [];
  const st = (doc as { Statement?: unknown }).Statement;
  return (Array.isArray(st) ? st : st ? [st] : []) as Statement[];
}

const str = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v));
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(str) : v === undefined ? [] : [str(v)]);

export const iam = defineModule<IamDetails>({
  id: "aws-iam",
  description:
    "IAM users, groups, roles with trust policies, managed (customer and attached AWS) and inline policies, instance profiles, permission boundaries.",
  scope: "global",
  produces: {
    nodes: [
      "aws.iam.user",
      "aws.iam.group",
      "aws.iam.role",
      "aws.iam.instance_profile",
      "aws.iam.managed_policy",
      "aws.iam.inline_policy",
    ],
    edges: ["CONTAINS", "MEMBER_OF", "ATTACHED_POLICY", "TRUSTS"],
  },
  dependsOn: [],
  permissions: ["iam:GetAccountAuthorizationDetails"],
  async collect({ clients }) {
    const out: IamDetails = { users: [], groups: [], roles: [], policies: [] };
    try {
      const pages = paginateGetAccountAuthorizationDetails({ client: clients.iam() }, {});
      for await (const p of pages as AsyncIterable<GetAccountAuthorizationDetailsCommandOutput>) {
        out.users.push(...(p.UserDetailList ?? []));
        out.groups.push(...(p.GroupDetailList ?? []));
        out.roles.push(...(p.RoleDetailList ?? []));
        out.policies.push(...(p.Policies ?? []));
      }
    } catch (e) {
      throw toCollectError(e, "iam:GetAccountAuthorizationDetails");
    }
    return out;
  },
  transform(d, ctx) {
    const s = sink(ctx);
    const groupArnByName = new Map(d.groups.map((g) => [g.GroupName ?? nameFromArn(g.Arn ?? ""), g.Arn!]));
    const referenced = new Set<string>();
    const attach = (principal: string, arn: string, as: string) => {
      referenced.add(arn);
      const existing = s.edges.find(
        (e) => e.from === principal && e.kind === "ATTACHED_POLICY" && e.to === arn,
      );
      if (existing) (existing.props as { as: string[] }).as.push(as);
      else s.edge(principal, "ATTACHED_POLICY", arn, { as: [as] });
    };
    const inline = (principal: string, pols: Array<{ PolicyName?: string; PolicyDocument?: string }>) => {
      for (const p of pols) {
        if (!p.PolicyName) continue;
        const id = inlineId(principal, p.PolicyName);
        const doc = decodePolicy(p.PolicyDocument);
        s.node({
          id,
          kind: "policy",
          type: "aws.iam.inline_policy",
          name: p.PolicyName,
          props: { principal, ...doc },
        });
        s.edge(principal, "ATTACHED_POLICY", id, { as: ["inline"] });
      }
    };
    const managed = (principal: string, pols: Array<{ PolicyArn?: string }> | undefined) => {
      for (const p of pols ?? []) if (p.PolicyArn) attach(principal, p.PolicyArn, "managed");
    };

    for (const u of d.users) {
      if (!u.Arn) continue;
      const tags = tagsOf(u.Tags);
      s.node({
        id: u.Arn,
        kind: "identity",
        type: "aws.iam.user",
        name: u.UserName ?? nameFromArn(u.Arn),
        tags,
        props: {
          userId: u.UserId,
          path: u.Path,
          createDate: iso(u.CreateDate),
          permissionsBoundaryArn: u.PermissionsBoundary?.PermissionsBoundaryArn,
        },
      });
      s.contains(u.Arn);
      for (const g of u.GroupList ?? [])
        s.edge(
          u.Arn,
          "MEMBER_OF",
          groupArnByName.get(g) ?? `arn:${ctx.partition}:iam::${ctx.accountId}:group/${g}`,
        );
      managed(u.Arn, u.AttachedManagedPolicies);
      inline(u.Arn, u.UserPolicyList ?? []);
      if (u.PermissionsBoundary?.PermissionsBoundaryArn)
        attach(u.Arn, u.PermissionsBoundary.PermissionsBoundaryArn, "permissions_boundary");
    }

    for (const g of d.groups) {
      if (!g.Arn) continue;
      s.node({
        id: g.Arn,
        kind: "identity",
        type: "aws.iam.group",
        name: g.GroupName ?? nameFromArn(g.Arn),
        props: { groupId: g.GroupId, path: g.Path, createDate: iso(g.CreateDate) },
      });
      s.contains(g.Arn);
      managed(g.Arn, g.AttachedManagedPolicies);
      inline(g.Arn, g.GroupPolicyList ?? []);
    }

    for (const r of d.roles) {
      const roleArn = r.Arn;
      if (!roleArn) continue;
      const tags = tagsOf(r.Tags);
      const trust = decodePolicy(r.AssumeRolePolicyDocument);
      const services = new Set<string>();
      const federated = new Set<string>();
      let anyPrincipal = false;
      statements(trust.document).forEach((st, i) => {
        if (st.Effect !== "Allow" || !st.Principal) return;
        const actions = list(st.Action);
        const pr = st.Principal;
        const aws = pr === "*" ? ["*"] : list((pr as { AWS?: unknown }).AWS);
        for (const x of list((pr as { Service?: unknown }).Service)) services.add(x);
        for (const x of list((pr as { Federated?: unknown }).Federated)) federated.add(x);
        for (const principal of aws) {
          if (principal === "*") {
            anyPrincipal = true;
            continue;
          }
          const to = /^\d{12}$/.test(principal) ? accountArn(ctx.partition, principal) : principal;
          const evidence: Evidence[] = [
            { source: "aws-iam", ref: `${roleArn}#trust[${i}]`, detail: { principal, actions } },
          ];
          const assumptions: Assumption[] = st.Condition
            ? [{ code: "condition_not_evaluated", detail: { condition: st.Condition } }]
            : [];
          const e = s.edge(roleArn, "TRUSTS", to, { actions }, evidence);
          e.assumptions = assumptions;
        }
      });
      s.node({
        id: roleArn,
        kind: "identity",
        type: "aws.iam.role",
        name: r.RoleName ?? nameFromArn(roleArn),
        tags,
        props: {
          roleId: r.RoleId,
          path: r.Path,
          createDate: iso(r.CreateDate),
          trustPolicy: trust.document,
          trustPolicyUnparsed: trust.unparsed,
          trustedServices: [...services].sort(),
          trustedFederated: [...federated].sort(),
          trustsAnyPrincipal: anyPrincipal || undefined,
          lastUsed: iso(r.RoleLastUsed?.LastUsedDate),
          permissionsBoundaryArn: r.PermissionsBoundary?.PermissionsBoundaryArn,
        },
      });
      s.contains(roleArn);
      managed(roleArn, r.AttachedManagedPolicies);
      inline(roleArn, r.RolePolicyList ?? []);
      if (r.PermissionsBoundary?.PermissionsBoundaryArn)
        attach(roleArn, r.PermissionsBoundary.PermissionsBoundaryArn, "permissions_boundary");
      for (const ip of r.InstanceProfileList ?? [])
        instanceProfile(s, ip.Arn, ip.InstanceProfileName, roleArn);
    }

    for (const p of d.policies) {
      if (!p.Arn) continue;
      const awsManaged = p.Arn.includes(":iam::aws:policy/");
      // AWS-managed policies are kept only where something in the account uses them.
      if (
        awsManaged &&
        !(p.AttachmentCount ?? 0) &&
        !(p.PermissionsBoundaryUsageCount ?? 0) &&
        !referenced.has(p.Arn)
      )
        continue;
      const def =
        (p.PolicyVersionList ?? []).find((v) => v.IsDefaultVersion) ??
        (p.PolicyVersionList ?? []).find((v) => v.VersionId === p.DefaultVersionId);
      const doc = decodePolicy(def?.Document);
      s.node({
        id: p.Arn,
        kind: "policy",
        type: "aws.iam.managed_policy",
        name: p.PolicyName ?? nameFromArn(p.Arn),
        props: {
          policyId: p.PolicyId,
          path: p.Path,
          awsManaged,
          defaultVersionId: p.DefaultVersionId,
          attachmentCount: p.AttachmentCount,
          document: doc.document,
          documentUnparsed: doc.unparsed,
        },
      });
      if (!awsManaged) s.contains(p.Arn);
    }
    return { nodes: dedupe(s), edges: s.edges };
  },
});

/** Role MEMBER_OF instance profile ("role in instance profile", as a user is in a group). */
function instanceProfile(
  s: FactSink,
  arn: string | undefined,
  name: string | undefined,
  roleArn: string,
): void {
  if (!arn) return;
  if (!s.nodes.some((n) => n.id === arn)) {
    s.node({ id: arn, kind: "identity", type: "aws.iam.instance_profile", name: name ?? nameFromArn(arn) });
    s.contains(arn);
  }
  s.edge(roleArn, "MEMBER_OF", arn);
}

function dedupe(s: FactSink) {
  const seen = new Set<string>();
  return s.nodes.filter((n) => (seen.has(n.id) ? false : (seen.add(n.id), true)));
}
