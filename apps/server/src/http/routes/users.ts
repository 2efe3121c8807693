// Users (admin; teams and their members are in teams.ts). A user created without a password gets
// a one-time password, returned once in the answer and changed at the first login.
import { z } from "zod";
import { ConflictError, Email, NotFoundError, Role, TeamName } from "@ctem/model";
import { Password, generatePassword } from "../../auth/passwords.js";
import type { RouteContext, ZodApp } from "../app.js";
import { principal } from "../access.js";
import { UserOut, withErrors } from "../schemas.js";

const UserId = z.object({ id: z.string().min(1).max(64) });

export function registerUserRoutes(app: ZodApp, ctx: RouteContext): void {
  const accounts = ctx.deps.app.accounts;

  app.get(
    "/api/users",
    {
      config: { access: ["admin"] },
      schema: {
        operationId: "listUsers",
        tags: ["users"],
        summary: "Every user",
        response: withErrors({ 200: z.object({ items: z.array(UserOut) }) }),
      },
    },
    async () => ({ items: await accounts.users.list() }),
  );

  app.post(
    "/api/users",
    {
      config: { access: ["admin"] },
      schema: {
        operationId: "createUser",
        tags: ["users"],
        summary: "Add a local user; without a password, a one-time password is returned once",
        body: z
          .object({
            email: Email,
            role: Role,
            name: z.string().max(256).optional(),
            team: TeamName.optional(),
            password: Password.optional(),
          })
          .strict(),
        response: withErrors(
          { 201: z.object({ user: UserOut, oneTimePassword: z.string().optional() }) },
          409,
        ),
      },
    },
    async (req, reply) => {
      const oneTime = req.body.password ? undefined : generatePassword();
      const user = await accounts.users.create({
        email: req.body.email,
        role: req.body.role,
        name: req.body.name ?? null,
        team: req.body.team ?? null,
        passwordHash: await ctx.deps.hasher.hash(req.body.password ?? oneTime!),
        mustChangePassword: oneTime !== undefined,
        source: "local",
      });
      await ctx.audit(req, {
        action: "user.create",
        target: user.id,
        after: { email: user.email, role: user.role, team: user.team },
      });
      return reply.status(201).send({ user, ...(oneTime ? { oneTimePassword: oneTime } : {}) });
    },
  );

  app.patch(
    "/api/users/:id",
    {
      config: { access: ["admin"] },
      schema: {
        operationId: "updateUser",
        tags: ["users"],
        summary: "Change a user's role, team, name, or disable them (their sessions end at once)",
        params: UserId,
        body: z
          .object({
            role: Role.optional(),
            team: TeamName.nullable().optional(),
            name: z.string().max(256).nullable().optional(),
            disabled: z.boolean().optional(),
          })
          .strict(),
        response: withErrors({ 200: z.object({ user: UserOut }) }, 404, 409),
      },
    },
    async (req) => {
      const me = principal(req);
      const target = await accounts.users.get(req.params.id);
      if (!target) throw new NotFoundError(`no user ${req.params.id}`);
      const demotes = req.body.role !== undefined && req.body.role !== "admin";
      if (target.role === "admin" && (demotes || req.body.disabled)) {
        const admins = (await accounts.users.list()).filter((u) => u.role === "admin" && !u.disabled);
        if (admins.length <= 1) throw new ConflictError("this is the last admin: make another admin first");
      }
      if (target.id === me.user.id && req.body.disabled)
        throw new ConflictError("you cannot disable yourself", { field: "body.disabled" });
      const { before, after } = await accounts.users.update(req.params.id, req.body);
      await ctx.audit(req, {
        action: after.disabled && !before.disabled ? "user.disable" : "user.update",
        target: after.id,
        before: { role: before.role, team: before.team, name: before.name, disabled: before.disabled },
        after: { role: after.role, team: after.team, name: after.name, disabled: after.disabled },
      });
      return { user: after };
    },
  );

  app.post(
    "/api/users/:id/password-reset",
    {
      config: { access: ["admin"] },
      schema: {
        operationId: "resetUserPassword",
        tags: ["users"],
        summary: "Give a local user a one-time password (answered once); their sessions end",
        params: UserId,
        response: withErrors({ 200: z.object({ oneTimePassword: z.string() }) }, 404, 409),
      },
    },
    async (req) => {
      const target = await accounts.users.get(req.params.id);
      if (!target) throw new NotFoundError(`no user ${req.params.id}`);
      if (target.source !== "local")
        throw new ConflictError(`${target.email} signs in with single sign-on and has no password`);
      const oneTimePassword = generatePassword();
      await accounts.users.setPassword(target.id, await ctx.deps.hasher.hash(oneTimePassword), {
        mustChange: true,
        at: ctx.now().toISOString(),
      });
      await ctx.audit(req, { action: "user.password_reset", target: target.id });
      return { oneTimePassword };
    },
  );
}
