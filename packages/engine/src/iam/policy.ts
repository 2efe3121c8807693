// Policy documents as the evaluator needs them: statements with normalised lists, principals
// split by type, the condition block kept verbatim (the evaluator turns it into an assumption),
// and a ref that names the statement in evidence (`<policy id>#Statement[2]`).
export interface Principals {
  /** `*` or `{"AWS": "*"}`. */
  any: boolean;
  /** ARNs; bare account ids are written as `arn:aws:iam::<id>:root`. */
  aws: string[];
  service: string[];
  federated: string[];
}

export interface Statement {
  ref: string;
  policy: string;
  sid?: string;
  effect: "Allow" | "Deny";
  action?: string[];
  notAction?: string[];
  resource?: string[];
  notResource?: string[];
  principal?: Principals;
  notPrincipal?: Principals;
  condition?: Record<string, unknown>;
  /** Stands for a policy that could not be read: it may allow anything (an assumption, never safe). */
  unknown?: true;
}

/** The stand-in for an unread policy: Allow everything, resting on the assumption `policy_unknown`. */
export function unknownPolicy(policyId: string): Statement[] {
  return [
    {
      ref: `${policyId}#unread`,
      policy: policyId,
      effect: "Allow",
      action: ["*"],
      resource: ["*"],
      unknown: true,
    },
  ];
}

const list = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : typeof v === "string" ? [v] : [];

function principals(v: unknown, partition: string): Principals | undefined {
  if (v === undefined || v === null) return undefined;
  if (v === "*") return { any: true, aws: [], service: [], federated: [] };
  if (typeof v !== "object")
    return { any: false, aws: typeof v === "string" ? [v] : [], service: [], federated: [] };
  const o = v as Record<string, unknown>;
  const aws = list(o.AWS).map((a) => (/^\d{12}$/.test(a) ? `arn:${partition}:iam::${a}:root` : a));
  return {
    any: aws.includes("*"),
    aws: aws.filter((a) => a !== "*"),
    service: list(o.Service),
    federated: list(o.Federated),
  };
}

/** The statements of a policy document; a document that is not an object yields none. */
export function parsePolicy(doc: unknown, policyId: string, partition = "aws"): Statement[] {
  let d = doc;
  if (typeof d === "string") {
    try {
      d = JSON.parse(d);
    } catch {
      return [];
    }
  }
  if (!d || typeof d !== "object") return [];
  const raw = (d as { Statement?: unknown }).Statement;
  const sts = Array.isArray(raw) ? raw : raw ? [raw] : [];
  const out: Statement[] = [];
  sts.forEach((s, i) => {
    if (!s || typeof s !== "object") return;
    const o = s as Record<string, unknown>;
    const effect = o.Effect === "Deny" ? "Deny" : o.Effect === "Allow" ? "Allow" : undefined;
    if (!effect) return;
    const st: Statement = { ref: `${policyId}#Statement[${i}]`, policy: policyId, effect };
    if (typeof o.Sid === "string" && o.Sid) st.sid = o.Sid;
    if (o.Action !== undefined) st.action = list(o.Action);
    if (o.NotAction !== undefined) st.notAction = list(o.NotAction);
    if (o.Resource !== undefined) st.resource = list(o.Resource);
    if (o.NotResource !== undefined) st.notResource = list(o.NotResource);
    const p = principals(o.Principal, partition);
    if (p) st.principal = p;
    const np = principals(o.NotPrincipal, partition);
    if (np) st.notPrincipal = np;
    if (o.Condition && typeof o.Condition === "object" && Object.keys(o.Condition).length)
      st.condition = o.Condition as Record<string, unknown>;
    out.push(st);
  });
  return out;
}
