// Scope include/exclude filters (DESIGN "Claims": applied at analysis and in views, never to what
// is stored). A filter is one expression:
//   type:aws.s3.bucket     the node type; `*` matches any run of characters (type:aws.ec2.*)
//   kind:data_store        the node kind (one of the model's kinds)
//   tag:env=prod           a tag with this value (`*` in the value matches any run: tag:team=pay*)
//   tag:team               a tag, whatever its value
//   region:us-east-1       the region (`*` allowed)
//   account:123456789012   the cloud account, subscription or project id
// A scope's asset passes when it matches one of the includes (no includes: every asset) and none
// of the excludes. An asset belongs to a scope when one of its claims comes from that scope's
// source; it is kept when one of its claims keeps it: a source no scope covers, or a scope whose
// filters it passes. Unclaimed stubs and the internet stay (they belong to nobody's scope).
import { z } from "zod";
import { NODE_KIND_VALUES, ValidationError } from "@ctem/model";
import type { Scope } from "@ctem/model";
import { sourcesOf } from "./sources.js";

/** What a filter needs of an asset: the model's Node and the engine's estate node both fit. */
export interface FilterableNode {
  kind: string;
  type: string;
  tags: Readonly<Record<string, string>>;
  region?: string | undefined;
  accountId?: string | undefined;
  sources: ReadonlyArray<{ source: string }>;
}

type Test = (n: FilterableNode) => boolean;

const FIELDS = ["type", "kind", "tag", "region", "account"] as const;
const KINDS: ReadonlySet<string> = new Set(NODE_KIND_VALUES);
const TYPE_PATTERN = /^[a-z0-9_*]+(\.[a-z0-9_*]+)*$/;

function glob(pattern: string): (s: string) => boolean {
  if (!pattern.includes("*")) return (s) => s === pattern;
  const re = new RegExp(`^${pattern.split("*").map(escape).join(".*")}$`, "s");
  return (s) => re.test(s);
}
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Compiles one expression; throws a message naming what is wrong (the caller adds the field). */
function compile(expr: string): Test {
  const colon = expr.indexOf(":");
  const field = colon > 0 ? expr.slice(0, colon) : "";
  const arg = colon > 0 ? expr.slice(colon + 1) : "";
  if (!(FIELDS as readonly string[]).includes(field))
    throw new Error(
      `'${expr}' is not a filter: write ${FIELDS.map((f) => `${f}:…`).join(", ")} (e.g. type:aws.ec2.*, tag:env=prod, kind:data_store)`,
    );
  if (!arg) throw new Error(`'${expr}': nothing after '${field}:'`);
  switch (field) {
    case "type": {
      if (!TYPE_PATTERN.test(arg))
        throw new Error(`'${expr}': a type is dotted snake_case, '*' as a wildcard (type:aws.ec2.*)`);
      const m = glob(arg);
      return (n) => m(n.type);
    }
    case "kind": {
      if (!KINDS.has(arg))
        throw new Error(`'${expr}': unknown kind '${arg}' (one of ${NODE_KIND_VALUES.join(", ")})`);
      return (n) => n.kind === arg;
    }
    case "tag": {
      const eq = arg.indexOf("=");
      const key = eq >= 0 ? arg.slice(0, eq) : arg;
      if (!key) throw new Error(`'${expr}': the tag key is empty (tag:KEY or tag:KEY=VALUE)`);
      if (eq < 0) return (n) => Object.hasOwn(n.tags, key);
      const m = glob(arg.slice(eq + 1));
      return (n) => Object.hasOwn(n.tags, key) && m(n.tags[key]!);
    }
    case "region": {
      const m = glob(arg);
      return (n) => n.region !== undefined && m(n.region);
    }
    default: {
      const m = glob(arg);
      return (n) => n.accountId !== undefined && m(n.accountId);
    }
  }
}

export const FILTER_HELP =
  "filters: type:aws.ec2.* (glob), kind:data_store, tag:env=prod, tag:team, region:eu-*, account:<id>; an asset of the scope is kept when it matches an include (none: all) and no exclude";

/** One filter expression, validated (the API's and the CLI's schema). */
export const FilterExpr = z
  .string()
  .trim()
  .min(1)
  .max(512)
  .superRefine((s, ctx) => {
    try {
      compile(s);
    } catch (e) {
      ctx.addIssue({ code: "custom", message: (e as Error).message });
    }
  });

export const FilterList = z.array(FilterExpr).max(100);

/** Parses a list of expressions; a bad one is a ValidationError naming `field[i]`. */
export function parseFilters(exprs: readonly string[], field: string): string[] {
  return exprs.map((raw, i) => {
    const s = raw.trim();
    try {
      compile(s);
    } catch (e) {
      throw new ValidationError(`${field}[${i}]: ${(e as Error).message}`, { field: `${field}[${i}]` });
    }
    return s;
  });
}

/** One scope's filters as a predicate; undefined when the scope has none (everything passes). */
export function compileFilters(f: {
  include?: readonly string[] | undefined;
  exclude?: readonly string[] | undefined;
}): Test | undefined {
  const inc = (f.include ?? []).map((s) => compile(s.trim()));
  const exc = (f.exclude ?? []).map((s) => compile(s.trim()));
  if (!inc.length && !exc.length) return undefined;
  return (n) => (inc.length === 0 || inc.some((t) => t(n))) && !exc.some((t) => t(n));
}

export interface FilteredScope {
  name?: string;
  /** The sources the scope's scans claim with (aws:<account>, azure:<subscription>, gcp:<id>). */
  sources: readonly string[];
  include?: readonly string[] | undefined;
  exclude?: readonly string[] | undefined;
}

/**
 * The asset filter of a set of scopes: true for assets the analysis and the views keep. Undefined
 * when no scope has a filter, so callers can skip the work.
 */
export function assetFilterOf(
  scopes: readonly FilteredScope[],
): ((n: FilterableNode) => boolean) | undefined {
  // Per source: the scopes covering it (their tests; undefined = no filters, keeps everything).
  const bySource = new Map<string, Array<Test | undefined>>();
  let any = false;
  for (const s of scopes) {
    let t: Test | undefined;
    try {
      t = compileFilters(s);
    } catch (e) {
      throw new ValidationError(`scope '${s.name ?? "?"}': ${(e as Error).message}`, {
        field: "include/exclude",
      });
    }
    if (t) any = true;
    for (const src of s.sources) {
      const list = bySource.get(src) ?? [];
      list.push(t);
      bySource.set(src, list);
    }
  }
  if (!any) return undefined;
  return (n) => {
    if (n.sources.length === 0 || n.kind === "internet") return true;
    for (const { source } of n.sources) {
      const tests = bySource.get(source);
      if (!tests || tests.some((t) => t === undefined || t(n))) return true;
    }
    return false;
  };
}

/** The asset filter of the configured scopes (see assetFilterOf). */
export function scopeAssetFilter(
  scopes: ReadonlyArray<Pick<Scope, "id" | "name" | "provider" | "config" | "include" | "exclude">>,
): ((n: FilterableNode) => boolean) | undefined {
  return assetFilterOf(
    scopes.map((s) => ({ name: s.name, sources: sourcesOf(s), include: s.include, exclude: s.exclude })),
  );
}
