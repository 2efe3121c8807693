// docker-compose.yml and the Dockerfile cannot run here (no Docker engine), so their wiring is
// checked by reading them: Neo4j 5 Community with auth from the environment, a volume, Bolt bound
// to localhost; ctem pointed at that Bolt port with the same credentials, after Neo4j is healthy;
// the image multi-stage and running as a non-root user.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = path.resolve(import.meta.dirname, "../../..");
const read = (f: string) => readFileSync(path.join(root, f), "utf8");

interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string };
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  command?: string[];
  healthcheck?: { test: string[] };
}
const compose = parse(read("docker-compose.yml")) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const neo = compose.services.neo4j!;
const ctem = compose.services.ctem!;

/** The default value compose substitutes for `${VAR:-default}`. */
const withDefaults = (s: string) => s.replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, "$1");

describe("docker-compose.yml", () => {
  it("runs Neo4j 5 Community with auth from the environment and its data on a volume", () => {
    expect(neo.image).toMatch(/^neo4j:5\.\d+(\.\d+)?-community$/);
    expect(neo.environment?.NEO4J_AUTH).toMatch(/^neo4j\/\$\{NEO4J_PASSWORD:\?[^}]+\}$/);
    const dataVolume = neo.volumes?.find((v) => v.endsWith(":/data"));
    expect(dataVolume).toBeDefined();
    expect(Object.keys(compose.volumes)).toContain(dataVolume!.split(":")[0]);
    expect(neo.healthcheck?.test.join(" ")).toMatch(/cypher-shell/);
    // The password is never written into the file.
    expect(read("docker-compose.yml")).not.toMatch(/NEO4J_AUTH:\s*"?neo4j\/[^$]/);
  });

  it("binds Bolt and the browser to localhost by default", () => {
    const published = (neo.ports ?? []).map(withDefaults);
    expect(published).toContain("127.0.0.1:7687:7687");
    for (const p of published) expect(p.startsWith("127.0.0.1:")).toBe(true);
    for (const p of (ctem.ports ?? []).map(withDefaults)) expect(p.startsWith("127.0.0.1:")).toBe(true);
  });

  it("points ctem at the Neo4j service's Bolt port with the same credentials, once Neo4j is healthy", () => {
    const uri = new URL(ctem.environment!.NEO4J_URI!);
    expect(uri.protocol).toBe("bolt:");
    expect(uri.hostname).toBe("neo4j");
    expect(Object.keys(compose.services)).toContain(uri.hostname);
    const boltContainerPort = (neo.ports ?? []).map((p) => p.split(":").pop()).find((p) => p === uri.port);
    expect(boltContainerPort).toBe("7687");
    expect(ctem.environment?.NEO4J_USER).toBe("neo4j");
    expect(ctem.environment?.NEO4J_PASSWORD).toMatch(/^\$\{NEO4J_PASSWORD[:?}]/);
    expect(ctem.depends_on?.neo4j?.condition).toBe("service_healthy");
    expect(ctem.volumes?.some((v) => v.endsWith(":/data"))).toBe(true);
    expect(ctem.environment?.CTEM_DATA).toBe("/data");
    expect(ctem.command?.[0]).toBe("serve");
  });

  it("uses the environment variables the server's config loader reads", () => {
    const config = read("apps/server/src/config.ts");
    for (const name of Object.keys(ctem.environment ?? {}).filter((n) => n.startsWith("NEO4J_")))
      expect(config).toContain(`env.${name}`);
  });
});

describe("Dockerfile", () => {
  const dockerfile = read(ctem.build?.dockerfile ?? "Dockerfile");
  const stages = dockerfile.split("\n").filter((l) => /^FROM\s/.test(l));
  const last = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));

  it("is multi-stage on Node 20 and runs ctem as a non-root user", () => {
    expect(ctem.build?.context).toBe(".");
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/ARG NODE_IMAGE=node:20\.\d+/);
    const user = /^USER\s+(\S+)/m.exec(last)?.[1];
    expect(user).toBeDefined();
    expect(user!.split(":")[0]).not.toMatch(/^(root|0)$/);
    expect(last).toMatch(/COPY --from=deps/);
    expect(last).toMatch(/ENTRYPOINT \[.*apps\/server\/src\/bin\/ctem\.ts"\]/);
    expect(last).toMatch(/CMD \["serve"/);
  });

  it("keeps local state and secrets out of the build context", () => {
    const ignore = read(".dockerignore").split("\n");
    for (const p of ["**/node_modules", ".git", "data", ".env", "*.db"]) expect(ignore).toContain(p);
  });
});
