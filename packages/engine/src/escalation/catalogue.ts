// The pathfinding.cloud privilege-escalation catalogue (DataDog, Apache-2.0; NOTICE in
// data/pathfinding/): the entries the engine implements, read from the copy in data/. A
// technique's name, description, required permissions and recommendation come from here, not
// from retyped text.
import { readFileSync } from "node:fs";
import { z } from "zod";

export const CatalogueEntry = z.looseObject({
  id: z.string(),
  name: z.string(),
  category: z.string(),
  services: z.array(z.string()),
  description: z.string(),
  recommendation: z.string().optional(),
  limitations: z.string().optional(),
  permissions: z.looseObject({
    required: z.array(z.looseObject({ permission: z.string(), resourceConstraints: z.string().optional() })),
    additional: z
      .array(z.looseObject({ permission: z.string(), resourceConstraints: z.string().optional() }))
      .optional(),
  }),
  references: z.array(z.unknown()).optional(),
});
export type CatalogueEntry = z.infer<typeof CatalogueEntry>;

let entries: Map<string, CatalogueEntry> | undefined;

/** The copied catalogue entries by id (`iam-001`…), read on first use. */
export function catalogue(): Map<string, CatalogueEntry> {
  if (!entries) {
    const raw = JSON.parse(
      readFileSync(new URL("../../data/pathfinding/paths.json", import.meta.url), "utf8"),
    ) as unknown;
    entries = new Map(
      z
        .array(CatalogueEntry)
        .parse(raw)
        .map((e) => [e.id, e]),
    );
  }
  return entries;
}

export function catalogueEntry(id: string): CatalogueEntry {
  const e = catalogue().get(id);
  if (!e) throw new Error(`pathfinding.cloud entry ${id} is not in data/pathfinding/paths.json`);
  return e;
}
