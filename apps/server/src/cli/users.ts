// `ctem users add --email E --role R [--team T] [--password-stdin]` and `ctem users list`: local
// accounts from the command line. Without --password-stdin a one-time password is printed once
// (changed at the first login); --team creates the team when it does not exist.
import type { Command } from "commander";
import { Option } from "commander";
import { ROLES } from "@ctem/model";
import type { Role, User } from "@ctem/model";
import { Password, createPasswordHasher, generatePassword } from "../auth/passwords.js";
import type { CliContext } from "./context.js";
import { UsageError } from "./exit.js";
import { renderTable } from "./table.js";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export function registerUsers(
  program: Command,
  ctx: CliContext,
  stdin: () => Promise<string> = readStdin,
): void {
  const users = program.command("users").description("local accounts: add, list");

  users
    .command("add")
    .description("add a local user (prints a one-time password unless --password-stdin)")
    .requiredOption("--email <email>", "e-mail address (the login name)")
    .addOption(new Option("--role <role>", "role").choices([...ROLES]).makeOptionMandatory())
    .option("--team <team>", "team (created when missing)")
    .option("--name <name>", "display name")
    .option("--password-stdin", "read the password from stdin (at least 12 characters)")
    .action(
      async (
        opts: { email: string; role: Role; team?: string; name?: string; passwordStdin?: boolean },
        cmd: Command,
      ) => {
        let password: string | undefined;
        if (opts.passwordStdin) {
          password = (await stdin()).replace(/\r?\n$/, "");
          const ok = Password.safeParse(password);
          if (!ok.success)
            throw new UsageError(`--password-stdin: ${ok.error.issues[0]?.message ?? "invalid"}`);
        }
        const oneTime = password ? undefined : generatePassword();
        const { app } = await ctx.stores(cmd);
        const user = await app.accounts.users.create({
          email: opts.email,
          role: opts.role,
          name: opts.name ?? null,
          team: opts.team ?? null,
          passwordHash: await createPasswordHasher().hash(password ?? oneTime!),
          mustChangePassword: oneTime !== undefined,
          source: "local",
        });
        await app.accounts.audit.append({
          actor: { kind: "system", id: "cli", email: null },
          action: "user.create",
          outcome: "success",
          target: user.id,
          after: { email: user.email, role: user.role, team: user.team },
          ip: null,
          requestId: null,
        });
        ctx.print(cmd, { user, ...(oneTime ? { oneTimePassword: oneTime } : {}) }, () =>
          [
            `added ${user.email} (${user.role}${user.team ? `, team ${user.team}` : ""})`,
            ...(oneTime ? [`one-time password: ${oneTime}  (shown once; changed at the first login)`] : []),
          ].join("\n"),
        );
      },
    );

  users
    .command("list")
    .description("list users")
    .action(async (_opts: unknown, cmd: Command) => {
      const { app } = await ctx.stores(cmd);
      const items: User[] = await app.accounts.users.list();
      ctx.print(cmd, { items }, () =>
        items.length === 0
          ? "no users\n"
          : renderTable(
              ["email", "role", "team", "source", "disabled"],
              items.map((u) => [u.email, u.role, u.team ?? "", u.source, u.disabled ? "yes" : ""]),
            ),
      );
    });
}
