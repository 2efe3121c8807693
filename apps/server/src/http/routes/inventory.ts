// Read routes for the inventory: assets (filters, cursor pages, one asset with its edges, findings
// and issues) and findings. For analysts and admins. Items from the demo estate carry demo: true.
import { z } from "zod";
import {
  Edge,
  Finding,
  FindingKind,
  NODE_KIND_VALUES,
  Node,
  NodeKind,
  NotFoundError,
  PROVIDERS,
} from "@ctem/model";
import type { FindingFilter, NodeFilter } from "@ctem/model";
import type { RouteContext, ZodApp } from "../app.js";
import { BoolString, Cursor, Limit, csvOf, pageOf, withErrors } from "../schemas.js";
import { IssueOut } from "./issues.js";
import { filledPage, viewFilter } from "../../scopes/views.js";

const DEMO = "demo";
export const NodeOut = Node.extend({ demo: z.boolean() }).meta({ id: "Asset" });
export const FindingOut = Finding.extend({ demo: z.boolean() }).meta({ id: "Finding" });
const EdgeOut = Edge.meta({ id: "Edge" });

const nodeOut = (n: Node) => ({
  ...n,
  demo: n.sources.length > 0 && n.sources.every((s) => s.source === DEMO),
});
const findingOut = (f: Finding) => ({ ...f, demo: f.sources.every((s) => s.sourceKey.source === DEMO) });

const page = (q: { cursor?: string | undefined; limit: number }) => ({
  limit: q.limit,
  ...(q.cursor ? { cursor: q.cursor } : {}),
});

export function registerInventoryRoutes(app: ZodApp, ctx: RouteContext): void {
  const graph = ctx.deps.graph;

  app.get(
    "/api/assets",
    {
      config: { access: ["admin", "analyst"] },
      schema: {
        operationId: "listAssets",
        tags: ["inventory"],
        summary: "Assets in the security graph (without those the scopes' include/exclude filters leave out)",
        querystring: z
          .object({
            kind: csvOf(NodeKind)
              .optional()
              .describe(`comma-separated: ${NODE_KIND_VALUES.join(", ")}`),
            type: z
              .string()
              .regex(/^[a-z0-9_.,]+$/)
              .max(512)
              .optional(),
            provider: z.enum(PROVIDERS).optional(),
            account: z.string().min(1).max(256).optional(),
            region: z.string().min(1).max(64).optional(),
            source: z.string().min(1).max(1024).optional(),
            q: z.string().min(1).max(256).optional().describe("substring of id or name"),
            stubs: BoolString.optional(),
            unfiltered: BoolString.optional().describe(
              "true: also the assets the scopes' include/exclude filters leave out",
            ),
            sort: z.enum(["id", "name", "type", "lastSeen"]).default("id"),
            order: z.enum(["asc", "desc"]).default("asc"),
            cursor: Cursor.optional(),
            limit: Limit,
          })
          .strict(),
        response: withErrors({ 200: pageOf(NodeOut) }),
      },
    },
    async (req) => {
      const q = req.query;
      const f: NodeFilter = { sort: q.sort, order: q.order };
      if (q.kind) f.kind = q.kind;
      if (q.type) f.type = q.type.split(",").filter(Boolean);
      if (q.provider) f.provider = q.provider;
      if (q.account) f.accountId = q.account;
      if (q.region) f.region = q.region;
      if (q.source) f.source = q.source;
      if (q.q) f.q = q.q;
      if (q.stubs !== undefined) f.includeStubs = q.stubs;
      const keep = q.unfiltered ? undefined : await viewFilter(ctx.deps.app);
      const res = keep
        ? await filledPage(
            (limit, cursor) => graph.listNodes(f, { limit, ...(cursor ? { cursor } : {}) }),
            (items) => Promise.resolve(items.filter(keep)),
            q.limit,
            q.cursor,
          )
        : await graph.listNodes(f, page(q));
      return { items: res.items.map(nodeOut), ...(res.next ? { next: res.next } : {}) };
    },
  );

  app.get(
    "/api/assets/:id",
    {
      config: { access: ["admin", "analyst"] },
      schema: {
        operationId: "getAsset",
        tags: ["inventory"],
        summary: "One asset (id URL-encoded) with its edges, its first findings and the issues it is on",
        params: z.object({ id: z.string().min(1).max(2048) }),
        response: withErrors(
          {
            200: z.object({
              asset: NodeOut,
              edges: z.array(EdgeOut),
              findings: pageOf(FindingOut),
              issues: z.array(
                IssueOut.pick({ key: true, alias: true, title: true, severity: true, status: true }),
              ),
            }),
          },
          404,
        ),
      },
    },
    async (req) => {
      const node = await graph.getNode(req.params.id);
      if (!node) throw new NotFoundError(`no asset ${req.params.id}`);
      const [edges, findings, issues] = await Promise.all([
        graph.neighbours(node.id, { direction: "both" }),
        graph.listFindings({ assetRef: node.id }, { limit: 100 }),
        ctx.deps.app.listIssues({ nodeId: node.id }, { limit: 100 }),
      ]);
      return {
        asset: nodeOut(node),
        edges: edges.slice(0, 1000),
        findings: {
          items: findings.items.map(findingOut),
          ...(findings.next ? { next: findings.next } : {}),
        },
        issues: issues.items,
      };
    },
  );

  app.get(
    "/api/findings",
    {
      config: { access: ["admin", "analyst"] },
      schema: {
        operationId: "listFindings",
        tags: ["inventory"],
        summary: "Findings from scanners and connectors",
        querystring: z
          .object({
            asset: z.string().min(1).max(2048).optional().describe("node id, or unmatched:<resource id>"),
            rule: z.string().min(1).max(512).optional().describe("CVE id or the tool's rule id"),
            kind: FindingKind.optional(),
            matched: BoolString.optional(),
            tool: z.string().min(1).max(128).optional(),
            source: z.string().min(1).max(1024).optional(),
            cursor: Cursor.optional(),
            limit: Limit,
          })
          .strict(),
        response: withErrors({ 200: pageOf(FindingOut) }),
      },
    },
    async (req) => {
      const q = req.query;
      const f: FindingFilter = {};
      if (q.asset) f.assetRef = q.asset;
      if (q.rule) f.ruleId = q.rule;
      if (q.kind) f.kind = q.kind;
      if (q.matched !== undefined) f.matched = q.matched;
      if (q.tool) f.tool = q.tool;
      if (q.source) f.source = q.source;
      const res = await graph.listFindings(f, page(q));
      return { items: res.items.map(findingOut), ...(res.next ? { next: res.next } : {}) };
    },
  );
}
