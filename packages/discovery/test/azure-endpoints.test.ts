// Where an Azure scan signs in and what it asks tokens for: the known clouds, and a custom ARM
// endpoint's own metadata document (DESIGN "Command line"); bad endpoints are clear errors.
import { describe, expect, it } from "vitest";
import { ClientSecretCredential, DefaultAzureCredential } from "@azure/identity";
import { AZURE_CLOUDS, createAzureCredential, resolveAzureEndpoints } from "../src/index.js";

const answering = (status: number, body: unknown) => {
  const urls: string[] = [];
  const fetch = (url: string) => {
    urls.push(url);
    return Promise.resolve({ ok: status < 400, status, json: () => Promise.resolve(body) });
  };
  return { urls, fetch };
};

describe("Azure endpoints", () => {
  it("knows the public, US Government and China clouds without asking anyone", async () => {
    const f = answering(500, {});
    expect(await resolveAzureEndpoints({ fetch: f.fetch })).toEqual(AZURE_CLOUDS.public);
    expect((await resolveAzureEndpoints({ cloud: "usgov", fetch: f.fetch })).authorityHost).toBe(
      "https://login.microsoftonline.us",
    );
    expect((await resolveAzureEndpoints({ cloud: "china", fetch: f.fetch })).arm).toBe(
      "https://management.chinacloudapi.cn",
    );
    expect(f.urls).toEqual([]);
  });

  it("reads a custom endpoint's login, audience and Graph from <arm>/metadata/endpoints", async () => {
    const f = answering(200, {
      authentication: {
        loginEndpoint: "https://login.stack.example/",
        audiences: ["https://management.stack.example/abc"],
      },
      microsoftGraphResourceId: "https://graph.stack.example/",
    });
    expect(
      await resolveAzureEndpoints({ armEndpoint: "https://management.stack.example/", fetch: f.fetch }),
    ).toEqual({
      arm: "https://management.stack.example",
      audience: "https://management.stack.example/abc",
      authorityHost: "https://login.stack.example",
      graph: "https://graph.stack.example",
      custom: true,
    });
    expect(f.urls).toEqual(["https://management.stack.example/metadata/endpoints?api-version=2022-09-01"]);
    // Older stacks answer a list of clouds.
    const old = answering(200, [{ authentication: { loginEndpoint: "https://login.old.example" } }]);
    expect(
      (await resolveAzureEndpoints({ armEndpoint: "https://arm.old.example", fetch: old.fetch }))
        .authorityHost,
    ).toBe("https://login.old.example");
  });

  it("refuses http, non-URLs, an unreachable document and one without a login endpoint", async () => {
    const ok = answering(200, {});
    await expect(
      resolveAzureEndpoints({ armEndpoint: "http://127.0.0.1:1", fetch: ok.fetch }),
    ).rejects.toThrow("ARM tokens are only sent over https");
    await expect(resolveAzureEndpoints({ armEndpoint: "nope", fetch: ok.fetch })).rejects.toThrow(
      "is not a URL",
    );
    await expect(
      resolveAzureEndpoints({ armEndpoint: "https://a.example", fetch: answering(404, {}).fetch }),
    ).rejects.toThrow("could not read https://a.example/metadata/endpoints?api-version=2022-09-01: HTTP 404");
    await expect(
      resolveAzureEndpoints({ armEndpoint: "https://a.example", fetch: ok.fetch }),
    ).rejects.toThrow("names no authentication.loginEndpoint");
  });

  it("signs in with the client secret when one is given, else with DefaultAzureCredential", () => {
    expect(
      createAzureCredential({
        tenantId: "t.example.com",
        env: { AZURE_CLIENT_ID: "c", AZURE_CLIENT_SECRET: "s" },
      }),
    ).toBeInstanceOf(ClientSecretCredential);
    expect(
      createAzureCredential({ tenantId: "t.example.com", clientId: "c", clientSecret: "s", env: {} }),
    ).toBeInstanceOf(ClientSecretCredential);
    expect(createAzureCredential({ tenantId: "", env: {} })).toBeInstanceOf(DefaultAzureCredential);
    // The environment's secret is used only for the environment's own client id.
    expect(
      createAzureCredential({
        tenantId: "t.example.com",
        clientId: "mine",
        env: { AZURE_CLIENT_ID: "other", AZURE_CLIENT_SECRET: "s" },
      }),
    ).toBeInstanceOf(DefaultAzureCredential);
    expect(
      createAzureCredential({
        tenantId: "t.example.com",
        clientId: "mine",
        env: { AZURE_CLIENT_ID: "mine", AZURE_CLIENT_SECRET: "s" },
      }),
    ).toBeInstanceOf(ClientSecretCredential);
  });
});
