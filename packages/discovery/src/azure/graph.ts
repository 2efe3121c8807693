// A small Microsoft Graph reader (no Graph SDK): the core-rest-pipeline with bearer-token
// authentication for `<graph>/.default`, paging through `@odata.nextLink`. A non-2xx answer is an
// error carrying Graph's error code (Authorization_RequestDenied, …), never a short list.
import type { TokenCredential } from "@azure/core-auth";
import {
  RestError,
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createPipelineFromOptions,
  createPipelineRequest,
} from "@azure/core-rest-pipeline";
import type { HttpClient } from "@azure/core-rest-pipeline";

export interface GraphReader {
  /** Every item of a Graph collection (`/v1.0/…?$select=…`), all pages. */
  list<T>(path: string): Promise<T[]>;
}

export function createGraphReader(o: {
  endpoint: string;
  credential: TokenCredential;
  httpClient?: HttpClient;
  maxRetries?: number;
}): GraphReader {
  const base = o.endpoint.replace(/\/+$/, "");
  const pipeline = createPipelineFromOptions({ retryOptions: { maxRetries: o.maxRetries ?? 3 } });
  pipeline.addPolicy(
    bearerTokenAuthenticationPolicy({ credential: o.credential, scopes: `${base}/.default` }),
  );
  const client = o.httpClient ?? createDefaultHttpClient();
  return {
    async list<T>(path: string): Promise<T[]> {
      const out: T[] = [];
      let url: string | undefined = `${base}${path}`;
      while (url) {
        const res = await pipeline.sendRequest(client, createPipelineRequest({ url, method: "GET" }));
        let body: { value?: T[]; "@odata.nextLink"?: string; error?: { code?: string; message?: string } } =
          {};
        try {
          body = JSON.parse(res.bodyAsText ?? "{}") as typeof body;
        } catch {
          throw new RestError(`Microsoft Graph answered ${res.status} with a body that is not JSON`, {
            code: `http_${res.status}`,
            statusCode: res.status,
          });
        }
        if (res.status >= 400)
          throw new RestError(body.error?.message ?? `HTTP ${res.status}`, {
            code: body.error?.code ?? `http_${res.status}`,
            statusCode: res.status,
          });
        out.push(...(body.value ?? []));
        url = body["@odata.nextLink"];
      }
      return out;
    },
  };
}
