// The API client: same-origin fetch with the session cookie; changes carry the CSRF token that
// login and /api/auth/me hand out. Errors keep the server's code, message and request id.
import type { Issue, IssueChange, IssueEvent, User } from "@ctem/model";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;
export function setCsrfToken(t: string | null): void {
  csrfToken = t;
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const method = init.method ?? "GET";
  const headers: Record<string, string> = { accept: "application/json" };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["x-csrf-token"] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
  } catch {
    throw new ApiError(0, "network", "the server could not be reached");
  }
  if (res.status === 204) return undefined as T;
  const body = (await res.json().catch(() => null)) as {
    error?: { code: string; message: string; requestId?: string };
  } | null;
  if (!res.ok) {
    const e = body?.error;
    throw new ApiError(
      res.status,
      e?.code ?? "http_" + res.status,
      e?.message ?? res.statusText,
      e?.requestId,
    );
  }
  return body as T;
}

export type ApiIssue = Omit<Issue, "statusBeforeResolution">;
export interface Page<T> {
  items: T[];
  next?: string;
}
export interface Me {
  user: Omit<User, never>;
  role: User["role"];
  via: "session" | "token";
  csrfToken: string | null;
}
export interface Health {
  ok: boolean;
  version: string;
  data: { analysis: { id: string; finishedAt: string | null } | null; demo: boolean; note: string };
}
export type { IssueChange, IssueEvent };

export const issuePath = (alias: string) => `/issues/${encodeURIComponent(alias)}`;

/** One issue; the router starts it while the issue page's chunk loads (main.tsx). */
export const issueQuery = (alias: string) => ({
  queryKey: ["issue", alias],
  queryFn: () => api<ApiIssue>(`/api/issues/${encodeURIComponent(alias)}`),
});
