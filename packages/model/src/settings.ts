// Settings (crown-jewel rules, pins, SLA days, owner mappings) and scopes. The AppStore's
// settings table is the source of truth; ctem.config.json in the data directory is a read-only
// overlay that wins key by key (DESIGN "Settings").
import { z } from "zod";
import { IsoTime, NodeKind } from "./graph.js";

export const Tier = z.number().int().min(1).max(4);
export type Tier = z.infer<typeof Tier>;

export const CrownJewelRule = z.object({
  id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "rule ids are kebab-case"),
  description: z.string().max(1024),
  tier: Tier,
  /** Every present criterion must hold. */
  match: z.object({
    kinds: z.array(NodeKind).optional(),
    types: z.array(z.string()).optional(),
    /** Any of these tag keys (case-insensitive) with any of the values (case-insensitive; absent = any). */
    tags: z.object({ keys: z.array(z.string()).min(1), values: z.array(z.string()).optional() }).optional(),
    /** Identities the engine evaluates as admin-equivalent. */
    adminEquivalent: z.boolean().optional(),
  }),
});
export type CrownJewelRule = z.infer<typeof CrownJewelRule>;

export const SlaDays = z.object({
  critical: z.number().int().positive(),
  high: z.number().int().positive(),
  medium: z.number().int().positive(),
  low: z.number().int().positive(),
});

export const OwnerMapping = z.object({
  tag: z.string().min(1).max(512),
  value: z.string().max(4096),
  team: z.string().min(1).max(256),
});

export const Settings = z.object({
  crownJewels: z.object({
    rules: z.array(CrownJewelRule),
    /** Nodes pinned as crown jewels whatever the rules say. */
    pins: z.array(z.object({ nodeId: z.string().min(1), tier: Tier })),
    /** Nodes the rules would match but an admin said are not crown jewels. */
    excluded: z.array(z.string().min(1)),
  }),
  slaDays: SlaDays,
  owners: z.object({ mappings: z.array(OwnerMapping) }),
});
export type Settings = z.infer<typeof Settings>;

/** Top-level keys of Settings: the unit of the overlay rule. */
export const SETTINGS_KEYS = ["crownJewels", "slaDays", "owners"] as const;
export type SettingsKey = (typeof SETTINGS_KEYS)[number];

export const SettingsPatch = Settings.partial();
export type SettingsPatch = z.infer<typeof SettingsPatch>;

const classificationValues = ["confidential", "restricted", "secret", "pii", "sensitive"];

export const DEFAULT_CROWN_JEWEL_RULES: CrownJewelRule[] = [
  {
    id: "tag-data-classification",
    description:
      "Tagged data-classification, classification or sensitivity = confidential/restricted/secret/pii/sensitive",
    tier: 1,
    match: {
      tags: { keys: ["data-classification", "classification", "sensitivity"], values: classificationValues },
    },
  },
  {
    id: "tag-crown-jewel",
    description: "Tagged crown-jewel=true",
    tier: 1,
    match: { tags: { keys: ["crown-jewel"], values: ["true"] } },
  },
  {
    id: "managed-database",
    description: "Managed databases",
    tier: 2,
    match: {
      kinds: ["data_store"],
      types: [
        "aws.rds.db_instance",
        "aws.rds.db_cluster",
        "aws.dynamodb.table",
        "azure.sql.database",
        "azure.cosmosdb.account",
        "gcp.sql.instance",
        "gcp.bigquery.dataset",
      ],
    },
  },
  {
    id: "admin-equivalent-identity",
    description: "Identities whose evaluated permissions are admin-equivalent",
    tier: 1,
    match: { kinds: ["identity"], adminEquivalent: true },
  },
];

export const DEFAULT_SETTINGS: Settings = {
  crownJewels: { rules: DEFAULT_CROWN_JEWEL_RULES, pins: [], excluded: [] },
  slaDays: { critical: 7, high: 30, medium: 90, low: 180 },
  owners: { mappings: [] },
};

export const ScopeProvider = z.enum(["aws", "azure", "gcp"]);

/** A configured cloud scope. Provider details are filled by the connector issues. */
export const Scope = z.object({
  id: z.string().min(1).max(128),
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, "scope names are 1–128 of A-Z a-z 0-9 . _ -"),
  provider: ScopeProvider,
  /** Provider-specific, validated by the connector (account, role ARN, external id, regions…). */
  config: z.record(z.string(), z.unknown()),
  /** Analysis and view filters; never applied to what is stored. */
  include: z.array(z.string()).default([]),
  exclude: z.array(z.string()).default([]),
  /** A cron expression (croner syntax, UTC) for scheduled scans; absent or null: on demand only. */
  schedule: z.string().min(1).max(128).nullable().optional(),
  createdAt: IsoTime,
});
export type Scope = z.input<typeof Scope>;
