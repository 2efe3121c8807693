// Who an SSO sign-in becomes: a user created on first sign-in from the ID token's e-mail, an SSO
// user's role following their groups, an existing password account only with a verified e-mail,
// a disabled account or unmapped groups refused. Every refusal and change is audited.
import { CtemError } from "@ctem/model";
import type { AccountStore, AuditActor, User } from "@ctem/model";
import type { SsoIdentity } from "./oidc.js";

export interface SsoAuditEvent {
  action: string;
  outcome?: "success" | "failure";
  target: string | null;
  before?: unknown;
  after?: unknown;
  actor?: AuditActor;
}

const SSO_ACTOR: AuditActor = { kind: "system", id: "sso", email: null };

export async function resolveSsoUser(
  accounts: Pick<AccountStore, "users">,
  id: SsoIdentity,
  audit: (e: SsoAuditEvent) => Promise<void>,
): Promise<User> {
  const refuse = async (target: string, reason: string, message: string, extra: object = {}) => {
    await audit({ action: "auth.sso_failed", outcome: "failure", target, after: { reason, ...extra } });
    return new CtemError("forbidden", message);
  };
  if (!id.role)
    throw await refuse(id.email, "no_mapped_group", "your groups map to no ctem role; ask an admin", {
      groups: id.groups,
    });
  const rec = await accounts.users.record(id.email);
  if (!rec) {
    const user = await accounts.users.create({
      email: id.email,
      name: id.name,
      role: id.role,
      passwordHash: null,
      mustChangePassword: false,
      source: "oidc",
    });
    await audit({
      action: "user.create",
      target: user.id,
      after: { email: user.email, role: user.role, source: "oidc" },
      actor: SSO_ACTOR,
    });
    return user;
  }
  const { passwordHash: _hash, ...user } = rec;
  // Signing in as an existing password account needs the provider to vouch for the address.
  if (user.source === "local" && !id.emailVerified)
    throw await refuse(
      user.id,
      "email_not_verified",
      "the identity provider has not verified this e-mail address",
    );
  if (user.disabled) throw await refuse(user.id, "disabled", "the account is disabled");
  if (user.source === "oidc" && user.role !== id.role) {
    // Groups at the identity provider are the truth for SSO users: the role follows them.
    const { before, after } = await accounts.users.update(user.id, { role: id.role });
    await audit({
      action: "user.update",
      target: user.id,
      before: { role: before.role },
      after: { role: after.role },
      actor: SSO_ACTOR,
    });
    return after;
  }
  return user;
}
