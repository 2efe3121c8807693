// Start-up errors name the URI and never the password (no server needed: nothing listens there).
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { CtemError } from "@ctem/model";
import { createNeo4jGraphStore } from "../src/index.js";

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe("createNeo4jGraphStore start-up errors", () => {
  it("an unreachable Neo4j fails with 'unavailable', naming the URI but not the password", async () => {
    const port = await closedPort();
    const password = "s3cret-Pa55word";
    const err = await createNeo4jGraphStore({
      uri: `bolt://127.0.0.1:${port}`,
      user: "neo4j",
      password,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CtemError);
    expect((err as CtemError).code).toBe("unavailable");
    expect((err as CtemError).message).toContain(`cannot reach Neo4j at bolt://127.0.0.1:${port}`);
    expect((err as CtemError).message).not.toContain(password);
  });

  it("a malformed URI is refused without echoing credentials", async () => {
    const err = await createNeo4jGraphStore({
      uri: "http://u:s3cret@x",
      user: "neo4j",
      password: "s3cret",
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as CtemError).code).toBe("unavailable");
    expect((err as CtemError).message).not.toContain("s3cret");
  });
});
