// Who is signed in: one query shared by the shell, the pages and the login form.
import { useQuery } from "@tanstack/react-query";
import { ApiError, api, setCsrfToken } from "./api";
import type { Me } from "./api";

/** Shared with main.tsx, which starts it before the first render (it is on every page's critical path). */
export const meQuery = {
  queryKey: ["me"],
  queryFn: async (): Promise<Me | null> => {
    try {
      const me = await api<Me>("/api/auth/me");
      setCsrfToken(me.csrfToken);
      return me;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return null;
      throw e;
    }
  },
  staleTime: 60_000,
  retry: false,
};

export function useMe() {
  return useQuery(meQuery);
}
