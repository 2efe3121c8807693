// Remediation options generated from a hop's evidence (DESIGN "Prioritization" step 6): the exact
// change each one makes (revoke this ingress rule for this range, remove this policy statement,
// require IMDSv2 on this instance, …) with its AWS CLI and Terraform text, and which attack edges
// it removes. An edge is removed when one of its "killers" is applied, or when every support of
// one of its requirement groups is (an EXPOSES edge lives while any internet ingress rule admits
// it; a CAN_ESCALATE edge dies when any one required permission loses all its granting statements).
import { INTERNET_NODE_ID } from "@ctem/model";
import type { Evidence, Finding } from "@ctem/model";
import type { DerivedEdge } from "../edges.js";
import type { EstateNode } from "../graph.js";
import { gcpEdgeOptions, gcpKeyEntryOption } from "./gcp.js";
import { azureEdgeOptions, azureKeyEntryOption } from "./azure.js";

export type Change =
  | {
      type: "revoke-ingress";
      group: string;
      groupId: string;
      ref: string;
      protocol: string;
      fromPort: number;
      toPort: number;
      cidr?: string;
      sourceGroup?: string;
    }
  | { type: "remove-statement"; policy: string; ref: string; statement: Record<string, unknown> }
  | { type: "require-imdsv2"; instance: string; instanceId: string }
  | { type: "block-public-access"; bucket: string; name: string }
  | { type: "rds-private"; db: string; name: string }
  | { type: "deactivate-key"; user: string; userName: string; keys: string[] }
  | { type: "upgrade-package"; asset: string; package: string; fixedVersion?: string; findings: string[] };

export interface FixOption {
  id: string;
  title: string;
  cli: string | null;
  terraform: string | null;
  change: Change;
  /** Whether applying it can remove edges (else it only lowers probabilities). */
  cuts: boolean;
}

export interface CutSpec {
  killers: string[];
  groups: string[][];
}

const str = (v: unknown): string => (typeof v === "string" || typeof v === "number" ? String(v) : "");
const last = (id: string) => id.split("/").pop() ?? id;
const tfName = (s: string) =>
  s
    .replace(/[^A-Za-z0-9_]/g, "_")
    .replace(/^_+/, "")
    .slice(0, 60) || "x";
const protoArg = (p: string) => (p === "all" || p === "-1" ? "-1" : p);

function ingressOption(ev: Evidence): FixOption | undefined {
  if (ev.source !== "aws-ec2-security-groups" || !ev.ref.includes("#ingress[")) return undefined;
  const d = ev.detail ?? {};
  const group = typeof d.group === "string" ? d.group : undefined;
  const groupId = ev.ref.split("#")[0]!;
  if (!group) return undefined;
  const cidr = typeof d.cidr === "string" ? d.cidr : undefined;
  const sourceGroup = typeof d.sourceGroup === "string" ? d.sourceGroup : undefined;
  if (!cidr && !sourceGroup) return undefined;
  const protocol = str(d.protocol) || "tcp";
  const fromPort = Number(d.fromPort ?? d.from ?? d.port ?? -1);
  const toPort = Number(d.toPort ?? d.to ?? d.port ?? -1);
  const v6 = cidr?.includes(":");
  const range = cidr
    ? v6
      ? `Ipv6Ranges=[{CidrIpv6=${cidr}}]`
      : `IpRanges=[{CidrIp=${cidr}}]`
    : `UserIdGroupPairs=[{GroupId=${sourceGroup}}]`;
  const portArgs = protoArg(protocol) === "-1" ? "" : `,FromPort=${fromPort},ToPort=${toPort}`;
  const what = `${protocol === "all" ? "all traffic" : `${protocol}/${fromPort === toPort ? fromPort : `${fromPort}-${toPort}`}`}`;
  const tf = [
    `# ${groupId}: delete the ingress rule admitting ${cidr ?? sourceGroup} on ${what}`,
    `resource "aws_vpc_security_group_ingress_rule" "${tfName(`${groupId}_${cidr ?? sourceGroup}`)}" {`,
    `  security_group_id = "${groupId}"`,
    `  ip_protocol       = "${protoArg(protocol)}"`,
    ...(portArgs ? [`  from_port         = ${fromPort}`, `  to_port           = ${toPort}`] : []),
    cidr
      ? `  ${v6 ? "cidr_ipv6" : "cidr_ipv4"}         = "${cidr}"`
      : `  referenced_security_group_id = "${sourceGroup}"`,
    `}`,
    `# remove this block (or narrow the range) and apply`,
  ].join("\n");
  return {
    id: `revoke-ingress:${ev.ref}:${cidr ?? sourceGroup}`,
    title: `Revoke ${groupId} ingress ${what} from ${cidr ?? sourceGroup}`,
    cli: `aws ec2 revoke-security-group-ingress --group-id ${groupId} --ip-permissions IpProtocol=${protoArg(protocol)}${portArgs},${range}`,
    terraform: tf,
    change: {
      type: "revoke-ingress",
      group,
      groupId,
      ref: ev.ref,
      protocol,
      fromPort,
      toPort,
      ...(cidr ? { cidr } : {}),
      ...(sourceGroup ? { sourceGroup } : {}),
    },
    cuts: true,
  };
}

function statementOption(ev: Evidence): FixOption | undefined {
  if (ev.source !== "iam-policy" || ev.detail?.effect !== "Allow") return undefined;
  const m = /^(.*)#Statement\[(\d+)\]$/.exec(ev.ref);
  if (!m) return undefined;
  const policy = m[1]!;
  const index = Number(m[2]);
  const d = ev.detail;
  const statement: Record<string, unknown> = { Effect: "Allow" };
  if (d.sid) statement.Sid = d.sid;
  if (Array.isArray(d.action)) statement.Action = d.action;
  if (Array.isArray(d.resource)) statement.Resource = d.resource;
  if (Array.isArray(d.notResource)) statement.NotResource = d.notResource;
  const shown = JSON.stringify(statement);
  let cli: string;
  let tf: string;
  let where: string;
  if (policy.endsWith("#trust")) {
    const role = last(policy.slice(0, -"#trust".length));
    where = `the trust policy of role ${role}`;
    cli = `aws iam update-assume-role-policy --role-name ${role} --policy-document file://${role}-trust.json  # the current trust policy without Statement[${index}] ${shown}`;
    tf = `# aws_iam_role "${role}": remove this statement from assume_role_policy\n# ${shown}`;
  } else if (policy.includes("#inline-policy/")) {
    const [principal, name] = policy.split("#inline-policy/") as [string, string];
    const kind = principal.includes(":user/") ? "user" : principal.includes(":group/") ? "group" : "role";
    const pname = last(principal);
    where = `inline policy ${name} of ${kind} ${pname}`;
    cli = `aws iam put-${kind}-policy --${kind}-name ${pname} --policy-name ${name} --policy-document file://${name}.json  # the current document without Statement[${index}] ${shown}`;
    tf = `# aws_iam_${kind}_policy "${name}" on ${pname}: remove this statement\n# ${shown}`;
  } else if (policy.endsWith("#policy")) {
    const store = policy.slice(0, -"#policy".length);
    const bucket = store.startsWith("arn:aws:s3:::") ? store.slice("arn:aws:s3:::".length) : last(store);
    where = `the resource policy of ${bucket}`;
    cli = store.startsWith("arn:aws:s3:::")
      ? `aws s3api put-bucket-policy --bucket ${bucket} --policy file://${bucket}-policy.json  # the current policy without Statement[${index}] ${shown}`
      : `# edit the resource policy of ${store}: remove Statement[${index}] ${shown}`;
    tf = `# aws_s3_bucket_policy "${bucket}": remove this statement\n# ${shown}`;
  } else {
    const name = last(policy);
    where = `managed policy ${name}`;
    cli = `aws iam create-policy-version --policy-arn ${policy} --set-as-default --policy-document file://${name}.json  # the current version without Statement[${index}] ${shown}`;
    tf = `# aws_iam_policy "${name}": remove this statement from the policy document\n# ${shown}`;
  }
  const actions = Array.isArray(d.action) ? (d.action as string[]).join(", ") : "NotAction";
  return {
    id: `remove-statement:${ev.ref}`,
    title: `Remove Statement[${index}]${d.sid ? ` (${str(d.sid)})` : ""} granting ${actions} from ${where}`,
    cli,
    terraform: tf,
    change: { type: "remove-statement", policy, ref: ev.ref, statement },
    cuts: true,
  };
}

/** Options that act on one attack edge, from its evidence and endpoints. */
/**
 * Options already made in one analysis, by what decides their id: the same statement or ingress
 * rule is evidence on many edges, and only an option's id matters after its first making (the
 * plan keeps the first object per id; cut specs hold ids).
 */
export type OptionMemo = Map<string | Evidence, FixOption | undefined>;

function memoIngress(ev: Evidence, memo: OptionMemo | undefined): FixOption | undefined {
  if (!memo || ev.source !== "aws-ec2-security-groups") return ingressOption(ev);
  // The same evidence object on another edge: its option without making its key again.
  if (memo.has(ev)) return memo.get(ev);
  const d = ev.detail ?? {};
  const k = `i${JSON.stringify([ev.ref, d.group, d.cidr, d.sourceGroup])}`;
  let o: FixOption | undefined;
  if (memo.has(k)) o = memo.get(k);
  else memo.set(k, (o = ingressOption(ev)));
  memo.set(ev, o);
  return o;
}

function memoStatement(ev: Evidence, memo: OptionMemo | undefined): FixOption | undefined {
  if (!memo || ev.source !== "iam-policy" || ev.detail?.effect !== "Allow") return statementOption(ev);
  const k = `s\u0000${ev.ref}`;
  if (memo.has(k)) return memo.get(k);
  const o = statementOption(ev);
  memo.set(k, o);
  return o;
}

/**
 * The list optionsForEdge is filling (it never runs inside itself) and the one function that adds
 * to it, deduplicated by id: no closure and set made per edge.
 */
let collecting: FixOption[] = [];
const collect = (o: FixOption | undefined): FixOption | undefined => {
  if (o) {
    const list = collecting;
    let seen = false;
    for (let i = 0; i < list.length; i++) if (list[i]!.id === o.id) seen = true;
    if (!seen) list.push(o);
  }
  return o;
};
const NO_OPTIONS: FixOption[] = [];

export function optionsForEdge(
  e: DerivedEdge,
  node: (id: string) => EstateNode | undefined,
  memo?: OptionMemo,
): { options: FixOption[]; spec: CutSpec } {
  const options: FixOption[] = [];
  const spec: CutSpec = { killers: [], groups: [] };
  collecting = options;
  const add = collect;
  const to = node(e.to);
  if (e.kind === "EXPOSES" || e.kind === "CAN_REACH") {
    const group: string[] = [];
    for (const ev of e.evidence) {
      const o = add(memoIngress(ev, memo));
      if (o) group.push(o.id);
    }
    if (group.length) spec.groups.push(group);
    if (e.kind === "EXPOSES" && e.from === INTERNET_NODE_ID && to?.type === "aws.s3.bucket") {
      const name = to.name || e.to.replace("arn:aws:s3:::", "");
      const o = add({
        id: `block-public-access:${e.to}`,
        title: `Turn on S3 Block Public Access for bucket ${name}`,
        cli: `aws s3api put-public-access-block --bucket ${name} --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true`,
        terraform: `resource "aws_s3_bucket_public_access_block" "${tfName(name)}" {\n  bucket                  = "${name}"\n  block_public_acls       = true\n  ignore_public_acls      = true\n  block_public_policy     = true\n  restrict_public_buckets = true\n}`,
        change: { type: "block-public-access", bucket: e.to, name },
        cuts: true,
      });
      spec.killers.push(o!.id);
    }
    if (e.kind === "EXPOSES" && to?.type === "aws.rds.db_instance") {
      const name = to.name || last(e.to);
      const o = add({
        id: `rds-private:${e.to}`,
        title: `Make database ${name} not publicly accessible`,
        cli: `aws rds modify-db-instance --db-instance-identifier ${name} --no-publicly-accessible --apply-immediately`,
        terraform: `resource "aws_db_instance" "${tfName(name)}" {\n  # …\n  publicly_accessible = false\n}`,
        change: { type: "rds-private", db: e.to, name },
        cuts: true,
      });
      spec.killers.push(o!.id);
    }
  } else if (e.kind === "RUNS_AS") {
    const from = node(e.from);
    if (e.props.httpTokens !== "required" && from?.type === "aws.ec2.instance") {
      const instanceId = typeof from.props.instanceId === "string" ? from.props.instanceId : last(e.from);
      add({
        id: `require-imdsv2:${e.from}`,
        title: `Require IMDSv2 on ${instanceId}`,
        cli: `aws ec2 modify-instance-metadata-options --instance-id ${instanceId} --http-tokens required --http-endpoint enabled`,
        terraform: `resource "aws_instance" "${tfName(from.name || instanceId)}" {\n  # …\n  metadata_options {\n    http_endpoint = "enabled"\n    http_tokens   = "required"\n  }\n}`,
        change: { type: "require-imdsv2", instance: e.from, instanceId },
        cuts: false,
      });
    }
  } else if (e.kind === "CAN_ACCESS" || e.kind === "CAN_ESCALATE" || e.kind === "CAN_ASSUME") {
    // CAN_ASSUME needs the trust policy AND the caller's permission; an escalation needs every
    // required action; an access needs one grant (identity OR resource policy).
    const groups = new Map<string, string[]>();
    for (const ev of e.evidence) {
      const o = add(memoStatement(ev, memo));
      if (!o) continue;
      const d = ev.detail ?? {};
      const g =
        e.kind === "CAN_ASSUME"
          ? str(d.role)
          : e.kind === "CAN_ESCALATE"
            ? Array.isArray(d.action)
              ? d.action.join(",")
              : str(d.action)
            : "grant";
      const list = groups.get(g);
      if (list) list.push(o.id);
      else groups.set(g, [o.id]);
    }
    spec.groups.push(...groups.values());
  }
  gcpEdgeOptions(e, to, add, spec);
  azureEdgeOptions(e, to, add, spec);
  collecting = NO_OPTIONS;
  return { options, spec };
}

/** Options that remove an entry: deactivating a user's active access keys. */
export function keyEntryOption(user: EstateNode, evidence: readonly Evidence[]): FixOption {
  if (user.type === "gcp.iam.service_account") return gcpKeyEntryOption(user, evidence);
  if (user.type.startsWith("azure.")) return azureKeyEntryOption(user, evidence);
  const keys = evidence.map((e) => str(e.detail?.accessKeyId)).filter(Boolean);
  const name = user.name || last(user.id);
  return {
    id: `deactivate-key:${user.id}`,
    title: `Deactivate the active access key${keys.length > 1 ? "s" : ""} of ${name}`,
    cli:
      keys
        .map((k) => `aws iam update-access-key --user-name ${name} --access-key-id ${k} --status Inactive`)
        .join("\n") || null,
    terraform: `# remove the aws_iam_access_key resource(s) of user ${name}; use a role instead`,
    change: { type: "deactivate-key", user: user.id, userName: name, keys },
    cuts: true,
  };
}

/**
 * a.localeCompare(b, undefined, { numeric: true }) (which is specified as this collator's compare)
 * without a collator made per call.
 */
const byVersion = new Intl.Collator(undefined, { numeric: true }).compare;

/** Package upgrades that lower an asset's likelihood: one option per (asset, package). */
export function upgradeOptions(asset: EstateNode, findings: readonly Finding[]): FixOption[] {
  const byPkg = new Map<string, Finding[]>();
  for (const f of findings) {
    if (f.kind !== "vulnerability" || !f.package) continue;
    const list = byPkg.get(f.package);
    if (list) list.push(f);
    else byPkg.set(f.package, [f]);
  }
  const out: FixOption[] = [];
  for (const [pkg, fs] of byPkg) {
    const fixed = fs.map((f) => f.fixedVersion).filter((v): v is string => Boolean(v));
    const fixedVersion = fixed.sort(byVersion).pop();
    const cves = fs.map((f) => f.ruleId).join(", ");
    const instanceId = typeof asset.props.instanceId === "string" ? asset.props.instanceId : undefined;
    out.push({
      id: `upgrade:${asset.id}:${pkg}`,
      title: `Upgrade ${pkg}${fs[0]?.installedVersion ? ` ${fs[0].installedVersion}` : ""} to ${fixedVersion ?? "a fixed version"} on ${asset.name} (${cves})`,
      cli: instanceId
        ? `aws ssm send-command --instance-ids ${instanceId} --document-name AWS-RunPatchBaseline --parameters Operation=Install  # installs ${pkg} ${fixedVersion ?? "(latest)"}`
        : null,
      terraform: null,
      change: {
        type: "upgrade-package",
        asset: asset.id,
        package: pkg,
        ...(fixedVersion ? { fixedVersion } : {}),
        findings: fs.map((f) => f.key),
      },
      cuts: false,
    });
  }
  return out;
}

/** Whether the applied option ids remove the edge. */
export function isCut(spec: CutSpec, applied: ReadonlySet<string>): boolean {
  if (spec.killers.some((k) => applied.has(k))) return true;
  return spec.groups.some((g) => g.length > 0 && g.every((id) => applied.has(id)));
}
