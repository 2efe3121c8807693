// Issue and finding keys are stored and linked to: their digest must never change. Pinned values
// (computed once with createHash) and the streaming digest agree with the keys for any text.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { findingKey, issueKey } from "../src/index.js";

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

describe("stable keys", () => {
  it("issueKey and findingKey are the pinned sha256 prefixes", () => {
    expect(issueKey("internet", "arn:aws:s3:::crown")).toBe(
      sha256("internet\u0000arn:aws:s3:::crown").slice(0, 24),
    );
    expect(issueKey("internet", "arn:aws:s3:::crown")).toBe("99f4d188e8dd7067b66d4488");
    expect(findingKey("arn:aws:ec2:us-east-1:1:instance/i-1", "CVE-2024-6387", "openssh")).toBe(
      sha256("arn:aws:ec2:us-east-1:1:instance/i-1\u0000CVE-2024-6387\u0000openssh").slice(0, 32),
    );
  });

  it("non-ASCII ids hash as UTF-8, as before", () => {
    for (const id of ["/subscriptions/ü/résumé", "//storage.googleapis.com/桶", "emoji-😀"]) {
      expect(issueKey(id, id)).toBe(sha256(`${id}\u0000${id}`).slice(0, 24));
      expect(findingKey(id, "r", "p")).toBe(sha256(`${id}\u0000r\u0000p`).slice(0, 32));
    }
  });
});
