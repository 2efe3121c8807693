// What "read", "write" and "admin" mean for each kind of data store, as concrete actions and the
// resource each action is asked on. Read is the data-plane read (curated: listing a bucket's
// tags is not reading its data); write and admin come from the action catalogue's access levels
// (Write; Permissions management) for the store's resource types, so a wildcard such as
// `s3:Put*` is judged by the actions it really names.
import type { AccessLevel } from "../edges.js";
import type { EstateNode } from "../graph.js";
import { DbInstanceProps, T, readProps } from "../aws/shapes.js";
import type { ActionCatalog, CatalogAction } from "./catalog.js";

export interface LevelAction {
  action: string;
  /** The action applies to this store at all (default: yes). */
  when?: (store: EstateNode) => boolean;
  /** The resource (or resource set) the action is evaluated on, for a given store. */
  resource(store: EstateNode): string;
}

export interface AccessProfile {
  type: string;
  /** The resources of one store, as patterns, for indexing statements. */
  resources(store: EstateNode): string[];
  levels: Record<AccessLevel, LevelAction[]>;
}

const bucketName = (n: EstateNode) => n.id.replace(/^arn:[^:]+:s3:::/, "");
const partition = (n: EstateNode) => n.id.split(":")[1] || "aws";
const s3Object = (n: EstateNode) => `arn:${partition(n)}:s3:::${bucketName(n)}/*`;
const s3Bucket = (n: EstateNode) => `arn:${partition(n)}:s3:::${bucketName(n)}`;
const dbUser = (n: EstateNode) => {
  const p = readProps(DbInstanceProps, n.props).value;
  return `arn:${partition(n)}:rds-db:${n.region ?? "*"}:${n.accountId ?? "*"}:dbuser:${p.dbiResourceId ?? "*"}/*`;
};

function fromCatalog(
  catalog: ActionCatalog,
  service: string,
  types: string[],
  want: (a: CatalogAction) => boolean,
  resource: (a: CatalogAction) => (n: EstateNode) => string,
): LevelAction[] {
  return catalog
    .actions(service)
    .filter((a) => want(a) && a.resourceTypes.some((t) => types.includes(t)))
    .map((a) => ({ action: a.action, resource: resource(a) }));
}

const isWrite = (a: CatalogAction) => a.accessLevel === "Write";
const isAdmin = (a: CatalogAction) => a.accessLevel.includes("Permissions management");

export function accessProfiles(catalog: ActionCatalog): AccessProfile[] {
  const s3Res = (a: CatalogAction) => (a.resourceTypes.includes("object") ? s3Object : s3Bucket);
  const id = () => (n: EstateNode) => n.id;
  return [
    {
      type: T.bucket,
      resources: (n) => [s3Bucket(n), s3Object(n)],
      levels: {
        read: ["s3:GetObject", "s3:GetObjectVersion"].map((action) => ({ action, resource: s3Object })),
        write: fromCatalog(catalog, "s3", ["bucket", "object"], isWrite, s3Res),
        admin: fromCatalog(catalog, "s3", ["bucket", "object"], isAdmin, s3Res),
      },
    },
    {
      type: T.dbInstance,
      resources: (n) => [n.id, dbUser(n)],
      levels: {
        // IAM database authentication: a token for any database user of the instance (only when
        // the instance has IAM authentication on, or it is not known).
        read: [
          {
            action: "rds-db:connect",
            resource: dbUser,
            when: (n) => readProps(DbInstanceProps, n.props).value.iamAuthentication !== false,
          },
        ],
        write: fromCatalog(catalog, "rds", ["db"], isWrite, id).filter(
          (a) => a.action !== "rds:ModifyDBInstance",
        ),
        // ModifyDBInstance can reset the master user password: full control of the data.
        admin: [
          { action: "rds:ModifyDBInstance", resource: (n) => n.id },
          ...fromCatalog(catalog, "rds", ["db"], isAdmin, id),
        ],
      },
    },
    {
      type: T.secret,
      resources: (n) => [n.id],
      levels: {
        read: [{ action: "secretsmanager:GetSecretValue", resource: (n) => n.id }],
        write: fromCatalog(catalog, "secretsmanager", ["Secret"], isWrite, id),
        admin: fromCatalog(catalog, "secretsmanager", ["Secret"], isAdmin, id),
      },
    },
  ];
}
