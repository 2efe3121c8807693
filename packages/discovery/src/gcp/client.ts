// The Cloud Asset client: @google-cloud/asset's AssetServiceClient in REST mode (`fallback: true`,
// HTTP/1.1 + JSON, so custom endpoints and the test replay server work without gRPC), with
// Application Default Credentials, a key file, key JSON or a ready auth client. listAssets pages
// until the API says there is no next page; any failure throws, never an empty list.
import { v1 } from "@google-cloud/asset";
import type { AuthClient } from "google-auth-library";
import { normalizeAsset } from "./assets.js";
import type { CaiAsset } from "./assets.js";

export interface GcpClientOptions {
  /** A service account key file; default: Application Default Credentials. */
  keyFile?: string;
  /** Service account key JSON (client_email, private_key, …). */
  credentials?: { client_email?: string; private_key?: string; [k: string]: unknown };
  /** A ready auth client (tests pass one holding a fixed token). */
  authClient?: AuthClient;
  /** Host (or URL) of the API; default cloudasset.googleapis.com. */
  apiEndpoint?: string;
  port?: number;
  protocol?: "http" | "https";
  /** Assets per page (the API's maximum is 1000). */
  pageSize?: number;
}

export interface GcpAssetClient {
  listAssets(
    parent: string,
    contentType: "RESOURCE" | "IAM_POLICY",
    assetTypes: readonly string[],
  ): Promise<CaiAsset[]>;
  close(): Promise<void>;
}

/** `http://127.0.0.1:8080` → host, port and protocol; a bare host stays as given. */
function endpointParts(o: GcpClientOptions) {
  if (!o.apiEndpoint || !/^https?:\/\//.test(o.apiEndpoint))
    return { apiEndpoint: o.apiEndpoint, port: o.port, protocol: o.protocol };
  const u = new URL(o.apiEndpoint);
  const protocol = u.protocol === "http:" ? "http" : "https";
  return {
    apiEndpoint: u.hostname,
    port: o.port ?? (u.port ? Number(u.port) : protocol === "http" ? 80 : 443),
    protocol: o.protocol ?? protocol,
  } as const;
}

export function createGcpAssetClient(o: GcpClientOptions = {}): GcpAssetClient {
  const ep = endpointParts(o);
  const client = new v1.AssetServiceClient({
    fallback: true,
    ...(ep.apiEndpoint ? { apiEndpoint: ep.apiEndpoint } : {}),
    ...(ep.port ? { port: ep.port } : {}),
    ...(ep.protocol ? { protocol: ep.protocol } : {}),
    ...(o.authClient ? { authClient: o.authClient } : {}),
    ...(o.keyFile ? { keyFilename: o.keyFile } : {}),
    ...(o.credentials ? { credentials: o.credentials } : {}),
  });
  return {
    async listAssets(parent, contentType, assetTypes) {
      const out: CaiAsset[] = [];
      const it = client.listAssetsAsync(
        {
          parent,
          contentType,
          ...(assetTypes.length ? { assetTypes: [...assetTypes] } : {}),
          pageSize: o.pageSize ?? 1000,
        },
        { autoPaginate: false },
      );
      for await (const a of it) out.push(normalizeAsset(a));
      return out;
    },
    close: () => client.close(),
  };
}
