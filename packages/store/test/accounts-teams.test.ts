// Team management in the SQLite AccountStore: rename (members follow, names stay unique), remove
// (members released in the same transaction), members, and adding or removing a member.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AccountStore } from "@ctem/model";
import { openSqliteStores } from "../src/index.js";
import type { SqliteStores } from "../src/index.js";

let dir: string;
let stores: SqliteStores;
let acc: AccountStore;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ctem-teams-"));
  stores = openSqliteStores(path.join(dir, "ctem.db"));
  acc = stores.app.accounts;
});
afterEach(async () => {
  await stores.close();
  rmSync(dir, { recursive: true, force: true });
});

const dev = (email: string, team: string | null = null) =>
  acc.users.create({
    email,
    role: "developer",
    team,
    passwordHash: "scrypt$hash",
    mustChangePassword: false,
    source: "local",
  });

describe("teams", () => {
  it("finds a team by id; an unknown id is undefined", async () => {
    const t = await acc.teams.ensure("payments");
    expect(await acc.teams.byId(t.id)).toEqual(t);
    expect(await acc.teams.byId("nope")).toBeUndefined();
  });

  it("renames a team; its members follow, and the old name is free", async () => {
    const a = await dev("a@example.com", "payments");
    const t = (await acc.teams.get("payments"))!;
    const { before, after } = await acc.teams.rename(t.id, "  Billing ");
    expect(before.name).toBe("payments");
    expect(after).toEqual({ ...t, name: "Billing" });
    expect((await acc.users.get(a.id))?.team).toBe("Billing");
    expect(await acc.teams.get("payments")).toBeUndefined();
    expect((await acc.teams.get("billing"))?.id).toBe(t.id);
  });

  it("a change of case alone is a rename; another team's name is a conflict naming the field", async () => {
    const t = await acc.teams.ensure("payments");
    await acc.teams.ensure("web");
    expect((await acc.teams.rename(t.id, "Payments")).after.name).toBe("Payments");
    await expect(acc.teams.rename(t.id, "WEB")).rejects.toMatchObject({
      code: "conflict",
      details: { field: "name" },
    });
    await expect(acc.teams.rename(t.id, "bad/name")).rejects.toMatchObject({ code: "invalid_input" });
    await expect(acc.teams.rename("nope", "x")).rejects.toMatchObject({ code: "not_found" });
    expect((await acc.teams.list()).map((x) => x.name)).toEqual(["Payments", "web"]);
  });

  it("removes a team, answering its members, who then belong to no team", async () => {
    const a = await dev("a@example.com", "payments");
    const b = await dev("b@example.com", "payments");
    const c = await dev("c@example.com", "web");
    const t = (await acc.teams.get("payments"))!;
    const { team, members } = await acc.teams.remove(t.id);
    expect(team).toEqual(t);
    expect(members.map((m) => [m.email, m.team])).toEqual([
      ["a@example.com", "payments"],
      ["b@example.com", "payments"],
    ]);
    expect((await acc.users.get(a.id))?.team).toBeNull();
    expect((await acc.users.get(b.id))?.team).toBeNull();
    expect((await acc.users.get(c.id))?.team).toBe("web");
    expect((await acc.teams.list()).map((x) => x.name)).toEqual(["web"]);
    await expect(acc.teams.remove(t.id)).rejects.toMatchObject({ code: "not_found" });
  });

  it("lists members; adding moves a user from their team; removing needs a member", async () => {
    const a = await dev("a@example.com", "web");
    await dev("b@example.com", "payments");
    const pay = (await acc.teams.get("payments"))!;
    const web = (await acc.teams.get("web"))!;
    const added = await acc.teams.addMember(pay.id, a.id);
    expect([added.before.team, added.after.team]).toEqual(["web", "payments"]);
    expect((await acc.teams.members(pay.id)).map((u) => u.email)).toEqual(["a@example.com", "b@example.com"]);
    expect(await acc.teams.members(web.id)).toEqual([]);
    // Adding again changes nothing.
    expect((await acc.teams.addMember(pay.id, a.id)).after.team).toBe("payments");

    await expect(acc.teams.removeMember(web.id, a.id)).rejects.toMatchObject({
      code: "not_found",
      message: "a@example.com is not in team web",
    });
    const removed = await acc.teams.removeMember(pay.id, a.id);
    expect([removed.before.team, removed.after.team]).toEqual(["payments", null]);
    expect((await acc.teams.members(pay.id)).map((u) => u.email)).toEqual(["b@example.com"]);

    await expect(acc.teams.addMember("nope", a.id)).rejects.toMatchObject({ code: "not_found" });
    await expect(acc.teams.addMember(pay.id, "nope")).rejects.toMatchObject({ code: "not_found" });
    await expect(acc.teams.removeMember(pay.id, "nope")).rejects.toMatchObject({ code: "not_found" });
  });
});
