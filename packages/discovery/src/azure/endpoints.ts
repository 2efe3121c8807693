// Where ARM and login are for each cloud (DESIGN "Command line"): the public, US Government and
// China clouds are known; with --arm-endpoint (Azure Stack, sovereign or test endpoints) the login
// endpoint and the token audience come from ARM's own metadata document, as Azure's tools do for
// custom clouds.
import { CtemError, ValidationError } from "@ctem/model";

export type AzureCloud = "public" | "usgov" | "china";

export interface AzureEndpoints {
  arm: string;
  /** The ARM token audience (scope `<audience>/.default`). */
  audience: string;
  /** Microsoft Entra login (the credential's authority host). */
  authorityHost: string;
  /** Microsoft Graph, when the metadata names it. */
  graph?: string;
  /** A custom endpoint: the authority is not one Entra's instance discovery knows. */
  custom: boolean;
}

export const AZURE_CLOUDS: Record<AzureCloud, AzureEndpoints> = {
  public: {
    arm: "https://management.azure.com",
    audience: "https://management.azure.com",
    authorityHost: "https://login.microsoftonline.com",
    graph: "https://graph.microsoft.com",
    custom: false,
  },
  usgov: {
    arm: "https://management.usgovcloudapi.net",
    audience: "https://management.usgovcloudapi.net",
    authorityHost: "https://login.microsoftonline.us",
    graph: "https://graph.microsoft.us",
    custom: false,
  },
  china: {
    arm: "https://management.chinacloudapi.cn",
    audience: "https://management.chinacloudapi.cn",
    authorityHost: "https://login.chinacloudapi.cn",
    graph: "https://microsoftgraph.chinacloudapi.cn",
    custom: false,
  },
};

type Fetch = (
  url: string,
  init?: { signal?: AbortSignal },
) => Promise<{
  ok: boolean;
  status: number;
  json(): Promise<unknown>;
}>;

const trim = (u: string) => u.replace(/\/+$/, "");

/** The endpoints of a cloud, or of a custom ARM endpoint read from `<arm>/metadata/endpoints`. */
export async function resolveAzureEndpoints(o: {
  cloud?: AzureCloud;
  armEndpoint?: string;
  fetch?: Fetch;
}): Promise<AzureEndpoints> {
  if (!o.armEndpoint) return AZURE_CLOUDS[o.cloud ?? "public"];
  let arm: URL;
  try {
    arm = new URL(o.armEndpoint);
  } catch {
    throw new ValidationError(`--arm-endpoint: '${o.armEndpoint}' is not a URL`);
  }
  if (arm.protocol !== "https:")
    throw new ValidationError("--arm-endpoint: ARM tokens are only sent over https");
  const base = trim(arm.toString());
  const url = `${base}/metadata/endpoints?api-version=2022-09-01`;
  const doFetch = o.fetch ?? globalThis.fetch;
  let body: unknown;
  try {
    const r = await doFetch(url, { signal: AbortSignal.timeout(15_000) });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    body = await r.json();
  } catch (e) {
    throw new CtemError("unavailable", `could not read ${url}: ${(e as Error).message}`);
  }
  // 2022-09-01 answers one object; older stacks answer a list of clouds.
  const doc = (Array.isArray(body) ? body[0] : body) as
    | {
        authentication?: { loginEndpoint?: string; audiences?: string[] };
        microsoftGraphResourceId?: string;
        graph?: string;
      }
    | undefined;
  const login = doc?.authentication?.loginEndpoint;
  if (!login) throw new CtemError("unavailable", `${url} names no authentication.loginEndpoint`);
  const audience = doc?.authentication?.audiences?.[0] ?? base;
  const graph = doc?.microsoftGraphResourceId ?? doc?.graph;
  return {
    arm: base,
    audience: trim(audience),
    authorityHost: trim(login),
    ...(graph ? { graph: trim(graph) } : {}),
    custom: true,
  };
}
