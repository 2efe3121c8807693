// instance RUNS_AS role: the instance profile's role, whose credentials any code on the instance
// can read from the metadata service. IMDSv1 (no token) makes SSRF enough; tokens required
// (IMDSv2) need code execution or a proxy that forwards PUT — the evidence says which.
import type { Assumption, Evidence } from "@ctem/model";
import { COLLECTOR_OF, InstanceProps, T, readProps } from "../../aws/shapes.js";
import { defineRule } from "../meta.js";

export const runsAsInstanceProfile = defineRule(
  {
    id: "runs-as-instance-profile",
    title: "Instance acts as its instance profile's role",
    edge: "RUNS_AS",
    severity: "medium",
    risk: "Anyone who runs code on the instance, or abuses an SSRF while IMDSv1 is allowed, obtains the role's credentials.",
    remediation: {
      aws: {
        title: "Require IMDSv2 tokens (and a hop limit of 1), and give the role only what the workload needs",
        cli: "aws ec2 modify-instance-metadata-options --instance-id <instance-id> --http-tokens required --http-put-response-hop-limit 1",
        terraform:
          'resource "aws_instance" "<name>" {\n  metadata_options {\n    http_tokens                 = "required"\n    http_put_response_hop_limit = 1\n  }\n}',
      },
    },
    limitations: [
      "An instance whose metadata endpoint is disabled gets no edge, although ec2:ModifyInstanceMetadataOptions could turn it back on.",
    ],
  },
  (ctx) => {
    // Shared between edges (frozen): the props per IMDS setting, the role's evidence per profile.
    const propsCache = new Map<string, Array<Readonly<Record<string, unknown>> | undefined>>();
    const propsOf = (imdsV1: boolean, httpTokens: string) => {
      let byV1 = propsCache.get(httpTokens);
      if (!byV1) propsCache.set(httpTokens, (byV1 = [undefined, undefined]));
      const i = imdsV1 ? 1 : 0;
      return (byV1[i] ??= Object.freeze({ imdsV1, httpTokens }));
    };
    // Per instance profile, once: its roles, each with the evidence that the profile holds it and
    // what a failed collector left stale on the role.
    const rolesCache = new Map<string, Array<{ role: string; evidence: Evidence; stale: Assumption[] }>>();
    const rolesOf = (profileId: string) => {
      let v = rolesCache.get(profileId);
      if (!v) {
        v = [];
        for (const e of ctx.g.in(profileId, "MEMBER_OF")) {
          const node = ctx.g.node(e.from);
          if (node?.type === T.role)
            v.push({
              role: e.from,
              evidence: {
                source: COLLECTOR_OF.iam,
                ref: `${e.from}#InstanceProfileList`,
                detail: { instanceProfile: profileId },
              },
              stale: ctx.stale(node),
            });
        }
        rolesCache.set(profileId, v);
      }
      return v;
    };
    for (const inst of ctx.g.ofType(T.instance)) {
      const p = readProps(InstanceProps, inst.props).value;
      if (p.state === "terminated" || p.state === "shutting-down") continue;
      const md = p.metadata;
      if (md?.httpEndpoint === "disabled") continue;
      const has = ctx.g.out(inst.id, "HAS_ROLE");
      let profiles: readonly string[];
      if (has.length === 0) {
        if (!p.instanceProfileArn) continue;
        profiles = [p.instanceProfileArn];
      } else if (has.length === 1) profiles = [has[0]!.to];
      else profiles = [...new Set(has.map((e) => e.to))];
      // The instance's IMDS settings and its staleness, the same for each of its profiles.
      let imds: { httpTokens: string; v1Allowed: boolean; hopLimit?: number } | undefined;
      if (md) {
        imds = {
          httpTokens: md.httpTokens ?? "optional",
          v1Allowed: md.v1Allowed ?? md.httpTokens !== "required",
        };
        if (md.hopLimit !== undefined) imds.hopLimit = md.hopLimit;
      }
      const staleInst = ctx.stale(inst);
      const assumptions: Assumption[] = imds
        ? staleInst
        : [...staleInst, { code: "imds_settings_unknown", detail: { instance: inst.id } }];
      const ref = `${p.instanceId ?? inst.id}#IamInstanceProfile`;
      const props = propsOf(imds ? imds.v1Allowed : true, imds?.httpTokens ?? "unknown");
      for (const profileId of profiles) {
        const detail: Record<string, unknown> = { instanceProfile: profileId };
        if (imds) detail.imds = imds;
        const base: Evidence = { source: COLLECTOR_OF.instances, ref, detail };
        const roles = rolesOf(profileId);
        if (!roles.length) {
          // The profile's role was not read: the instance still runs as *something*.
          ctx.sink.add(inst.id, "RUNS_AS", profileId, {
            rule: "runs-as-instance-profile",
            props,
            evidence: [base],
            assumptions: [...assumptions, { code: "role_unknown", detail: { instanceProfile: profileId } }],
          });
          continue;
        }
        for (const r of roles)
          ctx.sink.add(inst.id, "RUNS_AS", r.role, {
            rule: "runs-as-instance-profile",
            props,
            evidence: [base, r.evidence],
            assumptions: r.stale.length ? [...assumptions, ...r.stale] : assumptions,
          });
      }
    }
  },
);
