// Read routes for issues (the workflow comes with server part 2). Analysts and admins see every
// issue; a developer sees those assigned to them or their team: another existing issue answers
// 403, an unknown one 404 (DESIGN "Server and UI").
import { z } from "zod";
import { ISSUE_STATUSES, Issue, IssueStatus, NotFoundError, SEVERITIES, Severity } from "@ctem/model";
import type { IssueFilter, IssueSort, User } from "@ctem/model";
import type { RouteContext, ZodApp } from "../app.js";
import { principal } from "../access.js";
import { HttpError } from "../errors.js";
import { BoolString, Cursor, Limit, csvOf, pageOf, withErrors } from "../schemas.js";

export const IssueOut = Issue.omit({ statusBeforeResolution: true }).meta({ id: "Issue" });

/** What a developer may see: issues assigned to them (by id or e-mail) or to their team. */
export function developerScope(user: User): { users: string[]; teams: string[] } {
  return { users: [user.id, user.email], teams: user.team ? [user.team] : [] };
}

export function visibleTo(issue: Issue, user: User, role: string): boolean {
  if (role !== "developer") return true;
  const s = developerScope(user);
  return (
    (issue.assignee.user !== undefined && s.users.includes(issue.assignee.user)) ||
    (issue.assignee.team !== undefined && s.teams.includes(issue.assignee.team))
  );
}

export function registerIssueRoutes(app: ZodApp, ctx: RouteContext): void {
  const store = ctx.deps.app;

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
            demo: BoolString.optional(),
            sort: z.enum(["score", "firstSeen", "dueAt", "alias"]).default("score"),
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
      if (p.role === "developer") filter.assignedTo = developerScope(p.user);
      return store.listIssues(filter, { limit: q.limit, ...(q.cursor ? { cursor: q.cursor } : {}) });
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
    async (req) => {
      const p = principal(req);
      const issue = await store.getIssue(req.params.key);
      if (!issue) throw new NotFoundError(`no issue ${req.params.key}`);
      if (!visibleTo(issue, p.user, p.role))
        throw new HttpError(403, "forbidden", `${issue.alias} is not assigned to you or your team`);
      return issue;
    },
  );
}
