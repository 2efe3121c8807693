// The first start creates an admin (DESIGN "Server and UI"): the password comes from
// CTEM_ADMIN_PASSWORD, else a one-time password is generated, shown only on a terminal, or else
// written to `<data>/initial-admin-password` (0600) while the log names the file, never the password.
// A one-time password must be changed at the first login.
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { AccountStore } from "@ctem/model";
import { generatePassword } from "./passwords.js";
import type { PasswordHasher } from "./passwords.js";

export const INITIAL_PASSWORD_FILE = "initial-admin-password";

export interface FirstAdminOptions {
  accounts: AccountStore;
  hasher: PasswordHasher;
  dataDir: string;
  email: string;
  password?: string;
  /** Whether `show` reaches a person at a terminal (not a log file or a pipe). */
  terminal: boolean;
  /** Writes to the terminal. */
  show: (text: string) => void;
  /** Writes to the log (may be collected): never given a password. */
  log: (text: string) => void;
}

export type FirstAdminResult =
  | { created: false }
  | { created: true; email: string; passwordFrom: "env" | "terminal" | "file"; file?: string };

export async function ensureFirstAdmin(o: FirstAdminOptions): Promise<FirstAdminResult> {
  if ((await o.accounts.users.count()) > 0) return { created: false };
  const oneTime = !o.password;
  const password = o.password ?? generatePassword();
  await o.accounts.users.create({
    email: o.email,
    role: "admin",
    passwordHash: await o.hasher.hash(password),
    mustChangePassword: oneTime,
    source: "local",
  });
  await o.accounts.audit.append({
    actor: { kind: "system", id: "system", email: null },
    action: "user.create",
    outcome: "success",
    target: o.email,
    after: { email: o.email, role: "admin", firstAdmin: true },
    ip: null,
    requestId: null,
  });
  if (!oneTime) {
    o.log(`created the first admin ${o.email} with the password from CTEM_ADMIN_PASSWORD`);
    return { created: true, email: o.email, passwordFrom: "env" };
  }
  if (o.terminal) {
    o.show(
      `\nFirst admin: ${o.email}\nOne-time password: ${password}\n(shown once; you choose a new one at the first login)\n\n`,
    );
    o.log(`created the first admin ${o.email}; the one-time password was shown on the terminal`);
    return { created: true, email: o.email, passwordFrom: "terminal" };
  }
  const file = path.join(o.dataDir, INITIAL_PASSWORD_FILE);
  rmSync(file, { force: true });
  writeFileSync(file, password + "\n", { mode: 0o600, flag: "wx" });
  o.log(
    `created the first admin ${o.email}; the one-time password is in ${file} (readable by this user only; removed after the first password change)`,
  );
  return { created: true, email: o.email, passwordFrom: "file", file };
}

/** After the first admin chose a password, the file with the one-time password goes. */
export function removeInitialPasswordFile(dataDir: string): void {
  rmSync(path.join(dataDir, INITIAL_PASSWORD_FILE), { force: true });
}
