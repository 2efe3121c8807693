// Issue routes: reading, and the workflow (status, reasons, assignment, comments, history, bulk).
// Analysts and admins see every issue; a developer sees those assigned to them or their team:
// another existing issue answers 403, an unknown one 404 (DESIGN "Server and UI"). Who may set
// which status is the issue service's business (DESIGN's status table); every change is audited.
import { z } from "zod";
import type { FastifyRequest } from "fastify";
import {
  Confidence,
  ISSUE_STATUSES,
  Issue,
  IssueChange,
  IssueEvent,
  IssueStatus,
  SEVERITIES,
  Severity,
  isCtemError,
} from "@ctem/model";
import type { IssueFilter, IssueSort } from "@ctem/model";
import type { RouteContext, ZodApp } from "../app.js";
import { principal } from "../access.js";
import { HttpError } from "../errors.js";
import { BoolString, Cursor, Limit, csvOf, pageOf, withErrors } from "../schemas.js";
import { createIssueService, developerScope } from "../../issues/service.js";
import { filledPage, keptIssues, viewFilter } from "../../scopes/views.js";

export const IssueOut = Issue.omit({ statusBeforeResolution: true }).meta({ id: "Issue" });

export { developerScope, visibleTo } from "../../issues/service.js";

const IssueKey = z.string().min(1).max(128);
const EventOut = IssueEvent.meta({ id: "IssueEvent" });
/** What a person may change; `resolved` is the analysis' alone (the schema refuses it). */
const ChangeBody = IssueChange.omit({ comment: true }).strict();

/** The fields an audit record keeps of an issue, before and after a change. */
const audited = (i: Issue) => ({
  status: i.status,
  assignee: i.assignee,
  reason: i.reason,
  expiresAt: i.expiresAt,
});

export function registerIssueRoutes(app: ZodApp, ctx: RouteContext): void {
  const store = ctx.deps.app;
  const service = createIssueService({
    issues: store,
    users: store.accounts.users,
    teams: store.accounts.teams,
    clock: ctx.now,
  });
  const caller = (req: FastifyRequest) => {
    const p = principal(req);
    return { user: p.user, role: p.role };
  };

  app.get(
    "/api/issues",
    {
      config: { access: ["admin", "analyst", "developer"] },
      schema: {
        operationId: "listIssues",
        tags: ["issues"],
        summary: "Issues, riskiest first (a developer: those assigned to them or their team)",
        querystring: z
          .object({
            severity: csvOf(Severity)
              .optional()
              .describe(`comma-separated: ${SEVERITIES.join(", ")}`),
            status: csvOf(IssueStatus)
              .optional()
              .describe(`comma-separated: ${ISSUE_STATUSES.join(", ")}`),
            rule: z
              .string()
              .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/)
              .max(128)
              .optional(),
            assignee: z.string().min(1).max(256).optional(),
            team: z.string().min(1).max(256).optional(),
            node: z
              .string()
              .min(1)
              .max(2048)
              .optional()
              .describe("issues whose entry or target is this asset"),
            target: z.string().min(1).max(2048).optional().describe("issues whose target is this asset"),
            confidence: csvOf(Confidence)
              .optional()
              .describe("comma-separated: theoretical, config_confirmed, externally_validated"),
            account: z
              .string()
              .regex(/^[A-Za-z0-9._-]{1,128}$/)
              .optional()
              .describe("cloud account, subscription or project id named in the entry or target"),
            q: z.string().min(1).max(256).optional().describe("text in the alias, title, entry or target"),
            demo: BoolString.optional(),
            unfiltered: BoolString.optional().describe(
              "true: also issues whose entry or target the scopes' include/exclude filters leave out",
            ),
            sort: z
              .enum(["score", "firstSeen", "dueAt", "alias"])
              .default("score")
              .describe("score: riskiest first; firstSeen: oldest first (age); dueAt: soonest due first"),
            cursor: Cursor.optional(),
            limit: Limit,
          })
          .strict(),
        response: withErrors({ 200: pageOf(IssueOut) }),
      },
    },
    async (req) => {
      const p = principal(req);
      const q = req.query;
      const filter: IssueFilter & { sort?: IssueSort } = { sort: q.sort };
      if (q.severity) filter.severity = q.severity;
      if (q.status) filter.status = q.status;
      if (q.rule) filter.rule = q.rule;
      if (q.assignee) filter.assigneeUser = q.assignee;
      if (q.team) filter.assigneeTeam = q.team;
      if (q.node) filter.nodeId = q.node;
      if (q.demo !== undefined) filter.demo = q.demo;
      if (q.target) filter.targetId = q.target;
      if (q.confidence) filter.confidence = q.confidence;
      if (q.account) filter.account = q.account;
      if (q.q) filter.text = q.q;
      if (p.role === "developer") filter.assignedTo = developerScope(p.user);
      const keep = q.unfiltered ? undefined : await viewFilter(store);
      if (!keep)
        return store.listIssues(filter, { limit: q.limit, ...(q.cursor ? { cursor: q.cursor } : {}) });
      return filledPage(
        (limit, cursor) => store.listIssues(filter, { limit, ...(cursor ? { cursor } : {}) }),
        (items) => keptIssues(ctx.deps.graph, keep, items),
        q.limit,
        q.cursor,
      );
    },
  );

  app.get(
    "/api/issues/:key",
    {
      config: { access: ["admin", "analyst", "developer"] },
      schema: {
        operationId: "getIssue",
        tags: ["issues"],
        summary: "One issue by key or alias (ISS-12)",
        params: z.object({ key: z.string().min(1).max(128) }),
        response: withErrors({ 200: IssueOut }, 404),
      },
    },
    async (req) => service.visible(req.params.key, caller(req)),
  );

  app.patch(
    "/api/issues/:key",
    {
      config: { access: ["admin", "analyst", "developer"] },
      schema: {
        operationId: "updateIssue",
        tags: ["issues"],
        summary:
          "Change status, reason, expiry or assignee (DESIGN's status table: a developer may move their issue from open or in_progress to in_progress or fixed)",
        params: z.object({ key: IssueKey }),
        body: ChangeBody,
        response: withErrors({ 200: IssueOut }, 404, 409),
      },
    },
    async (req) => {
      const { before, after } = await service.change(req.params.key, req.body, caller(req));
      if (after !== before) {
        await ctx.audit(req, {
          action: "issue.update",
          target: after.key,
          before: audited(before),
          after: audited(after),
        });
        await ctx.webhooks.emit([{ event: "issue.updated", issue: after, from: before.status }]);
      }
      return after;
    },
  );

  app.post(
    "/api/issues/:key/comments",
    {
      config: { access: ["admin", "analyst", "developer"] },
      schema: {
        operationId: "commentIssue",
        tags: ["issues"],
        summary: "Add a comment to an issue's history",
        params: z.object({ key: IssueKey }),
        body: z.object({ text: z.string().trim().min(1).max(16_384) }).strict(),
        response: withErrors({ 201: IssueOut }, 404),
      },
    },
    async (req, reply) => {
      const { after } = await service.change(req.params.key, { comment: req.body.text }, caller(req));
      // The comment's text is in the issue's history; the audit log records that one was made.
      await ctx.audit(req, { action: "issue.comment", target: after.key });
      return reply.status(201).send(after);
    },
  );

  app.get(
    "/api/issues/:key/history",
    {
      config: { access: ["admin", "analyst", "developer"] },
      schema: {
        operationId: "issueHistory",
        tags: ["issues"],
        summary:
          "An issue's history: creation, status changes (by people and analysis), assignment, reasons, comments",
        params: z.object({ key: IssueKey }),
        response: withErrors({ 200: z.object({ items: z.array(EventOut) }) }, 404),
      },
    },
    async (req) => ({ items: await service.history(req.params.key, caller(req)) }),
  );

  app.post(
    "/api/issues/bulk",
    {
      config: { access: ["admin", "analyst"] },
      schema: {
        operationId: "bulkUpdateIssues",
        tags: ["issues"],
        summary:
          "The same change (status, reason, expiry, assignee) to many issues; each is checked and audited alone",
        body: z.object({ keys: z.array(IssueKey).min(1).max(500), change: ChangeBody }).strict(),
        response: withErrors({
          200: z.object({
            updated: z.array(z.string()),
            failed: z.array(z.object({ key: z.string(), code: z.string(), message: z.string() })),
          }),
        }),
      },
    },
    async (req) => {
      const updated: string[] = [];
      const failed: Array<{ key: string; code: string; message: string }> = [];
      for (const key of new Set(req.body.keys)) {
        try {
          const { before, after } = await service.change(key, req.body.change, caller(req));
          if (after !== before) {
            await ctx.audit(req, {
              action: "issue.update",
              target: after.key,
              before: audited(before),
              after: audited(after),
            });
            await ctx.webhooks.emit([{ event: "issue.updated", issue: after, from: before.status }]);
          }
          updated.push(after.alias);
        } catch (e) {
          if (isCtemError(e)) failed.push({ key, code: e.code, message: e.message });
          else if (e instanceof HttpError) failed.push({ key, code: e.code, message: e.message });
          else throw e;
        }
      }
      return { updated, failed };
    },
  );
}
