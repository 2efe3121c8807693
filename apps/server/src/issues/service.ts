// The issue workflow: who may change what (DESIGN "Prioritization", the status table). The store
// applies a change and records it in the history; the rules of who may set which status, and
// which reasons a status needs, live here (CONVENTIONS 5).
import { ConflictError, NotFoundError, ValidationError } from "@ctem/model";
import type { Actor, AppStore, Issue, IssueChange, IssueStatus, Role, User } from "@ctem/model";
import { HttpError } from "../http/errors.js";

export interface IssueCaller {
  user: User;
  role: Role;
}

/** Issues assigned to the user (by id or e-mail) or to their team: what a developer may see. */
export function developerScope(user: User): { users: string[]; teams: string[] } {
  return { users: [user.id, user.email], teams: user.team ? [user.team] : [] };
}

export function visibleTo(issue: Issue, user: User, role: Role): boolean {
  if (role !== "developer") return true;
  const s = developerScope(user);
  return (
    (issue.assignee.user !== undefined && s.users.includes(issue.assignee.user)) ||
    (issue.assignee.team !== undefined && s.teams.includes(issue.assignee.team))
  );
}

const ANALYST_FROM: ReadonlySet<IssueStatus> = new Set([
  "open",
  "in_progress",
  "fixed",
  "risk_accepted",
  "false_positive",
]);
const DEVELOPER_FROM: ReadonlySet<IssueStatus> = new Set(["open", "in_progress"]);
const DEVELOPER_TO: ReadonlySet<IssueStatus> = new Set(["in_progress", "fixed"]);

export interface IssueServiceDeps {
  issues: Pick<AppStore, "getIssue" | "updateIssue" | "issueHistory">;
  users: Pick<AppStore["accounts"]["users"], "record">;
  teams: Pick<AppStore["accounts"]["teams"], "get">;
  clock: () => Date;
}

export type IssueService = ReturnType<typeof createIssueService>;

export function createIssueService(deps: IssueServiceDeps) {
  const actorOf = (c: IssueCaller): Actor => ({ id: c.user.id, kind: "user" });

  /** The issue, if the caller may see it: unknown → 404, hidden from a developer → 403. */
  async function visible(keyOrAlias: string, c: IssueCaller): Promise<Issue> {
    const issue = await deps.issues.getIssue(keyOrAlias);
    if (!issue) throw new NotFoundError(`no issue ${keyOrAlias}`);
    if (!visibleTo(issue, c.user, c.role))
      throw new HttpError(403, "forbidden", `${issue.alias} is not assigned to you or your team`);
    return issue;
  }

  /** Checks a change against the status table and normalises it; throws what the caller did wrong. */
  async function check(issue: Issue, change: IssueChange, c: IssueCaller): Promise<IssueChange> {
    const out: IssueChange = {};
    const analyst = c.role === "analyst" || c.role === "admin";
    const to = change.status;
    if (to !== undefined && to !== issue.status) {
      if (issue.status === "resolved")
        throw new ConflictError(
          `${issue.alias} is resolved (its path is gone); it reopens by itself if the path returns`,
        );
      if (analyst) {
        if (!ANALYST_FROM.has(issue.status))
          throw new ConflictError(`${issue.alias} cannot leave ${issue.status} by hand`);
      } else if (!DEVELOPER_FROM.has(issue.status) || !DEVELOPER_TO.has(to))
        throw new HttpError(
          403,
          "forbidden",
          `a developer may move an issue from open or in_progress to in_progress or fixed; ${issue.alias} is ${issue.status}`,
        );
      out.status = to;
      const reason = change.reason?.trim() ? change.reason.trim() : undefined;
      if (to === "risk_accepted") {
        if (!reason) throw new ValidationError("accepting a risk needs a reason", { field: "body.reason" });
        if (!change.expiresAt)
          throw new ValidationError("accepting a risk needs an expiry (expiresAt)", {
            field: "body.expiresAt",
          });
        if (Date.parse(change.expiresAt) <= deps.clock().getTime())
          throw new ValidationError("the acceptance must expire in the future", { field: "body.expiresAt" });
        out.reason = reason;
        out.expiresAt = change.expiresAt;
      } else if (to === "false_positive") {
        if (!reason)
          throw new ValidationError("marking a false positive needs a reason", { field: "body.reason" });
        out.reason = reason;
        if (issue.expiresAt !== null) out.expiresAt = null;
      } else {
        if (change.expiresAt)
          throw new ValidationError("only risk_accepted takes an expiry", { field: "body.expiresAt" });
        // The reason of an acceptance or a false positive stays on the issue for the record (the
        // history keeps it too); only the expiry of a lapsed acceptance goes.
        if (issue.expiresAt !== null) out.expiresAt = null;
        if (reason !== undefined) out.reason = reason;
      }
    } else if (change.expiresAt !== undefined || change.reason !== undefined) {
      // Extending an acceptance, or rewording a reason, without a status change.
      if (!analyst) throw new HttpError(403, "forbidden", "only an analyst may change reasons and expiries");
      if (issue.status === "resolved") throw new ConflictError(`${issue.alias} is resolved`);
      if (change.expiresAt !== undefined) {
        if (issue.status !== "risk_accepted")
          throw new ValidationError("only a risk_accepted issue has an expiry", { field: "body.expiresAt" });
        if (change.expiresAt === null || Date.parse(change.expiresAt) <= deps.clock().getTime())
          throw new ValidationError("the acceptance must expire in the future", { field: "body.expiresAt" });
        out.expiresAt = change.expiresAt;
      }
      if (change.reason !== undefined) {
        const needs = issue.status === "risk_accepted" || issue.status === "false_positive";
        if (needs && !change.reason?.trim())
          throw new ValidationError(`a ${issue.status} issue keeps a reason`, { field: "body.reason" });
        out.reason = change.reason?.trim() ? change.reason.trim() : null;
      }
    }
    if (change.assignee !== undefined) {
      if (!analyst) throw new HttpError(403, "forbidden", "only an analyst may assign issues");
      out.assignee = await assignee(change.assignee);
    }
    if (change.comment !== undefined) out.comment = change.comment;
    return out;
  }

  /** A user by id or e-mail (stored as the e-mail) and a team that exists; `{}` unassigns. */
  async function assignee(
    a: NonNullable<IssueChange["assignee"]>,
  ): Promise<{ user?: string; team?: string }> {
    const out: { user?: string; team?: string } = {};
    if (a.user) {
      const u = await deps.users.record(a.user);
      if (!u || u.disabled)
        throw new ValidationError(`no active user ${a.user}`, { field: "body.assignee.user" });
      out.user = u.email;
    }
    if (a.team) {
      const team = await deps.teams.get(a.team);
      if (!team) throw new ValidationError(`no team ${a.team}`, { field: "body.assignee.team" });
      // Team names match case-insensitively; the issue keeps the team's own spelling, which is what
      // a developer's visibility compares with.
      out.team = team.name;
    }
    return out;
  }

  return {
    visible,
    async history(keyOrAlias: string, c: IssueCaller) {
      const issue = await visible(keyOrAlias, c);
      return deps.issues.issueHistory(issue.key);
    },
    /** Applies a person's change; answers the issue before and after. */
    async change(keyOrAlias: string, change: IssueChange, c: IssueCaller) {
      const before = await visible(keyOrAlias, c);
      const ok = await check(before, change, c);
      if (Object.keys(ok).length === 0) return { before, after: before };
      const after = await deps.issues.updateIssue(before.key, ok, actorOf(c), deps.clock().toISOString());
      return { before, after };
    },
  };
}
