// ELBv2 (application, network, gateway load balancers): scheme, security groups, subnets;
// listeners with protocol and port and the target groups their rules forward to; target groups and
// their registered targets.
import {
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetHealthCommand,
  paginateDescribeListeners,
  paginateDescribeLoadBalancers,
  paginateDescribeTargetGroups,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type {
  Action,
  Listener,
  LoadBalancer,
  Rule,
  TargetGroup,
  TargetHealthDescription,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { ec2Arn } from "../arn.js";
import { allPages, call, mapLimit } from "../errors.js";
import { defineModule } from "../module.js";
import { sink, tagsOf } from "../facts.js";

export interface Elbv2Raw {
  loadBalancers: LoadBalancer[];
  listeners: Listener[];
  /** Listener ARN → its rules (application load balancers; the default rule included). */
  rules: Record<string, Rule[]>;
  targetGroups: TargetGroup[];
  /** Target group ARN → its registered targets. */
  targets: Record<string, TargetHealthDescription[]>;
  /** Load balancer and target group ARN → tags. */
  tags: Record<string, Record<string, string>>;
}

function forwardTargets(actions: Action[] | undefined): string[] {
  const out = new Set<string>();
  for (const a of actions ?? []) {
    if (a.Type !== "forward") continue;
    if (a.TargetGroupArn) out.add(a.TargetGroupArn);
    for (const t of a.ForwardConfig?.TargetGroups ?? []) if (t.TargetGroupArn) out.add(t.TargetGroupArn);
  }
  return [...out].sort();
}

export const elbv2 = defineModule<Elbv2Raw>({
  id: "aws-elbv2",
  description:
    "ELBv2 load balancers (scheme, groups, subnets, tags), listeners and rules, target groups and registered targets.",
  scope: "regional",
  produces: {
    nodes: ["aws.elbv2.load_balancer", "aws.elbv2.listener", "aws.elbv2.target_group"],
    edges: ["CONTAINS", "IN_NETWORK", "IN_SUBNET", "PROTECTED_BY", "LISTENS", "FORWARDS_TO"],
  },
  dependsOn: [],
  permissions: [
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeRules",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetHealth",
    "elasticloadbalancing:DescribeTags",
  ],
  async collect({ clients, region }) {
    const client = clients.elbv2(region);
    const loadBalancers = await allPages(
      "elasticloadbalancing:DescribeLoadBalancers",
      paginateDescribeLoadBalancers({ client }, {}),
      (p) => p.LoadBalancers,
    );
    const listeners = (
      await mapLimit(loadBalancers, 4, (lb) =>
        allPages(
          "elasticloadbalancing:DescribeListeners",
          paginateDescribeListeners({ client }, { LoadBalancerArn: lb.LoadBalancerArn }),
          (p) => p.Listeners,
        ),
      )
    ).flat();
    // Only application load balancers have rules beyond the default action.
    const albListeners = listeners.filter((l) =>
      loadBalancers.some((lb) => lb.LoadBalancerArn === l.LoadBalancerArn && lb.Type === "application"),
    );
    const rules: Record<string, Rule[]> = {};
    await mapLimit(albListeners, 4, async (l) => {
      const out: Rule[] = [];
      let Marker: string | undefined;
      do {
        const r = await call("elasticloadbalancing:DescribeRules", () =>
          client.send(
            new DescribeRulesCommand({ ListenerArn: l.ListenerArn, ...(Marker ? { Marker } : {}) }),
          ),
        );
        out.push(...(r.Rules ?? []));
        Marker = r.NextMarker;
      } while (Marker);
      rules[l.ListenerArn!] = out;
    });
    const targetGroups = await allPages(
      "elasticloadbalancing:DescribeTargetGroups",
      paginateDescribeTargetGroups({ client }, {}),
      (p) => p.TargetGroups,
    );
    const targets: Record<string, TargetHealthDescription[]> = {};
    await mapLimit(targetGroups, 4, async (tg) => {
      const r = await call("elasticloadbalancing:DescribeTargetHealth", () =>
        client.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn })),
      );
      targets[tg.TargetGroupArn!] = r.TargetHealthDescriptions ?? [];
    });
    // DescribeTags takes at most 20 ARNs per call.
    const tags: Record<string, Record<string, string>> = {};
    const arns = [
      ...loadBalancers.map((l) => l.LoadBalancerArn),
      ...targetGroups.map((t) => t.TargetGroupArn),
    ].filter((a): a is string => !!a);
    for (let i = 0; i < arns.length; i += 20) {
      const r = await call("elasticloadbalancing:DescribeTags", () =>
        client.send(new DescribeTagsCommand({ ResourceArns: arns.slice(i, i + 20) })),
      );
      for (const d of r.TagDescriptions ?? []) if (d.ResourceArn) tags[d.ResourceArn] = tagsOf(d.Tags);
    }
    return { loadBalancers, listeners, rules, targetGroups, targets, tags };
  },
  transform(raw, ctx) {
    const s = sink(ctx);
    const p = { partition: ctx.partition, region: ctx.region, accountId: ctx.accountId };
    for (const lb of raw.loadBalancers) {
      const id = lb.LoadBalancerArn;
      if (!id) continue;
      s.node({
        id,
        kind: "load_balancer",
        type: "aws.elbv2.load_balancer",
        name: lb.LoadBalancerName ?? id,
        tags: raw.tags[id] ?? {},
        props: {
          type: lb.Type,
          scheme: lb.Scheme,
          dnsName: lb.DNSName,
          ipAddressType: lb.IpAddressType,
          state: lb.State?.Code,
          vpcId: lb.VpcId,
          securityGroups: lb.SecurityGroups,
        },
      });
      s.contains(id);
      if (lb.VpcId) s.edge(id, "IN_NETWORK", ec2Arn(p, "vpc", lb.VpcId));
      for (const az of lb.AvailabilityZones ?? [])
        if (az.SubnetId) s.edge(id, "IN_SUBNET", ec2Arn(p, "subnet", az.SubnetId));
      for (const g of lb.SecurityGroups ?? []) s.edge(id, "PROTECTED_BY", ec2Arn(p, "security-group", g));
    }
    for (const l of raw.listeners) {
      if (!l.ListenerArn) continue;
      s.node({
        id: l.ListenerArn,
        kind: "listener",
        type: "aws.elbv2.listener",
        name: `${l.Protocol ?? ""}:${l.Port ?? ""}`,
        props: {
          protocol: l.Protocol,
          port: l.Port,
          sslPolicy: l.SslPolicy,
          defaultActions: (l.DefaultActions ?? []).map((a) => a.Type),
          rules: (raw.rules[l.ListenerArn] ?? [])
            .filter((r) => !r.IsDefault)
            .map((r) => ({
              priority: r.Priority,
              conditions: (r.Conditions ?? []).map((c) => ({
                field: c.Field,
                values: c.Values ?? c.PathPatternConfig?.Values ?? c.HostHeaderConfig?.Values,
              })),
              actions: (r.Actions ?? []).map((a) => a.Type),
            })),
        },
      });
      if (l.LoadBalancerArn)
        s.edge(l.LoadBalancerArn, "LISTENS", l.ListenerArn, { protocol: l.Protocol, port: l.Port });
      const rules = raw.rules[l.ListenerArn] ?? [];
      const forwards = new Map<string, string[]>();
      for (const tg of forwardTargets(l.DefaultActions)) forwards.set(tg, ["default"]);
      for (const r of rules)
        for (const tg of forwardTargets(r.Actions))
          forwards.set(tg, [...(forwards.get(tg) ?? []), r.IsDefault ? "default" : (r.Priority ?? "")]);
      for (const [tg, via] of forwards)
        s.edge(l.ListenerArn, "FORWARDS_TO", tg, { rules: [...new Set(via)] }, [
          { source: "aws-elbv2", ref: l.ListenerArn, detail: { rules: [...new Set(via)] } },
        ]);
    }
    for (const tg of raw.targetGroups) {
      const id = tg.TargetGroupArn;
      if (!id) continue;
      const targets = raw.targets[id] ?? [];
      s.node({
        id,
        kind: "target_group",
        type: "aws.elbv2.target_group",
        name: tg.TargetGroupName ?? id,
        tags: raw.tags[id] ?? {},
        props: {
          protocol: tg.Protocol,
          port: tg.Port,
          targetType: tg.TargetType,
          vpcId: tg.VpcId,
          targets: targets.map((t) => ({
            id: t.Target?.Id,
            port: t.Target?.Port,
            health: t.TargetHealth?.State,
          })),
        },
      });
      s.contains(id);
      if (tg.VpcId) s.edge(id, "IN_NETWORK", ec2Arn(p, "vpc", tg.VpcId));
      // Instance targets become edges; IP and Lambda targets stay in props (no node to point at yet).
      if (tg.TargetType === "instance")
        for (const t of targets)
          if (t.Target?.Id)
            s.edge(id, "FORWARDS_TO", ec2Arn(p, "instance", t.Target.Id), {
              port: t.Target.Port,
              health: t.TargetHealth?.State,
            });
    }
    return { nodes: s.nodes, edges: dedupeEdges(s.edges) };
  },
});

function dedupeEdges<T extends { from: string; kind: string; to: string }>(edges: T[]): T[] {
  const seen = new Set<string>();
  return edges.filter((e) => {
    const k = `${e.from}|${e.kind}|${e.to}`;
    return seen.has(k) ? false : (seen.add(k), true);
  });
}
