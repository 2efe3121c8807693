// Who is signed in: one query shared by the shell, the pages and the login form.
import { useQuery } from "@tanstack/react-query";
import { ApiError, api, setCsrfToken } from "./api";
import type { Me } from "./api";

export function useMe() {
  return useQuery({
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
  });
}
