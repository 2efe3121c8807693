// Teams (admin; analysts may list them to assign issues). A user belongs to at most one team, and
// a developer sees the issues assigned to their team: the user is read from the store on every
// request, so a membership change takes effect at the next call.
// Issues name their team by name, and so do the owner mappings in the settings, hence:
// - rename: issues assigned to the team move to the new name (each change in the issue's history,
//   audited and sent to webhooks) and stored owner mappings follow; a mapping set in
//   ctem.config.json answers 409 (edit the file first).
// - delete: members then belong to no team; issues assigned to the team are unassigned from it (a
//   user assignee stays), each change recorded like a rename's; refused with 409 while an owner
//   mapping still sends new issues to the team.
import { z } from "zod";
import { ConflictError, NotFoundError, TeamName } from "@ctem/model";
import type { AppStore, Issue, Settings, Team } from "@ctem/model";
import type { FastifyRequest } from "fastify";
import type { RouteContext, ZodApp } from "../app.js";
import { principal } from "../access.js";
import { TeamOut, UserOut, withErrors } from "../schemas.js";

const TeamId = z.object({ id: z.string().min(1).max(64) });
const MemberParams = z.object({ id: z.string().min(1).max(64), userId: z.string().min(1).max(64) });

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Owner mappings that send new issues to the team. */
const mappingsOf = (s: Settings, team: string) => s.owners.mappings.filter((m) => sameName(m.team, team));

export function registerTeamRoutes(app: ZodApp, ctx: RouteContext): void {
  const store: AppStore = ctx.deps.app;
  const accounts = store.accounts;

  const teamOr404 = async (id: string): Promise<Team> => {
    const team = await accounts.teams.byId(id);
    if (!team) throw new NotFoundError(`no team ${id}`);
    return team;
  };

  /**
   * Every stored issue assigned to the team `from` (by name, in any case), reassigned to `to`
   * (undefined: no team). Each change is recorded like a person's: the issue's history, the audit
   * log, webhooks. Answers how many issues changed.
   */
  async function moveIssues(req: FastifyRequest, from: string, to: string | undefined): Promise<number> {
    const me = principal(req);
    const states = await store.issueStates();
    const hit = states.filter((i) => i.assignee.team !== undefined && sameName(i.assignee.team, from));
    const at = ctx.now().toISOString();
    for (const i of hit) {
      const assignee = {
        ...(i.assignee.user !== undefined ? { user: i.assignee.user } : {}),
        ...(to !== undefined ? { team: to } : {}),
      };
      const after: Issue = await store.updateIssue(i.key, { assignee }, { id: me.user.id, kind: "user" }, at);
      await ctx.audit(req, {
        action: "issue.update",
        target: i.key,
        before: { assignee: i.assignee },
        after: { assignee: after.assignee },
      });
      await ctx.webhooks.emit([{ event: "issue.updated", issue: after, from: i.status }]);
    }
    return hit.length;
  }

  app.get(
    "/api/teams",
    {
      config: { access: ["admin", "analyst"] },
      schema: {
        operationId: "listTeams",
        tags: ["users"],
        summary: "Every team (issues are assigned to teams)",
        response: withErrors({ 200: z.object({ items: z.array(TeamOut) }) }),
      },
    },
    async () => ({ items: await accounts.teams.list() }),
  );

  app.post(
    "/api/teams",
    {
      config: { access: ["admin"] },
      schema: {
        operationId: "createTeam",
        tags: ["users"],
        summary: "Add a team (existing: answered as is)",
        body: z.object({ name: TeamName }).strict(),
        response: withErrors({ 200: z.object({ team: TeamOut }), 201: z.object({ team: TeamOut }) }),
      },
    },
    async (req, reply) => {
      const existing = await accounts.teams.get(req.body.name);
      if (existing) return reply.status(200).send({ team: existing });
      const team = await accounts.teams.ensure(req.body.name);
      await ctx.audit(req, { action: "team.create", target: team.id, after: { name: team.name } });
      return reply.status(201).send({ team });
    },
  );

  app.patch(
    "/api/teams/:id",
    {
      config: { access: ["admin"] },
      schema: {
        operationId: "renameTeam",
        tags: ["users"],
        summary:
          "Rename a team: members follow, issues assigned to it and stored owner mappings move to the new name; 409 when another team has the name or ctem.config.json maps tags to the team",
        params: TeamId,
        body: z.object({ name: TeamName }).strict(),
        response: withErrors(
          {
            200: z.object({ team: TeamOut, issuesMoved: z.number().int(), mappingsMoved: z.number().int() }),
          },
          404,
          409,
        ),
      },
    },
    async (req) => {
      const team = await teamOr404(req.params.id);
      const name = req.body.name;
      if (name === team.name) return { team, issuesMoved: 0, mappingsMoved: 0 };
      const clash = await accounts.teams.get(name);
      if (clash && clash.id !== team.id)
        throw new ConflictError(`a team named ${clash.name} already exists`, { field: "body.name" });
      const settings = await store.settings();
      const mapped = mappingsOf(settings, team.name);
      if (mapped.length > 0 && store.overlayKeys().includes("owners"))
        throw new ConflictError(
          `ctem.config.json maps tags to team ${team.name} (owners): change it there first`,
          { field: "body.name" },
        );
      // Issues first: a failure half-way leaves the team under its old name, and the same call
      // again finishes the move.
      const issuesMoved = await moveIssues(req, team.name, name);
      if (mapped.length > 0) {
        await store.saveSettings({
          owners: {
            mappings: settings.owners.mappings.map((m) =>
              sameName(m.team, team.name) ? { ...m, team: name } : m,
            ),
          },
        });
        await ctx.audit(req, {
          action: "settings.update",
          target: "owners",
          before: { owners: settings.owners },
          after: { owners: (await store.settings()).owners },
        });
      }
      const { before, after } = await accounts.teams.rename(team.id, name);
      await ctx.audit(req, {
        action: "team.rename",
        target: team.id,
        before: { name: before.name },
        after: { name: after.name, issuesMoved, mappingsMoved: mapped.length },
      });
      return { team: after, issuesMoved, mappingsMoved: mapped.length };
    },
  );

  app.delete(
    "/api/teams/:id",
    {
      config: { access: ["admin"] },
      schema: {
        operationId: "deleteTeam",
        tags: ["users"],
        summary:
          "Delete a team: its members belong to no team afterwards and issues assigned to it are unassigned from it (each change in the issue's history and the audit log); 409 while an owner mapping sends issues to it",
        params: TeamId,
        response: withErrors(
          {
            200: z.object({
              team: TeamOut,
              membersRemoved: z.number().int(),
              issuesUnassigned: z.number().int(),
            }),
          },
          404,
          409,
        ),
      },
    },
    async (req) => {
      const team = await teamOr404(req.params.id);
      const mapped = mappingsOf(await store.settings(), team.name);
      if (mapped.length > 0)
        throw new ConflictError(
          `owner mappings send new issues to team ${team.name} (${mapped
            .map((m) => `${m.tag}=${m.value}`)
            .join(", ")}): change them in the settings first`,
        );
      const issuesUnassigned = await moveIssues(req, team.name, undefined);
      const { members } = await accounts.teams.remove(team.id);
      await ctx.audit(req, {
        action: "team.delete",
        target: team.id,
        before: { name: team.name, members: members.map((m) => m.email) },
        after: { issuesUnassigned },
      });
      return { team, membersRemoved: members.length, issuesUnassigned };
    },
  );

  app.get(
    "/api/teams/:id/members",
    {
      config: { access: ["admin"] },
      schema: {
        operationId: "listTeamMembers",
        tags: ["users"],
        summary: "The users in a team",
        params: TeamId,
        response: withErrors({ 200: z.object({ items: z.array(UserOut) }) }, 404),
      },
    },
    async (req) => {
      const team = await teamOr404(req.params.id);
      return { items: await accounts.teams.members(team.id) };
    },
  );

  app.put(
    "/api/teams/:id/members/:userId",
    {
      config: { access: ["admin"] },
      schema: {
        operationId: "addTeamMember",
        tags: ["users"],
        summary:
          "Put a user in the team (a user belongs to one team: this moves them from theirs); they see the team's issues at once",
        params: MemberParams,
        response: withErrors({ 200: z.object({ user: UserOut }) }, 404),
      },
    },
    async (req) => {
      const team = await teamOr404(req.params.id);
      const { before, after } = await accounts.teams.addMember(team.id, req.params.userId);
      if (before.team !== after.team)
        await ctx.audit(req, {
          action: "team.member_add",
          target: team.id,
          before: { user: before.email, team: before.team },
          after: { user: after.email, team: after.team },
        });
      return { user: after };
    },
  );

  app.delete(
    "/api/teams/:id/members/:userId",
    {
      config: { access: ["admin"] },
      schema: {
        operationId: "removeTeamMember",
        tags: ["users"],
        summary:
          "Take a user out of the team (404 when they are not in it); they stop seeing its issues at once",
        params: MemberParams,
        response: withErrors({ 200: z.object({ user: UserOut }) }, 404),
      },
    },
    async (req) => {
      const team = await teamOr404(req.params.id);
      const { before, after } = await accounts.teams.removeMember(team.id, req.params.userId);
      await ctx.audit(req, {
        action: "team.member_remove",
        target: team.id,
        before: { user: before.email, team: before.team },
        after: { user: after.email, team: after.team },
      });
      return { user: after };
    },
  );
}
