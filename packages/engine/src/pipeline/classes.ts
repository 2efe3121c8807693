// Path classes: an issue's `rule` names what kind of path it is (DESIGN "Issues"), from how the
// attacker gets in (the internet, a leaked key) and what the path ends on (data, admin).
import type { EstateNode } from "../graph.js";
import type { DerivedEdge } from "../edges.js";
import type { PathScore } from "../score/model.js";

export const PATH_CLASSES = {
  "exposed-data-store":
    "A crown-jewel data store the internet reaches directly (public bucket, public database).",
  "exposed-crown-jewel": "A crown-jewel asset that is itself exposed to the internet.",
  "exposed-compute-to-sensitive-data": "An internet-exposed workload leads to crown-jewel data.",
  "exposed-compute-to-admin": "An internet-exposed workload leads to an admin-equivalent identity.",
  "exposed-compute-to-crown-jewel": "An internet-exposed workload leads to another crown-jewel asset.",
  "key-to-sensitive-data": "An active access key leads to crown-jewel data.",
  "key-to-admin": "An active access key leads to admin (directly, by assuming a role, or by escalation).",
  "key-to-crown-jewel": "An active access key leads to another crown-jewel asset.",
} as const;
export type PathClass = keyof typeof PATH_CLASSES;

const isData = (n: EstateNode | undefined) => n?.kind === "data_store" || n?.kind === "secret";

export function pathClass(
  via: "internet" | "access_key",
  entry: EstateNode | undefined,
  target: EstateNode | undefined,
  entryIsTarget: boolean,
  targetIsAdmin: boolean,
): PathClass {
  const end = targetIsAdmin ? "admin" : isData(target) ? "sensitive-data" : "crown-jewel";
  if (via === "access_key") return `key-to-${end}`;
  if (entryIsTarget) return isData(entry) ? "exposed-data-store" : "exposed-crown-jewel";
  return `exposed-compute-to-${end}`;
}

const levelVerb = (level: unknown): string =>
  level === "admin" ? "take over" : level === "write" ? "write to" : level === "read" ? "read" : "reach";

export function titleOf(
  cls: PathClass,
  entry: EstateNode | undefined,
  target: EstateNode | undefined,
  exposes: DerivedEdge | undefined,
  best: PathScore,
  selfAdmin: boolean,
): string {
  const en = entry?.name ?? "?";
  const tn = target?.name ?? "?";
  const via = Array.isArray(exposes?.props.via) && exposes.props.via.length ? " through a load balancer" : "";
  const level = best.factors.find((f) => f.name === "access_level")?.value;
  switch (cls) {
    case "exposed-data-store":
      return `${tn} can be read by anyone on the internet${typeof exposes?.props.level === "string" ? ` (${exposes.props.level})` : ""}`;
    case "exposed-crown-jewel":
      return `Crown jewel ${tn} is exposed to the internet`;
    case "exposed-compute-to-sensitive-data":
      return `Internet-exposed ${en}${via} can ${levelVerb(level)} ${tn}`;
    case "exposed-compute-to-admin":
      return selfAdmin
        ? `Internet-exposed ${en}${via} leads to ${tn}, which can make itself admin`
        : `Internet-exposed ${en}${via} leads to admin-equivalent ${tn}`;
    case "exposed-compute-to-crown-jewel":
      return `Internet-exposed ${en}${via} reaches crown jewel ${tn}`;
    case "key-to-sensitive-data":
      return `The access key of ${en} can ${levelVerb(level)} ${tn}`;
    case "key-to-admin":
      if (!selfAdmin && entry && entry.id === target?.id)
        return `${en} is admin-equivalent and has an active access key`;
      return selfAdmin && en === tn
        ? `The access key of ${en} can make ${en} admin`
        : selfAdmin
          ? `The access key of ${en} leads to ${tn}, which can make itself admin`
          : `The access key of ${en} leads to admin-equivalent ${tn}`;
    case "key-to-crown-jewel":
      return `The access key of ${en} reaches crown jewel ${tn}`;
  }
}
