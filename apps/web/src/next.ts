// Where to go after signing in: only a path on this site. An open redirect through ?next= would
// let a phishing link borrow ctem's login page.
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  if (next === "/login" || next.startsWith("/login?") || next.startsWith("/api/")) return "/";
  return next;
}
