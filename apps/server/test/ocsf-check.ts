// A small checker of events against OCSF's own class definitions (fixtures/ocsf, OCSF 1.8.0): not a
// JSON Schema, so it compiles what a finding export needs — `extends` chains of classes and objects,
// required attributes, enums of the class, the `just_one` / `at_least_one` constraints, the
// dictionary's types (object, array, integer, string) — and reports unknown attributes.
import { readFileSync } from "node:fs";

const root = new URL("../fixtures/ocsf/", import.meta.url);
const read = (p: string) => JSON.parse(readFileSync(new URL(p, root), "utf8")) as Def;

interface Attr {
  requirement?: string;
  enum?: Record<string, unknown>;
  type?: string;
  is_array?: boolean;
}
interface Def {
  extends?: string;
  uid?: number;
  attributes: Record<string, Attr | string>;
  constraints?: { just_one?: string[]; at_least_one?: string[] };
}

const DERIVED = new Set(["class_uid", "category_uid", "type_uid"]);

const dictionary = read("dictionary.json") as unknown as { attributes: Record<string, Attr> };

function merged(load: (name: string) => Def, name: string): Def {
  const d = load(name);
  const base = d.extends && d.extends !== "object" ? merged(load, d.extends) : { attributes: {} };
  const attributes: Record<string, Attr> = {};
  for (const [k, v] of Object.entries({ ...base.attributes, ...d.attributes }))
    if (!k.startsWith("$") && typeof v === "object") {
      const prev = base.attributes[k];
      attributes[k] = { ...(typeof prev === "object" ? prev : {}), ...v };
    }
  return { ...d, attributes, constraints: { ...base.constraints, ...d.constraints } };
}

const classDef = (name: string) =>
  merged((n) => read(n === "base_event" ? "events/base_event.json" : `events/findings/${n}.json`), name);
const objectDef = (name: string) => merged((n) => read(`objects/${n}.json`), name);

function check(value: Record<string, unknown>, def: Def, where: string, errors: string[]): void {
  for (const [k, a] of Object.entries(def.attributes))
    if (typeof a === "object" && a.requirement === "required" && value[k] === undefined)
      errors.push(`${where}.${k}: required`);
  for (const c of def.constraints?.just_one ? [def.constraints.just_one] : [])
    if (c.filter((k) => value[k] !== undefined).length !== 1)
      errors.push(`${where}: just one of ${c.join(", ")}`);
  for (const c of def.constraints?.at_least_one ? [def.constraints.at_least_one] : [])
    if (!c.some((k) => value[k] !== undefined)) errors.push(`${where}: at least one of ${c.join(", ")}`);
  for (const [k, v] of Object.entries(value)) {
    const a = def.attributes[k];
    const d = dictionary.attributes[k];
    if (typeof a !== "object" || !d) {
      errors.push(`${where}.${k}: not an attribute of this class or object`);
      continue;
    }
    // The uids the OCSF compiler derives (class, category, type) are checked by checkOcsfFinding.
    const en = a.enum ?? d.enum;
    if (en && !DERIVED.has(k) && !(String(v) in en))
      errors.push(`${where}.${k}: ${String(v)} is not in the enum`);
    const type = d.type ?? "";
    const items = d.is_array
      ? Array.isArray(v)
        ? v
        : (errors.push(`${where}.${k}: not an array`), [])
      : [v];
    for (const [i, item] of items.entries()) {
      const at = d.is_array ? `${where}.${k}[${i}]` : `${where}.${k}`;
      if (type === "object" || type === "object_t" || type === "json_t") continue; // free-form
      if (!type.endsWith("_t")) {
        if (typeof item !== "object" || item === null) errors.push(`${at}: not an object`);
        else check(item as Record<string, unknown>, objectDef(type), at, errors);
      } else if (/^(integer|long|timestamp)_t$/.test(type) && !Number.isInteger(item))
        errors.push(`${at}: not an integer`);
      else if (/^(string|datetime|uuid|url|file_name)_t$/.test(type) && typeof item !== "string")
        errors.push(`${at}: not a string`);
    }
  }
}

/** Problems of one event against its class (by class_uid); [] when it conforms. */
export function checkOcsfFinding(event: Record<string, unknown>): string[] {
  const name = { 2002: "vulnerability_finding", 2004: "detection_finding" }[event.class_uid as number];
  if (!name) return [`class_uid ${String(event.class_uid)}: not a finding class this checker knows`];
  const def = classDef(name);
  const errors: string[] = [];
  // Findings are category 2; a class's uid is category * 1000 + its uid in the category.
  if (event.category_uid !== 2) errors.push("category_uid: findings are 2");
  if (event.class_uid !== 2000 + def.uid!)
    errors.push(`class_uid: ${String(event.class_uid)} is not ${name}`);
  if (event.type_uid !== (event.class_uid as number) * 100 + (event.activity_id as number))
    errors.push("type_uid: not class_uid * 100 + activity_id");
  check(event, def, name, errors);
  return errors;
}
