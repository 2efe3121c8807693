// The AccountStore on SQLite: users and teams, sessions and API tokens (stored by hash), the
// append-only audit log, sealed secrets and configuration documents. Writes go through the write
// lock like every other AppStore write; reads use the reader connection.
import { randomUUID } from "node:crypto";
import { AuditEvent, ConflictError, Email, NotFoundError, Role, TeamName, parseItem } from "@ctem/model";
import type {
  AccountStore,
  ApiTokenRecord,
  AuditFilter,
  NewAuditEvent,
  NewUser,
  PageResult,
  SessionRecord,
  Team,
  User,
  UserPatch,
  UserRecord,
} from "@ctem/model";
import type { SqliteHandle } from "./db.js";
import { decodeCursor, encodeCursor } from "./paging.js";

interface UserRow {
  id: string;
  email: string;
  name: string | null;
  role: string;
  team: string | null;
  disabled: number;
  must_change_password: number;
  source: string;
  password_hash: string | null;
  created_at: string;
  last_login_at: string | null;
}

interface TokenRow {
  id: string;
  hash: string;
  name: string;
  role: string;
  user_id: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

interface SessionRow {
  id: string;
  user_id: string;
  csrf_hash: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  revoked_at: string | null;
}

const USER_SELECT = `SELECT u.id, u.email, u.name, u.role, t.name AS team, u.disabled, u.must_change_password,
  u.source, u.password_hash, u.created_at, u.last_login_at FROM users u LEFT JOIN teams t ON t.id = u.team_id`;

function toRecord(r: UserRow): UserRecord {
  return {
    id: r.id,
    email: r.email,
    name: r.name,
    role: r.role as UserRecord["role"],
    team: r.team,
    disabled: r.disabled === 1,
    mustChangePassword: r.must_change_password === 1,
    source: r.source as UserRecord["source"],
    createdAt: r.created_at,
    lastLoginAt: r.last_login_at,
    passwordHash: r.password_hash,
  };
}

/** The public view: everything but the hash. */
function toUser(r: UserRow): User {
  const { passwordHash: _hash, ...user } = toRecord(r);
  return user;
}

interface TeamRow {
  id: string;
  name: string;
  created_at: string;
}

const toTeam = (t: TeamRow): Team => ({ id: t.id, name: t.name, createdAt: t.created_at });

function toToken(r: TokenRow): ApiTokenRecord {
  return {
    id: r.id,
    hash: r.hash,
    name: r.name,
    role: r.role as ApiTokenRecord["role"],
    userId: r.user_id,
    prefix: r.prefix,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
  };
}

function toSession(r: SessionRow): SessionRecord {
  return {
    id: r.id,
    userId: r.user_id,
    csrfHash: r.csrf_hash,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
  };
}

export function createSqliteAccountStore(h: SqliteHandle, now: () => string): AccountStore {
  const w = h.writer;
  const r = h.reader;

  const userBy = (db = r) => ({
    id: db.prepare<[string], UserRow>(`${USER_SELECT} WHERE u.id = ?`),
    email: db.prepare<[string], UserRow>(`${USER_SELECT} WHERE u.email = ? COLLATE NOCASE`),
  });
  const readUsers = userBy(r);
  const writeUsers = userBy(w);
  const teamByName = (db = r) =>
    db.prepare<[string], TeamRow>("SELECT id, name, created_at FROM teams WHERE name = ? COLLATE NOCASE");

  const teamById = (db = r) =>
    db.prepare<[string], TeamRow>("SELECT id, name, created_at FROM teams WHERE id = ?");
  /** Inside the write lock and a transaction: the team, or NotFoundError. */
  const teamOrThrow = (id: string): Team => {
    const row = teamById(w).get(id);
    if (!row) throw new NotFoundError(`no team ${id}`);
    return toTeam(row);
  };
  const membersOf = (db: typeof r, teamId: string): User[] =>
    db
      .prepare<[string], UserRow>(`${USER_SELECT} WHERE u.team_id = ? ORDER BY u.email`)
      .all(teamId)
      .map(toUser);

  /** Inside the write lock and a transaction: the team's id, created when missing. */
  const ensureTeamSync = (nameIn: string): Team => {
    const name = parseItem(TeamName, nameIn, "team");
    const row = teamByName(w).get(name);
    if (row) return toTeam(row);
    const team: Team = { id: randomUUID(), name, createdAt: now() };
    w.prepare("INSERT INTO teams (id, name, created_at) VALUES (?, ?, ?)").run(
      team.id,
      team.name,
      team.createdAt,
    );
    return team;
  };

  const revokeUserSync = (userId: string, at: string, except?: string) =>
    w
      .prepare("UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND id <> ?")
      .run(at, userId, except ?? "").changes;

  return {
    users: {
      create(u: NewUser) {
        return h.lock.run(() =>
          w.transaction((): User => {
            const email = parseItem(Email, u.email, "user", "email");
            const role = parseItem(Role, u.role, "user", "role");
            if (writeUsers.email.get(email))
              throw new ConflictError(`a user with e-mail ${email} already exists`, { field: "email" });
            const teamId = u.team ? ensureTeamSync(u.team).id : null;
            const id = randomUUID();
            w.prepare(
              `INSERT INTO users (id, email, name, role, team_id, disabled, must_change_password, source, password_hash, created_at)
               VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?)`,
            ).run(
              id,
              email,
              u.name ?? null,
              role,
              teamId,
              u.mustChangePassword ? 1 : 0,
              u.source,
              u.passwordHash,
              now(),
            );
            return toUser(writeUsers.id.get(id)!);
          })(),
        );
      },
      get(id) {
        const row = readUsers.id.get(id);
        return Promise.resolve(row ? toUser(row) : undefined);
      },
      record(idOrEmail) {
        const row = readUsers.id.get(idOrEmail) ?? readUsers.email.get(idOrEmail);
        return Promise.resolve(row ? toRecord(row) : undefined);
      },
      list() {
        const rows = r.prepare<[], UserRow>(`${USER_SELECT} ORDER BY u.email`).all();
        return Promise.resolve(rows.map(toUser));
      },
      count() {
        return Promise.resolve(r.prepare<[], { n: number }>("SELECT count(*) AS n FROM users").get()!.n);
      },
      update(id, patch: UserPatch) {
        return h.lock.run(() =>
          w.transaction(() => {
            const row = writeUsers.id.get(id);
            if (!row) throw new NotFoundError(`no user ${id}`);
            const before = toUser(row);
            const sets: string[] = [];
            const args: unknown[] = [];
            if (patch.name !== undefined) {
              sets.push("name = ?");
              args.push(patch.name);
            }
            if (patch.role !== undefined) {
              sets.push("role = ?");
              args.push(parseItem(Role, patch.role, "user", "role"));
            }
            if (patch.team !== undefined) {
              sets.push("team_id = ?");
              args.push(patch.team === null ? null : ensureTeamSync(patch.team).id);
            }
            if (patch.disabled !== undefined) {
              sets.push("disabled = ?");
              args.push(patch.disabled ? 1 : 0);
              if (patch.disabled) revokeUserSync(id, now());
            }
            if (sets.length) w.prepare(`UPDATE users SET ${sets.join(", ")} WHERE id = ?`).run(...args, id);
            return { before, after: toUser(writeUsers.id.get(id)!) };
          })(),
        );
      },
      setPassword(id, hash, opts) {
        return h.lock.run(() =>
          w.transaction(() => {
            const res = w
              .prepare("UPDATE users SET password_hash = ?, must_change_password = ? WHERE id = ?")
              .run(hash, opts.mustChange ? 1 : 0, id);
            if (res.changes === 0) throw new NotFoundError(`no user ${id}`);
            revokeUserSync(id, opts.at ?? now(), opts.keepSession);
          })(),
        );
      },
      recordLogin(id, at) {
        return h.lock.run(() => {
          w.prepare("UPDATE users SET last_login_at = ? WHERE id = ?").run(at, id);
        });
      },
    },

    teams: {
      ensure(name) {
        return h.lock.run(() => w.transaction(() => ensureTeamSync(name))());
      },
      get(name) {
        const row = teamByName(r).get(name);
        return Promise.resolve(row ? toTeam(row) : undefined);
      },
      byId(id) {
        const row = teamById(r).get(id);
        return Promise.resolve(row ? toTeam(row) : undefined);
      },
      rename(id, nameIn) {
        return h.lock.run(() =>
          w.transaction(() => {
            const before = teamOrThrow(id);
            const name = parseItem(TeamName, nameIn, "team", "name");
            const other = teamByName(w).get(name);
            if (other && other.id !== id)
              throw new ConflictError(`a team named ${other.name} already exists`, { field: "name" });
            w.prepare("UPDATE teams SET name = ? WHERE id = ?").run(name, id);
            return { before, after: { ...before, name } };
          })(),
        );
      },
      remove(id) {
        return h.lock.run(() =>
          w.transaction(() => {
            const team = teamOrThrow(id);
            const members = membersOf(w, id);
            w.prepare("UPDATE users SET team_id = NULL WHERE team_id = ?").run(id);
            w.prepare("DELETE FROM teams WHERE id = ?").run(id);
            return { team, members };
          })(),
        );
      },
      members(id) {
        return Promise.resolve(membersOf(r, id));
      },
      addMember(id, userId) {
        return h.lock.run(() =>
          w.transaction(() => {
            teamOrThrow(id);
            const row = writeUsers.id.get(userId);
            if (!row) throw new NotFoundError(`no user ${userId}`);
            w.prepare("UPDATE users SET team_id = ? WHERE id = ?").run(id, userId);
            return { before: toUser(row), after: toUser(writeUsers.id.get(userId)!) };
          })(),
        );
      },
      removeMember(id, userId) {
        return h.lock.run(() =>
          w.transaction(() => {
            const team = teamOrThrow(id);
            const row = writeUsers.id.get(userId);
            if (!row) throw new NotFoundError(`no user ${userId}`);
            const res = w
              .prepare("UPDATE users SET team_id = NULL WHERE id = ? AND team_id = ?")
              .run(userId, id);
            if (res.changes === 0) throw new NotFoundError(`${row.email} is not in team ${team.name}`);
            return { before: toUser(row), after: toUser(writeUsers.id.get(userId)!) };
          })(),
        );
      },
      list() {
        const rows = r
          .prepare<[], TeamRow>("SELECT id, name, created_at FROM teams ORDER BY name COLLATE NOCASE")
          .all();
        return Promise.resolve(rows.map(toTeam));
      },
    },

    sessions: {
      create(s: SessionRecord) {
        return h.lock.run(() => {
          w.prepare(
            `INSERT INTO sessions (id, user_id, csrf_hash, created_at, last_seen_at, expires_at, revoked_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)`,
          ).run(s.id, s.userId, s.csrfHash, s.createdAt, s.lastSeenAt, s.expiresAt, s.revokedAt);
        });
      },
      get(id) {
        const row = r.prepare<[string], SessionRow>("SELECT * FROM sessions WHERE id = ?").get(id);
        return Promise.resolve(row ? toSession(row) : undefined);
      },
      touch(id, at) {
        return h.lock.run(() => {
          w.prepare("UPDATE sessions SET last_seen_at = ? WHERE id = ? AND last_seen_at < ?").run(at, id, at);
        });
      },
      revoke(id, at) {
        return h.lock.run(() => {
          w.prepare("UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL").run(at, id);
        });
      },
      revokeUser(userId, at, except) {
        return h.lock.run(() => revokeUserSync(userId, at, except));
      },
      purge(before) {
        return h.lock.run(
          () =>
            w.prepare("DELETE FROM sessions WHERE expires_at < ? OR revoked_at < ?").run(before, before)
              .changes,
        );
      },
    },

    tokens: {
      create(t: ApiTokenRecord) {
        return h.lock.run(() => {
          w.prepare(
            `INSERT INTO api_tokens (id, hash, name, role, user_id, prefix, created_at, last_used_at, expires_at, revoked_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          ).run(
            t.id,
            t.hash,
            t.name,
            parseItem(Role, t.role, "token", "role"),
            t.userId,
            t.prefix,
            t.createdAt,
            t.lastUsedAt,
            t.expiresAt,
            t.revokedAt,
          );
        });
      },
      byHash(hash) {
        const row = r.prepare<[string], TokenRow>("SELECT * FROM api_tokens WHERE hash = ?").get(hash);
        return Promise.resolve(row ? toToken(row) : undefined);
      },
      get(id) {
        const row = r.prepare<[string], TokenRow>("SELECT * FROM api_tokens WHERE id = ?").get(id);
        return Promise.resolve(row ? toToken(row) : undefined);
      },
      list(userId) {
        const rows = userId
          ? r
              .prepare<[string], TokenRow>(
                "SELECT * FROM api_tokens WHERE user_id = ? ORDER BY created_at, id",
              )
              .all(userId)
          : r.prepare<[], TokenRow>("SELECT * FROM api_tokens ORDER BY created_at, id").all();
        return Promise.resolve(rows.map(toToken));
      },
      revoke(id, at) {
        return h.lock.run(
          () =>
            w.prepare("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL").run(at, id)
              .changes > 0,
        );
      },
      touch(id, at) {
        return h.lock.run(() => {
          w.prepare("UPDATE api_tokens SET last_used_at = ? WHERE id = ?").run(at, id);
        });
      },
    },

    audit: {
      append(e: NewAuditEvent) {
        return h.lock.run(() => {
          const at = e.at ?? now();
          const doc = { ...e, at };
          const res = w
            .prepare("INSERT INTO audit_log (at, action, actor_id, target, doc) VALUES (?, ?, ?, ?, ?)")
            .run(at, e.action, e.actor.id, e.target, JSON.stringify(doc));
          return parseItem(AuditEvent, { ...doc, id: Number(res.lastInsertRowid) }, "audit event");
        });
      },
      list(filter: AuditFilter, page) {
        const where: string[] = [];
        const args: unknown[] = [];
        if (filter.action) {
          where.push("action = ?");
          args.push(filter.action);
        }
        if (filter.actorId) {
          where.push("actor_id = ?");
          args.push(filter.actorId);
        }
        if (filter.target) {
          where.push("target = ?");
          args.push(filter.target);
        }
        if (filter.since) {
          where.push("at >= ?");
          args.push(filter.since);
        }
        if (page.cursor) {
          const [, id] = decodeCursor(page.cursor);
          where.push("id < ?");
          args.push(Number(id));
        }
        const limit = Math.max(1, Math.min(page.limit, 1000));
        const rows = r
          .prepare<unknown[], { id: number; doc: string }>(
            `SELECT id, doc FROM audit_log ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY id DESC LIMIT ?`,
          )
          .all(...args, limit + 1);
        const items = rows
          .slice(0, limit)
          .map((x) => ({ ...(JSON.parse(x.doc) as Omit<AuditEvent, "id">), id: x.id }));
        const last = rows.length > limit ? rows[limit - 1] : undefined;
        const out: PageResult<AuditEvent> = last
          ? { items, next: encodeCursor(["audit", String(last.id)]) }
          : { items };
        return Promise.resolve(out);
      },
    },

    secrets: {
      put(name, sealed) {
        return h.lock.run(() => {
          w.prepare(
            "INSERT INTO secrets (name, sealed, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at",
          ).run(name, sealed, now());
        });
      },
      get(name) {
        const row = r
          .prepare<[string], { sealed: string }>("SELECT sealed FROM secrets WHERE name = ?")
          .get(name);
        return Promise.resolve(row?.sealed);
      },
      remove(name) {
        return h.lock.run(() => w.prepare("DELETE FROM secrets WHERE name = ?").run(name).changes > 0);
      },
    },

    config: {
      get(key) {
        const row = r
          .prepare<[string], { value: string }>("SELECT value FROM app_config WHERE key = ?")
          .get(key);
        return Promise.resolve(row ? (JSON.parse(row.value) as unknown) : undefined);
      },
      put(key, value) {
        return h.lock.run(() => {
          w.prepare(
            "INSERT INTO app_config (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
          ).run(key, JSON.stringify(value));
        });
      },
    },
  };
}
