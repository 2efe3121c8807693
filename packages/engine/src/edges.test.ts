// EdgeSink: reasons merge per (from, kind, to); frozen parts are shared between edges and copied
// only when a later reason changes one edge (copy on write); other inputs are copied.
import type { Evidence } from "@ctem/model";
import { describe, expect, it } from "vitest";
import { EdgeSink } from "./edges.js";

const ev = (ref: string): Evidence => ({ source: "test", ref, detail: { n: ref } });

describe("EdgeSink", () => {
  it("shares frozen parts between edges and copies them on write", () => {
    const sink = new EdgeSink();
    const port = { protocol: "tcp", from: 22, to: 22 };
    const props = Object.freeze({ ports: Object.freeze([port]) });
    const evidence = Object.freeze([ev("sg#ingress[0]")]);
    const assumptions = Object.freeze([{ code: "x", detail: { a: 1 } }]);
    for (const from of ["a", "b"])
      sink.add(from, "CAN_REACH", "g", { rule: "r1", props, evidence, assumptions });
    const [a, b] = sink.all();
    expect(a!.props).toBe(b!.props);
    expect(a!.evidence).toBe(evidence);
    expect(a!.assumptions).toBe(assumptions);
    expect(a!.props).toEqual({ ports: [port], rules: ["r1"] });

    // A second reason for a→g: a's parts are copied; b's and the rule's stay as they were.
    sink.add("a", "CAN_REACH", "g", {
      rule: "r2",
      props: { ports: [{ protocol: "tcp", from: 443, to: 443 }, port] },
      evidence: [ev("sg#ingress[1]"), ev("sg#ingress[0]")],
      assumptions: [{ code: "y", detail: {} }],
    });
    const a2 = sink.get("a", "CAN_REACH", "g")!;
    expect(a2.props).toEqual({
      ports: [port, { protocol: "tcp", from: 443, to: 443 }],
      rules: ["r1", "r2"],
    });
    expect(a2.evidence.map((e) => e.ref)).toEqual(["sg#ingress[0]", "sg#ingress[1]"]);
    expect(a2.assumptions.map((x) => x.code)).toEqual(["x", "y"]);
    expect(b!.props).toEqual({ ports: [port], rules: ["r1"] });
    expect(b!.evidence).toEqual([ev("sg#ingress[0]")]);
    expect(b!.assumptions).toEqual([{ code: "x", detail: { a: 1 } }]);
    expect(props.ports).toHaveLength(1);
    expect(evidence).toHaveLength(1);
    expect(assumptions).toHaveLength(1);
    expect(sink.size).toBe(2);
  });

  it("copies what is not frozen, so a rule may reuse its arrays", () => {
    const sink = new EdgeSink();
    const evidence = [ev("1")];
    const props = { techniques: ["t1"], outcome: "acts_as" };
    sink.add("u", "CAN_ESCALATE", "v", { rule: "t1", props, evidence });
    evidence.push(ev("2"));
    props.techniques.push("t9");
    const e = sink.get("u", "CAN_ESCALATE", "v")!;
    expect(e.evidence).toEqual([ev("1")]);
    expect(e.props).toEqual({ techniques: ["t1"], outcome: "acts_as", rules: ["t1"] });
    expect(Object.keys(e.props)).toEqual(["techniques", "outcome", "rules"]);
    expect(e.assumptions).toEqual([]);
  });

  it("keeps the highest level, lists every rule once and drops repeated evidence", () => {
    const sink = new EdgeSink();
    const read = Object.freeze({ level: "read" });
    sink.add("p", "CAN_ACCESS", "s", { rule: "a", props: read, evidence: [ev("1")] });
    sink.add("q", "CAN_ACCESS", "s", { rule: "a", props: read, evidence: [ev("1")] });
    sink.add("p", "CAN_ACCESS", "s", { rule: "b", props: { level: "admin" }, evidence: [ev("1")] });
    sink.add("p", "CAN_ACCESS", "s", { rule: "a", props: { level: "write" }, evidence: [ev("2")] });
    const [p, q] = sink.all();
    expect(p).toMatchObject({ props: { level: "admin", rules: ["a", "b"] }, evidence: [ev("1"), ev("2")] });
    expect(q).toMatchObject({ props: { level: "read", rules: ["a"] }, evidence: [ev("1")] });
    expect(() => sink.add("p", "CAN_ACCESS", "s", { rule: "a", evidence: [] })).toThrow(/no evidence/);
  });

  it("gives edges merging the same frozen parts one frozen result, and copies it on a later write", () => {
    const sink = new EdgeSink();
    const p22 = { protocol: "tcp", from: 22, to: 22 };
    const p443 = { protocol: "tcp", from: 443, to: 443 };
    const first = {
      rule: "r",
      props: Object.freeze({ ports: Object.freeze([p22]) }),
      evidence: Object.freeze([ev("0")]),
    };
    const second = {
      rule: "r",
      props: Object.freeze({ ports: Object.freeze([p443, { ...p22 }]) }),
      evidence: Object.freeze([ev("1"), ev("0")]),
      assumptions: Object.freeze([{ code: "x", detail: { a: 1 } }]),
    };
    for (const from of ["a", "b", "c"]) sink.add(from, "CAN_REACH", "g", first);
    for (const from of ["a", "b"]) sink.add(from, "CAN_REACH", "g", second);
    const [a, b, c] = sink.all();
    for (const e of [a!, b!]) {
      expect(e.props).toEqual({ ports: [p22, p443], rules: ["r"] });
      expect(e.evidence).toEqual([ev("0"), ev("1")]);
      expect(e.assumptions).toEqual([{ code: "x", detail: { a: 1 } }]);
      expect(Object.isFrozen(e.props) && Object.isFrozen(e.props.ports) && Object.isFrozen(e.evidence)).toBe(
        true,
      );
    }
    expect(b!.props).toBe(a!.props);
    expect(b!.evidence).toBe(a!.evidence);
    expect(c).toMatchObject({ props: { ports: [p22], rules: ["r"] }, evidence: [ev("0")] });
    expect(first.props.ports).toHaveLength(1);
    expect(first.evidence).toHaveLength(1);

    // A third reason for a alone (not frozen, another rule): a's shared result is copied, b's stays.
    sink.add("a", "CAN_REACH", "g", {
      rule: "s",
      props: { ports: [p443, { protocol: "udp", from: 53, to: 53 }] },
      evidence: [ev("2"), ev("1")],
    });
    const a2 = sink.get("a", "CAN_REACH", "g")!;
    expect(a2.props).toEqual({
      ports: [p22, p443, { protocol: "udp", from: 53, to: 53 }],
      rules: ["r", "s"],
    });
    expect(a2.evidence).toEqual([ev("0"), ev("1"), ev("2")]);
    expect(b!.props).toEqual({ ports: [p22, p443], rules: ["r"] });
    expect(b!.evidence).toEqual([ev("0"), ev("1")]);

    // The same frozen reason again changes nothing, and a merge with nothing new keeps the parts.
    sink.add("b", "CAN_REACH", "g", second);
    expect(sink.get("b", "CAN_REACH", "g")!.evidence).toBe(b!.evidence);
    sink.add("c", "CAN_REACH", "g", first);
    expect(sink.get("c", "CAN_REACH", "g")!.props).toBe(c!.props);
  });

  it("lets go of its indexes on release; the edges taken out stay as they were", () => {
    const sink = new EdgeSink();
    sink.add("a", "CAN_REACH", "g", { rule: "r", evidence: [ev("1")] });
    sink.add("a", "CAN_REACH", "g", { rule: "r", evidence: [ev("2")] });
    const taken = sink.all();
    sink.release();
    expect(sink.size).toBe(0);
    expect(sink.has("a", "CAN_REACH", "g")).toBe(false);
    expect(taken).toHaveLength(1);
    expect(taken[0]!.evidence).toEqual([ev("1"), ev("2")]);
  });
});
