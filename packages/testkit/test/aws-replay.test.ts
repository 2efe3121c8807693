// The AWS replay server on its own: routing by SigV4 scope and action, rule precedence, counted
// replies, per-protocol wire formats and errors. (The connector tests drive it with the real SDK.)
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startAwsReplayServer } from "../src/index.js";
import type { AwsReplayServer, OperationSchema } from "../src/index.js";

// Hand-built static schemas in the SDK's format: [3, ns, name, traits, members, memberSchemas].
const thingsOut = [
  3,
  "com.amazonaws.ec2",
  "DescribeThingsResult",
  0,
  ["Things", "NextToken"],
  [
    [[1, "com.amazonaws.ec2", "ThingList", 0, [() => thing, { xmlName: "item" }]], { xmlName: "thingSet" }],
    [0, { xmlName: "nextToken" }],
  ],
];
const thing = [
  3,
  "com.amazonaws.ec2",
  "Thing",
  0,
  ["ThingId", "Created"],
  [
    [0, { xmlName: "thingId" }],
    [4, { xmlName: "created" }],
  ],
];
const empty = [3, "com.amazonaws.ec2", "Empty", 0, [], []];
const DescribeThings = [
  9,
  "com.amazonaws.ec2",
  "DescribeThings",
  0,
  empty,
  thingsOut,
] as unknown as OperationSchema;
const ListWidgets = [
  9,
  "com.amazonaws.widgets",
  "ListWidgets",
  { http: ["POST", "/widgets/list", 200] },
  [3, "com.amazonaws.widgets", "ListWidgetsRequest", 0, ["nextToken"], [0]],
  [3, "com.amazonaws.widgets", "ListWidgetsResponse", 0, ["widgets", "updatedAt"], [[1, "n", "L", 0, 0], 4]],
] as unknown as OperationSchema;

const auth = (service: string, region = "us-east-1") =>
  `AWS4-HMAC-SHA256 Credential=AKIA/20260101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=x`;

describe("AWS replay server", () => {
  let aws: AwsReplayServer;
  beforeEach(async () => {
    aws = await startAwsReplayServer({ protocols: { widgets: "restJson" } });
  });
  afterEach(() => aws.close());

  const ec2 = (body: string, region?: string) =>
    fetch(aws.url, {
      method: "POST",
      headers: { authorization: auth("ec2", region), "content-type": "application/x-www-form-urlencoded" },
      body,
    }).then(async (r) => ({ status: r.status, text: await r.text() }));

  it("writes EC2-query XML from the JSON shape, by the schema's xml names", async () => {
    aws.on(DescribeThings, {
      Things: [{ ThingId: "t-1", Created: "2024-01-01T00:00:00Z" }],
      NextToken: "n2",
    });
    const r = await ec2("Action=DescribeThings&Version=2016-11-15");
    expect(r.status).toBe(200);
    expect(r.text).toContain(
      "<thingSet><item><thingId>t-1</thingId><created>2024-01-01T00:00:00Z</created></item></thingSet><nextToken>n2</nextToken></DescribeThingsResponse>",
    );
    expect(aws.calls).toEqual([
      {
        service: "ec2",
        region: "us-east-1",
        action: "DescribeThings",
        params: { Action: "DescribeThings", Version: "2016-11-15" },
        status: 200,
      },
    ]);
  });

  it("picks the rule naming more parameters, then the latest; counts `times`; matches regions", async () => {
    aws.on(DescribeThings, { Things: [{ ThingId: "page-1" }] });
    aws.on(DescribeThings, { Things: [{ ThingId: "page-2" }] }, { params: { NextToken: "n2" } });
    aws.on(DescribeThings, { Things: [{ ThingId: "west" }] }, { region: "us-west-2" });
    aws.fail(DescribeThings, "RequestLimitExceeded", { status: 503, times: 1, region: "us-east-1" });
    expect((await ec2("Action=DescribeThings")).text).toContain("<Code>RequestLimitExceeded</Code>");
    expect((await ec2("Action=DescribeThings")).text).toContain("page-1");
    expect((await ec2("Action=DescribeThings&NextToken=n2")).text).toContain("page-2");
    expect((await ec2("Action=DescribeThings", "us-west-2")).text).toContain("west");
    expect(aws.calls.map((c) => c.status)).toEqual([503, 200, 200, 200]);
  });

  it("answers what is not scripted, unsigned requests and unknown fixture members with clear errors", async () => {
    const none = await ec2("Action=DescribeThings");
    expect(none.status).toBe(501);
    expect(none.text).toContain("CtemTestkitNoReply");
    expect((await fetch(aws.url, { method: "POST", body: "Action=X" })).status).toBe(403);
    aws.on(DescribeThings, { Things: [{ ThingId: "t", Colour: "blue" }] });
    const bad = await ec2("Action=DescribeThings");
    expect(bad.status).toBe(500);
    expect(aws.errors.map((e) => e.message)).toEqual([
      "DescribeThings.Things[0].Colour: not a member of Thing",
    ]);
  });

  it("routes REST-JSON by the operation's HTTP binding and writes timestamps as epoch seconds", async () => {
    aws.on(ListWidgets, { widgets: ["a"], updatedAt: "2024-01-01T00:00:10Z" });
    aws.on(ListWidgets, { widgets: ["b"] }, { params: { nextToken: "p2" } });
    aws.fail(ListWidgets, "AccessDeniedException", { status: 403, region: "eu-west-1" });
    const call = (body: unknown, region?: string) =>
      fetch(`${aws.url}/widgets/list`, {
        method: "POST",
        headers: { authorization: auth("widgets", region), "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    expect(await (await call({})).json()).toEqual({ widgets: ["a"], updatedAt: 1704067210 });
    expect(await (await call({ nextToken: "p2" })).json()).toEqual({ widgets: ["b"] });
    const denied = await call({}, "eu-west-1");
    expect([denied.status, denied.headers.get("x-amzn-errortype")]).toEqual([403, "AccessDeniedException"]);
  });
});
