// Team management over the API: rename (members, issues and stored owner mappings follow; an
// overlaid mapping is a 409), delete (members released, issues unassigned from the team, each change
// in the issue's history and the audit log; 409 while an owner mapping names the team), members
// (a developer added to a team sees its issues at once, removed: 403 at once), and the audit log.
import { afterEach, describe, expect, it } from "vitest";
import type { AuditEvent, Issue, IssueEvent, SettingsPatch, Team, User } from "@ctem/model";
import { makeFixture, signIn } from "./http-fixture.js";
import type { As, Fixture } from "./http-fixture.js";

let f: Fixture;
let admin: As;

async function setup(overlay?: SettingsPatch) {
  f = await makeFixture(overlay ? { overlay } : {});
  admin = await signIn(f.app, f.users.admin.email);
}
afterEach(() => f.close());

const call = (as: As, method: "GET" | "PATCH" | "PUT" | "DELETE", url: string, payload?: object) =>
  f.app.inject({ method, url, headers: as.headers, ...(payload ? { payload } : {}) });
const payments = async () => (await f.stores.app.accounts.teams.get("payments"))!;
const issue = async (as: As, key: string) => call(as, "GET", `/api/issues/${key}`);
const listed = async (as: As) =>
  (await call(as, "GET", "/api/issues")).json<{ items: Issue[] }>().items.map((i) => i.key);
const audits = async (action: string): Promise<AuditEvent[]> =>
  (await f.stores.app.accounts.audit.list({ action }, { limit: 100 })).items;
const errorOf = (res: { json: <T>() => T }) =>
  res.json<{ error: { code: string; message: string; field?: string } }>().error;

describe("rename", () => {
  it("members, the team's issues and stored owner mappings follow the new name; audited", async () => {
    await setup();
    await f.stores.app.saveSettings({
      owners: {
        mappings: [
          { tag: "team", value: "pay", team: "Payments" },
          { tag: "team", value: "web", team: "web" },
        ],
      },
    });
    const dev2 = await signIn(f.app, f.users.dev2.email);
    const team = await payments();
    const res = await call(admin, "PATCH", `/api/teams/${team.id}`, { name: "Billing" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ team: { ...team, name: "Billing" }, issuesMoved: 1, mappingsMoved: 1 });

    expect((await f.stores.app.accounts.users.get(f.users.dev2.id))?.team).toBe("Billing");
    const moved = (await issue(admin, f.issues.team)).json<Issue>();
    expect(moved.assignee).toEqual({ team: "Billing" });
    const history = (await call(admin, "GET", `/api/issues/${f.issues.team}/history`)).json<{
      items: IssueEvent[];
    }>().items;
    expect(history.at(-1)).toMatchObject({
      type: "assignee",
      from: { team: "payments" },
      to: { team: "Billing" },
      actor: { id: f.users.admin.id },
    });
    // dev2 still sees the team's issue, with the session they had before.
    expect((await issue(dev2, f.issues.team)).statusCode).toBe(200);
    expect((await f.stores.app.settings()).owners.mappings.map((m) => m.team)).toEqual(["Billing", "web"]);

    const [ev] = await audits("team.rename");
    expect(ev).toMatchObject({
      target: team.id,
      before: { name: "payments" },
      after: { name: "Billing", issuesMoved: 1, mappingsMoved: 1 },
      actor: { email: f.users.admin.email },
    });
    expect((await audits("issue.update")).map((e) => e.target)).toEqual([f.issues.team]);
    expect((await audits("settings.update")).map((e) => e.target)).toEqual(["owners"]);
  });

  it("refuses another team's name (409), a bad name (400), an unknown team (404)", async () => {
    await setup();
    await f.stores.app.accounts.teams.ensure("web");
    const team = await payments();
    let res = await call(admin, "PATCH", `/api/teams/${team.id}`, { name: "WEB" });
    expect(res.statusCode).toBe(409);
    expect(errorOf(res)).toMatchObject({ code: "conflict", field: "body.name" });
    res = await call(admin, "PATCH", `/api/teams/${team.id}`, { name: "no/slash" });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).field).toBe("body.name");
    res = await call(admin, "PATCH", `/api/teams/${team.id}`, { name: "x", members: [] });
    expect(res.statusCode).toBe(400);
    res = await call(admin, "PATCH", "/api/teams/no-such-team", { name: "x" });
    expect(res.statusCode).toBe(404);
    // Nothing moved.
    expect((await issue(admin, f.issues.team)).json<Issue>().assignee).toEqual({ team: "payments" });
    // A change of case is a rename.
    res = await call(admin, "PATCH", `/api/teams/${team.id}`, { name: "Payments" });
    expect(res.json<{ team: Team; issuesMoved: number }>()).toMatchObject({
      team: { name: "Payments" },
      issuesMoved: 1,
    });
  });

  it("answers 409 when ctem.config.json maps tags to the team, and changes nothing", async () => {
    await setup({ owners: { mappings: [{ tag: "team", value: "pay", team: "payments" }] } });
    const team = await payments();
    const res = await call(admin, "PATCH", `/api/teams/${team.id}`, { name: "Billing" });
    expect(res.statusCode).toBe(409);
    expect(errorOf(res).message).toContain("ctem.config.json");
    expect((await payments()).id).toBe(team.id);
    expect((await issue(admin, f.issues.team)).json<Issue>().assignee).toEqual({ team: "payments" });
  });
});

describe("delete", () => {
  it("releases the members and unassigns the team's issues (a user assignee stays); audited", async () => {
    await setup();
    const team = await payments();
    const dev2 = await signIn(f.app, f.users.dev2.email);
    // An issue assigned to a user and the team: the user stays.
    await call(admin, "PATCH", `/api/issues/${f.issues.mine}`, {
      assignee: { user: f.users.dev1.email, team: "payments" },
    });
    expect((await issue(dev2, f.issues.team)).statusCode).toBe(200);

    const res = await call(admin, "DELETE", `/api/teams/${team.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ team, membersRemoved: 1, issuesUnassigned: 2 });
    expect((await issue(admin, f.issues.team)).json<Issue>().assignee).toEqual({});
    expect((await issue(admin, f.issues.mine)).json<Issue>().assignee).toEqual({
      user: f.users.dev1.email,
    });
    expect((await f.stores.app.accounts.users.get(f.users.dev2.id))?.team).toBeNull();
    expect((await issue(dev2, f.issues.team)).statusCode).toBe(403);
    expect(await f.stores.app.accounts.teams.list()).toEqual([]);
    const [ev] = await audits("team.delete");
    expect(ev).toMatchObject({
      target: team.id,
      before: { name: "payments", members: [f.users.dev2.email] },
      after: { issuesUnassigned: 2 },
    });
    expect((await call(admin, "DELETE", `/api/teams/${team.id}`)).statusCode).toBe(404);
    // Assigning to the deleted team is refused from now on.
    const again = await call(admin, "PATCH", `/api/issues/${f.issues.team}`, {
      assignee: { team: "payments" },
    });
    expect(errorOf(again).field).toBe("body.assignee.team");
  });

  it("answers 409 while an owner mapping sends new issues to the team, naming it", async () => {
    await setup();
    await f.stores.app.saveSettings({
      owners: { mappings: [{ tag: "cost-center", value: "42", team: "PAYMENTS" }] },
    });
    const team = await payments();
    const res = await call(admin, "DELETE", `/api/teams/${team.id}`);
    expect(res.statusCode).toBe(409);
    expect(errorOf(res).message).toContain("cost-center=42");
    expect((await payments()).id).toBe(team.id);
    expect((await issue(admin, f.issues.team)).json<Issue>().assignee).toEqual({ team: "payments" });
    expect(await audits("team.delete")).toEqual([]);
  });
});

describe("members", () => {
  it("a developer added to a team sees its issue at once; removed, 403 at once; audited", async () => {
    await setup();
    const team = await payments();
    const dev1 = await signIn(f.app, f.users.dev1.email);
    expect((await issue(dev1, f.issues.team)).statusCode).toBe(403);
    expect(await listed(dev1)).toEqual([f.issues.mine]);

    let res = await call(admin, "PUT", `/api/teams/${team.id}/members/${f.users.dev1.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json<{ user: User }>().user).toMatchObject({ email: f.users.dev1.email, team: "payments" });
    expect((await issue(dev1, f.issues.team)).statusCode).toBe(200);
    expect((await listed(dev1)).sort()).toEqual([f.issues.mine, f.issues.team].sort());
    res = await call(admin, "GET", `/api/teams/${team.id}/members`);
    expect(res.json<{ items: User[] }>().items.map((u) => u.email)).toEqual([
      f.users.dev1.email,
      f.users.dev2.email,
    ]);

    res = await call(admin, "DELETE", `/api/teams/${team.id}/members/${f.users.dev1.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json<{ user: User }>().user.team).toBeNull();
    expect((await issue(dev1, f.issues.team)).statusCode).toBe(403);
    expect(await listed(dev1)).toEqual([f.issues.mine]);

    expect((await audits("team.member_add"))[0]).toMatchObject({
      target: team.id,
      before: { user: f.users.dev1.email, team: null },
      after: { user: f.users.dev1.email, team: "payments" },
    });
    expect((await audits("team.member_remove"))[0]).toMatchObject({
      target: team.id,
      after: { user: f.users.dev1.email, team: null },
    });
  });

  it("adding moves a user from their team; a non-member, unknown user or team is 404", async () => {
    await setup();
    const pay = await payments();
    const web = await f.stores.app.accounts.teams.ensure("web");
    let res = await call(admin, "PUT", `/api/teams/${web.id}/members/${f.users.dev2.id}`);
    expect(res.json<{ user: User }>().user.team).toBe("web");
    expect((await call(admin, "GET", `/api/teams/${pay.id}/members`)).json()).toEqual({ items: [] });
    // Again: no change, no second audit record.
    res = await call(admin, "PUT", `/api/teams/${web.id}/members/${f.users.dev2.id}`);
    expect(res.statusCode).toBe(200);
    expect(await audits("team.member_add")).toHaveLength(1);

    res = await call(admin, "DELETE", `/api/teams/${pay.id}/members/${f.users.dev2.id}`);
    expect(res.statusCode).toBe(404);
    expect(errorOf(res).message).toBe(`${f.users.dev2.email} is not in team payments`);
    for (const url of [
      `/api/teams/${pay.id}/members/no-such-user`,
      `/api/teams/no-such-team/members/${f.users.dev2.id}`,
    ]) {
      expect((await call(admin, "PUT", url)).statusCode).toBe(404);
      expect((await call(admin, "DELETE", url)).statusCode).toBe(404);
    }
    expect((await call(admin, "GET", "/api/teams/no-such-team/members")).statusCode).toBe(404);
  });
});
