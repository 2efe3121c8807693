// internet EXPOSES database: a publicly accessible RDS instance in a subnet routed to an internet
// gateway, whose security group admits a public range on the database port and whose subnet ACL
// lets the traffic through both ways.
import { INTERNET_NODE_ID } from "@ctem/model";
import { COLLECTOR_OF, DbInstanceProps, T, readProps } from "../../aws/shapes.js";
import { internetExposures, securityGroupsOf, subnetsOf } from "../../aws/network.js";
import { formatPorts } from "../../net/filters.js";
import { defineRule } from "../meta.js";

const RULE = "exposes-rds-instance";

export const exposesRdsInstance = defineRule(
  {
    id: RULE,
    title: "Database reachable from the internet",
    edge: "EXPOSES",
    severity: "critical",
    risk: "The database listener answers anyone: password guessing, unpatched engine flaws and leaked credentials are enough.",
    remediation: {
      aws: {
        title: "Turn off public accessibility and remove the public rule from the database's security group",
        cli: "aws rds modify-db-instance --db-instance-identifier <db> --no-publicly-accessible --apply-immediately",
        terraform: 'resource "aws_db_instance" "<name>" {\n  publicly_accessible = false\n}',
      },
    },
    limitations: ["Aurora clusters and RDS proxies are not read yet."],
  },
  (ctx) => {
    for (const db of ctx.g.ofType(T.dbInstance)) {
      const p = readProps(DbInstanceProps, db.props).value;
      if (p.publiclyAccessible !== true) continue;
      const port = p.port ?? 5432;
      const exposures = internetExposures(ctx, {
        families: new Set([4]),
        subnets: subnetsOf(ctx, db),
        groups: securityGroupsOf(ctx, db),
        only: { protocol: "tcp", ports: { from: port, to: port } },
      });
      for (const x of exposures)
        ctx.sink.add(INTERNET_NODE_ID, "EXPOSES", db.id, {
          rule: RULE,
          props: {
            ports: [
              { protocol: "tcp", from: port, to: port, label: formatPorts("tcp", { from: port, to: port }) },
            ],
          },
          evidence: [
            {
              source: COLLECTOR_OF.rds,
              ref: db.id,
              detail: { publiclyAccessible: true, port, engine: p.engine },
            },
            ...x.evidence,
          ],
          assumptions: [
            ...x.assumptions,
            ...ctx.stale(db),
            ...(p.port === undefined ? [{ code: "port_unknown", detail: { assumedPort: port } }] : []),
            ...(x.cidr.prefix !== 0 ? [{ code: "restricted_source", detail: { cidr: x.cidr.text } }] : []),
          ],
        });
    }
  },
);
