// Small builders shared by the AWS transforms: every fact carries the module's claim.
import type { EdgeFact, EdgeKind, Evidence, NodeFact, NodeKind } from "@ctem/model";
import { accountArn } from "./arn.js";
import type { AwsTransformContext } from "./module.js";

export interface FactSink {
  nodes: NodeFact[];
  edges: EdgeFact[];
  node(n: {
    id: string;
    kind: NodeKind;
    type: string;
    name: string;
    region?: string | undefined;
    tags?: Record<string, string>;
    props?: Record<string, unknown>;
  }): void;
  edge(
    from: string,
    kind: EdgeKind,
    to: string,
    props?: Record<string, unknown>,
    evidence?: Evidence[],
  ): EdgeFact;
  /** `account CONTAINS id`. */
  contains(id: string): void;
}

/** Drops undefined values so stored props compare equal however the API spelled absence. */
export function clean<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as Partial<T>;
}

export function sink(ctx: AwsTransformContext): FactSink {
  const nodes: NodeFact[] = [];
  const edges: EdgeFact[] = [];
  const account = accountArn(ctx.partition, ctx.accountId);
  const s: FactSink = {
    nodes,
    edges,
    node(n) {
      const region = n.region ?? (ctx.region === "global" ? undefined : ctx.region);
      nodes.push({
        id: n.id,
        kind: n.kind,
        type: n.type,
        provider: "aws",
        accountId: ctx.accountId,
        ...(region ? { region } : {}),
        name: n.name,
        tags: n.tags ?? {},
        props: clean(n.props ?? {}),
        sources: [ctx.key],
      });
    },
    edge(from, kind, to, props = {}, evidence = []) {
      const e: EdgeFact = {
        from,
        kind,
        to,
        props: clean(props),
        evidence,
        assumptions: [],
        sources: [ctx.key],
      };
      edges.push(e);
      return e;
    },
    contains(id) {
      s.edge(account, "CONTAINS", id);
    },
  };
  return s;
}

/** AWS `[{Key, Value}]` tag lists (any capitalisation) as a record. */
export function tagsOf(
  tags: ReadonlyArray<{ Key?: string; Value?: string }> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? "";
  return out;
}

export function nameTag(tags: Record<string, string>, fallback: string): string {
  return tags.Name || fallback;
}

/** An SDK timestamp (a Date) or a recorded one (a string) as ISO text. */
export function iso(v: Date | string | undefined): string | undefined {
  if (v === undefined) return undefined;
  return typeof v === "string" ? new Date(v).toISOString() : v.toISOString();
}
