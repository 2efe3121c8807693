// The guided AWS setup over the API: the policy and template an admin copies are the committed
// infra/aws/ files, with the scope's external id and role name filled in as the template's defaults.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeFixture, signIn } from "./http-fixture.js";
import type { As, Fixture } from "./http-fixture.js";

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const committed = (name: string) =>
  JSON.parse(readFileSync(path.join(ROOT, "infra", "aws", name), "utf8")) as Record<string, unknown>;

interface Setup {
  scope: { id: string; name: string; provider: string };
  accountId: string;
  roleName: string;
  externalId: string;
  policy: { Statement: Array<{ Action: string[] }> };
  template: {
    Parameters: Record<string, { Default?: string }>;
    Resources: { ScannerRole: { Properties: { Policies: Array<{ PolicyDocument: unknown }> } } };
  };
  deployCommand: string;
}

let f: Fixture;
let admin: As;

beforeAll(async () => {
  f = await makeFixture();
  admin = await signIn(f.app, f.users.admin.email);
});
afterAll(() => f.close());

describe("GET /api/scopes/:id/setup", () => {
  it("answers the committed policy and the template with this scope's external id and role name", async () => {
    const res = await f.app.inject({ url: "/api/scopes/prod/setup", headers: admin.headers });
    expect(res.statusCode).toBe(200);
    const s = res.json<Setup>();
    expect(s.scope).toEqual({ id: "scope-prod", name: "prod", provider: "aws" });
    expect(s.accountId).toBe("111122223333");
    expect(s.externalId).toBe("ctem-0123456789abcdef");
    expect(s.roleName).toBe("ctem-scanner");
    expect(s.policy).toEqual(committed("scanner-policy.json"));
    expect(s.policy.Statement.flatMap((x) => x.Action)).toContain("ec2:DescribeRegions");
    expect(s.template.Parameters.ExternalId!.Default).toBe("ctem-0123456789abcdef");
    expect(s.template.Parameters.RoleName!.Default).toBe("ctem-scanner");
    expect(s.template.Resources.ScannerRole.Properties.Policies[0]!.PolicyDocument).toEqual(s.policy);
    // Without the filled-in defaults, the template is the committed one.
    const role = committed("scanner-role.json") as { Parameters: Record<string, Record<string, unknown>> };
    const { Default: _e, ...externalId } = s.template.Parameters.ExternalId!;
    expect(externalId).toEqual(role.Parameters.ExternalId);
    expect({
      ...s.template,
      Parameters: { ...s.template.Parameters, ExternalId: externalId, RoleName: role.Parameters.RoleName },
    }).toEqual(role);
    expect(s.deployCommand).toContain("ExternalId=ctem-0123456789abcdef");
    expect(s.deployCommand).toContain("CAPABILITY_NAMED_IAM");
  });

  it("takes the scope id as well as its name; an unknown scope is 404", async () => {
    const byId = await f.app.inject({ url: "/api/scopes/scope-prod/setup", headers: admin.headers });
    expect(byId.json<Setup>().externalId).toBe("ctem-0123456789abcdef");
    const none = await f.app.inject({ url: "/api/scopes/nope/setup", headers: admin.headers });
    expect(none.statusCode).toBe(404);
    expect(none.json<{ error: { message: string } }>().error.message).toContain("nope");
  });

  it("a scope of another provider is 409, naming it", async () => {
    await f.stores.app.scopes.save({
      id: "scope-gcp",
      name: "gcp-proj",
      provider: "gcp",
      config: { parent: "projects/p1" },
      include: [],
      exclude: [],
      createdAt: "2026-01-01T00:00:00.000Z",
    });
    const res = await f.app.inject({ url: "/api/scopes/gcp-proj/setup", headers: admin.headers });
    expect(res.statusCode).toBe(409);
    expect(res.json<{ error: { message: string } }>().error.message).toContain("gcp");
  });

  it("an analyst may not read it", async () => {
    const analyst = await signIn(f.app, f.users.analyst.email);
    const res = await f.app.inject({ url: "/api/scopes/prod/setup", headers: analyst.headers });
    expect(res.statusCode).toBe(403);
  });
});
