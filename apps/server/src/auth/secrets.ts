// Stored secrets (OIDC client secrets, later connector keys) are sealed with AES-256-GCM under
// CTEM_SECRET_KEY or `<data>/secret.key`, created 0600 on the first start (DESIGN "Server and UI").
// The secret's name is the additional authenticated data, so a sealed value cannot be moved to
// another name.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { CtemError, ValidationError } from "@ctem/model";

export const KEY_FILE_NAME = "secret.key";

export interface SecretBox {
  seal(name: string, plaintext: string): string;
  open(name: string, sealed: string): string;
}

/** 32 bytes as 64 hex characters or base64(url); anything else is refused, never stretched. */
export function parseSecretKey(text: string, what: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t)
    ? Buffer.from(t, "hex")
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(t)
      ? Buffer.from(t, /[+/=]/.test(t) ? "base64" : "base64url")
      : undefined;
  if (!key || key.length !== 32)
    throw new ValidationError(`${what}: must be 32 bytes written as 64 hex characters or base64`, {
      field: what,
    });
  return key;
}

/** The key from CTEM_SECRET_KEY, else the key file (created when missing). */
export function loadSecretKey(opts: { secretKey?: string; dataDir: string }): {
  key: Buffer;
  source: string;
} {
  if (opts.secretKey)
    return { key: parseSecretKey(opts.secretKey, "CTEM_SECRET_KEY"), source: "CTEM_SECRET_KEY" };
  const file = path.join(opts.dataDir, KEY_FILE_NAME);
  if (!existsSync(file)) {
    mkdirSync(opts.dataDir, { recursive: true });
    // wx: never overwrite a key another process just wrote.
    try {
      writeFileSync(file, randomBytes(32).toString("base64") + "\n", { mode: 0o600, flag: "wx" });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return { key: parseSecretKey(readFileSync(file, "utf8"), file), source: file };
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error("AES-256-GCM needs a 32-byte key");
  return {
    seal(name, plaintext) {
      const iv = randomBytes(12);
      const c = createCipheriv("aes-256-gcm", key, iv);
      c.setAAD(Buffer.from(name, "utf8"));
      const ct = Buffer.concat([c.update(plaintext, "utf8"), c.final()]);
      return [
        "v1",
        iv.toString("base64url"),
        c.getAuthTag().toString("base64url"),
        ct.toString("base64url"),
      ].join(":");
    },
    open(name, sealed) {
      const [v, iv, tag, ct] = sealed.split(":");
      if (v !== "v1" || !iv || !tag || ct === undefined)
        throw new CtemError("internal", `stored secret ${name} is not in a known format`);
      try {
        const d = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
        d.setAAD(Buffer.from(name, "utf8"));
        d.setAuthTag(Buffer.from(tag, "base64url"));
        return Buffer.concat([d.update(Buffer.from(ct, "base64url")), d.final()]).toString("utf8");
      } catch {
        throw new CtemError(
          "unavailable",
          `stored secret ${name} cannot be decrypted: CTEM_SECRET_KEY or the key file changed`,
        );
      }
    },
  };
}
