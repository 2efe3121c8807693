// Exports: issues as CSV or JSON (a developer gets the issues assigned to them or their team) and
// findings as SARIF 2.1.0 (analysts and admins). Downloads, so each answer names a file.
import { z } from "zod";
import type { Finding, Issue, IssueFilter } from "@ctem/model";
import { SERVER_VERSION } from "../app.js";
import type { RouteContext, ZodApp } from "../app.js";
import { principal } from "../access.js";
import { withErrors } from "../schemas.js";
import { developerScope } from "../../issues/service.js";
import { findingsOcsf, findingsSarif, issuesCsv } from "../../exports/exports.js";

const MAX_ROWS = 200_000;

export function registerExportRoutes(app: ZodApp, ctx: RouteContext): void {
  const store = ctx.deps.app;
  const graph = ctx.deps.graph;

  app.get(
    "/api/exports/issues",
    {
      config: { access: ["admin", "analyst", "developer"] },
      schema: {
        operationId: "exportIssues",
        tags: ["exports"],
        summary: "Every issue (a developer: theirs) as CSV or JSON, riskiest first",
        querystring: z.object({ format: z.enum(["csv", "json"]).default("csv") }).strict(),
        produces: ["text/csv", "application/json"],
        response: withErrors({ 200: z.string().describe("the file") }),
      },
    },
    async (req, reply) => {
      const p = principal(req);
      const filter: IssueFilter = p.role === "developer" ? { assignedTo: developerScope(p.user) } : {};
      const issues: Issue[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listIssues(filter, { limit: 1000, ...(cursor ? { cursor } : {}) });
        issues.push(...page.items);
        cursor = page.next;
      } while (cursor && issues.length < MAX_ROWS);
      const out = issues.map(({ statusBeforeResolution: _drop, ...i }) => i);
      const day = ctx.now().toISOString().slice(0, 10);
      reply.header("content-disposition", `attachment; filename="ctem-issues-${day}.${req.query.format}"`);
      if (req.query.format === "json") return reply.type("application/json").send(JSON.stringify(out));
      return reply.type("text/csv; charset=utf-8").send(issuesCsv(issues));
    },
  );

  const allFindings = async () => {
    const findings: Finding[] = [];
    let cursor: string | undefined;
    do {
      const page = await graph.listFindings({}, { limit: 1000, ...(cursor ? { cursor } : {}) });
      findings.push(...page.items);
      cursor = page.next;
    } while (cursor && findings.length < MAX_ROWS);
    return findings;
  };

  app.get(
    "/api/exports/findings.ocsf",
    {
      config: { access: ["admin", "analyst"] },
      schema: {
        operationId: "exportFindingsOcsf",
        tags: ["exports"],
        summary:
          "Every finding as OCSF 1.8.0 events (a JSON array): Vulnerability Finding for CVEs, Detection Finding for the rest",
        produces: ["application/json"],
        response: withErrors({ 200: z.string().describe("the file") }),
      },
    },
    async (_req, reply) => {
      const findings = await allFindings();
      const priorities = new Map((await store.findingPriorities()).map((p) => [p.findingKey, p]));
      const now = ctx.now();
      reply.header(
        "content-disposition",
        `attachment; filename="ctem-findings-${now.toISOString().slice(0, 10)}.ocsf.json"`,
      );
      return reply
        .type("application/json")
        .send(JSON.stringify(findingsOcsf(findings, priorities, SERVER_VERSION, now)));
    },
  );

  app.get(
    "/api/exports/findings.sarif",
    {
      config: { access: ["admin", "analyst"] },
      schema: {
        operationId: "exportFindingsSarif",
        tags: ["exports"],
        summary:
          "Every finding as SARIF 2.1.0, with ctem's reachability-aware priority in each result's properties",
        produces: ["application/sarif+json"],
        response: withErrors({ 200: z.string().describe("the file") }),
      },
    },
    async (_req, reply) => {
      const findings: Finding[] = [];
      let cursor: string | undefined;
      do {
        const page = await graph.listFindings({}, { limit: 1000, ...(cursor ? { cursor } : {}) });
        findings.push(...page.items);
        cursor = page.next;
      } while (cursor && findings.length < MAX_ROWS);
      const priorities = new Map((await store.findingPriorities()).map((p) => [p.findingKey, p]));
      const day = ctx.now().toISOString().slice(0, 10);
      reply.header("content-disposition", `attachment; filename="ctem-findings-${day}.sarif"`);
      return reply
        .type("application/sarif+json")
        .send(JSON.stringify(findingsSarif(findings, priorities, SERVER_VERSION)));
    },
  );
}
