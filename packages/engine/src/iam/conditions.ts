// Conditions the attacker decides. A condition on these keys alone does not stand between an
// attacker and an Allow (they send the request that satisfies it) and does not stop them at a
// Deny (they send one that does not match): no assumption is needed. Every other key (MFA,
// source IP or VPC, organisation, external id, tags, time…) stays an assumption on the edge.
const ATTACKER_KEYS = new Set([
  // TLS or not is the caller's choice.
  "aws:securetransport",
  // The region a request is sent to.
  "aws:requestedregion",
  // Headers the caller writes (AWS: "do not use aws:Referer to prevent unauthorized parties").
  "aws:referer",
  "aws:useragent",
]);

/** Whether every key of the condition block is one the caller controls. */
export function attackerControlled(condition: Record<string, unknown> | undefined): boolean {
  if (!condition) return true;
  const ops = Object.values(condition);
  if (!ops.length) return true;
  return ops.every(
    (block) =>
      block !== null &&
      typeof block === "object" &&
      Object.keys(block).length > 0 &&
      Object.keys(block).every((k) => ATTACKER_KEYS.has(k.toLowerCase())),
  );
}
