// CVSS parsing, metrics and the threat adjustment. The property test checks ctem's scores against the
// independent reference implementation on random v3.x vectors, including temporal and environmental metrics.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValidationError } from "@ctem/model";
import { exploitMaturityOf, scoreCvss, threatAdjust } from "../src/cvss.js";
import { referenceV3 } from "./cvss3-reference.js";

describe("scoreCvss", () => {
  it("scores each version and names the metrics", () => {
    const v31 = scoreCvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H");
    expect(v31).toMatchObject({
      version: "3.1",
      baseScore: 10,
      severity: "critical",
      vectorScoreKind: "base",
    });
    expect(v31.metrics).toEqual({
      attackVector: "network",
      attackComplexity: "low",
      privilegesRequired: "none",
      userInteraction: "none",
      scope: "changed",
      confidentiality: "high",
      integrity: "high",
      availability: "high",
    });
    expect(scoreCvss("CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H")).toMatchObject({
      baseScore: 7.8,
      severity: "high",
    });
    const v2 = scoreCvss("(AV:N/AC:M/Au:S/C:P/I:N/A:N)");
    expect(v2).toMatchObject({
      version: "2.0",
      vector: "AV:N/AC:M/Au:S/C:P/I:N/A:N",
      baseScore: 3.5,
      severity: "low",
    });
    expect(v2.metrics).toMatchObject({
      attackComplexity: "medium",
      authentication: "single",
      confidentiality: "low",
    });
    const v4 = scoreCvss("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N");
    expect(v4).toMatchObject({
      version: "4.0",
      baseScore: 9.3,
      severity: "critical",
      vectorScoreKind: "CVSS-B",
    });
    expect(v4.metrics).toMatchObject({
      attackRequirements: "none",
      userInteraction: "none",
      subsequent: { confidentiality: "none" },
    });
  });

  it("keeps the base score apart from the score over temporal and threat metrics", () => {
    expect(scoreCvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:U/RC:C")).toMatchObject({
      baseScore: 9.8,
      vectorScore: 9.3,
      vectorScoreKind: "temporal",
    });
    expect(scoreCvss("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U")).toMatchObject({
      baseScore: 9.3,
      vectorScore: 8.1,
      vectorScoreKind: "CVSS-BT",
    });
  });

  it.each([
    ["CVSS:3.1/AV:N", "CVSS 3.1 vector 'CVSS:3.1/AV:N': base metrics AC, PR, UI, S, C, I, A missing"],
    [
      "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:L",
      "CVSS 3.1 vector 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:L': AV is given twice",
    ],
    [
      "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
      "CVSS 3.1 vector 'CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H': AV cannot be 'Q' (one of N, A, L, P)",
    ],
    [
      "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/XX:1",
      "CVSS 3.1 vector 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/XX:1': unknown metric 'XX'",
    ],
    ["CVSS:3.2/AV:N", "CVSS vector 'CVSS:3.2/AV:N': unknown version 3.2"],
    [
      "CVSS:4.0/AV:N/AC:L/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
      "CVSS 4.0 vector 'CVSS:4.0/AV:N/AC:L/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N': base metric AT missing",
    ],
  ])("refuses %s", (vector, message) => {
    expect(() => scoreCvss(vector)).toThrow(ValidationError);
    expect(() => scoreCvss(vector)).toThrow(message);
  });

  const pick = (xs: string[]) => fc.constantFrom(...xs);
  const v3Vector = fc
    .record({
      ver: pick(["3.0", "3.1"]),
      AV: pick(["N", "A", "L", "P"]),
      AC: pick(["L", "H"]),
      PR: pick(["N", "L", "H"]),
      UI: pick(["N", "R"]),
      S: pick(["U", "C"]),
      C: pick(["H", "L", "N"]),
      I: pick(["H", "L", "N"]),
      A: pick(["H", "L", "N"]),
      E: pick(["X", "U", "P", "F", "H"]),
      RL: pick(["X", "O", "T", "W", "U"]),
      RC: pick(["X", "U", "R", "C"]),
      CR: pick(["X", "L", "M", "H"]),
      MAV: pick(["X", "N", "A", "L", "P"]),
      MPR: pick(["X", "N", "L", "H"]),
      MS: pick(["X", "U", "C"]),
      MC: pick(["X", "H", "L", "N"]),
      MI: pick(["X", "H", "L", "N"]),
    })
    .map(
      ({ ver, ...m }) =>
        `CVSS:${ver}/${Object.entries(m)
          .map(([k, v]) => `${k}:${v}`)
          .join("/")}`,
    );

  it("matches the reference implementation on random v3.x vectors (base, temporal, environmental)", () => {
    fc.assert(
      fc.property(v3Vector, (vector) => {
        const ours = scoreCvss(vector);
        const ref = referenceV3(vector);
        expect(ours.baseScore).toBe(ref.base);
        const envSet = /\/(CR|MAV|MPR|MS|MC|MI):[^X]/.test(vector);
        if (envSet) expect(ours.vectorScore).toBe(ref.environmental);
        else expect(ours.vectorScore).toBe(ref.temporal);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("threat adjustment", () => {
  const log4shell = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H";

  it("follows the documented rule", () => {
    expect(exploitMaturityOf({ kev: true, epss: 0.01 })?.maturity).toBe("attacked");
    expect(exploitMaturityOf({ ssvcExploitation: "active" })?.maturity).toBe("attacked");
    expect(exploitMaturityOf({ epss: 0.36 })?.maturity).toBe("poc");
    expect(exploitMaturityOf({ ssvcExploitation: "poc", epss: 0.001 })?.maturity).toBe("poc");
    expect(exploitMaturityOf({ epss: 0.3599 })?.maturity).toBe("unreported");
    expect(exploitMaturityOf({ ssvcExploitation: "none" })?.maturity).toBe("unreported");
    // No evidence either way: no adjustment, so an unknown never lowers a score.
    expect(exploitMaturityOf({})).toBeUndefined();
    expect(threatAdjust(log4shell, {})).toBeUndefined();
  });

  it("recomputes the score with the exploit-maturity metric set", () => {
    expect(threatAdjust(log4shell, { kev: true })).toEqual({
      exploitMaturity: "attacked",
      vector: `${log4shell}/E:H`,
      score: 10,
      severity: "critical",
      reasons: ["listed in CISA KEV"],
    });
    expect(threatAdjust(log4shell, { epss: 0.5 })).toMatchObject({
      exploitMaturity: "poc",
      vector: `${log4shell}/E:P`,
      score: 9.4,
    });
    expect(threatAdjust(log4shell, { epss: 0.001 })).toMatchObject({
      vector: `${log4shell}/E:U`,
      score: 9.1,
      severity: "critical",
    });
    // An E the publisher set is replaced by the evidence; RL and RC stay.
    expect(
      threatAdjust("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O", { kev: true }),
    ).toMatchObject({
      vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:H/RL:O",
      score: 9.4,
    });
    const v4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
    expect(threatAdjust(v4, { kev: true })).toMatchObject({ vector: `${v4}/E:A`, score: 9.3 });
    expect(threatAdjust(v4, { epss: 0.01 })).toMatchObject({
      vector: `${v4}/E:U`,
      score: 8.1,
      severity: "high",
    });
    // v2 rounds 7.5 × 0.9 = 6.75 to one decimal, half up.
    expect(threatAdjust("AV:N/AC:L/Au:N/C:P/I:P/A:P", { epss: 0.5 })).toMatchObject({
      vector: "AV:N/AC:L/Au:N/C:P/I:P/A:P/E:POC",
      score: 6.8,
    });
  });

  it("never ranks weaker evidence above stronger evidence", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("3.0", "3.1"),
        fc.constantFrom("N", "A", "L", "P"),
        fc.constantFrom("H", "L", "N"),
        (ver, av, c) => {
          const vector = `CVSS:${ver}/AV:${av}/AC:L/PR:N/UI:N/S:U/C:${c}/I:H/A:N`;
          const attacked = threatAdjust(vector, { kev: true })!.score;
          const poc = threatAdjust(vector, { epss: 0.9 })!.score;
          const unreported = threatAdjust(vector, { epss: 0.01 })!.score;
          expect(attacked).toBeGreaterThanOrEqual(poc);
          expect(poc).toBeGreaterThanOrEqual(unreported);
          expect(attacked).toBe(scoreCvss(vector).baseScore);
        },
      ),
    );
  });
});
