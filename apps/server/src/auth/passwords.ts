// Password hashing with node:crypto scrypt (no native dependency). The stored form carries its own
// parameters (`scrypt$N$r$p$salt$hash`), so the cost can rise later without breaking old hashes.
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { z } from "zod";

export const Password = z.string().min(12, "at least 12 characters").max(1024);

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** False for a wrong password or a malformed hash; never throws on bad input. */
  verify(password: string, stored: string | null): Promise<boolean>;
}

const KEY_LEN = 32;

function scryptAsync(pw: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(pw, salt, KEY_LEN, { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** `cost` is scrypt's N (a power of two); 2^15 by default, tests use less. */
export function createPasswordHasher(opts: { cost?: number } = {}): PasswordHasher {
  const n = opts.cost ?? 2 ** 15;
  const r = 8;
  const p = 1;
  // Verifying against this when the user does not exist keeps the answer time the same.
  const dummy = `scrypt$${n}$${r}$${p}$${randomBytes(16).toString("base64url")}$${randomBytes(KEY_LEN).toString("base64url")}`;
  const hasher: PasswordHasher = {
    async hash(password) {
      const salt = randomBytes(16);
      const key = await scryptAsync(password, salt, n, r, p);
      return `scrypt$${n}$${r}$${p}$${salt.toString("base64url")}$${key.toString("base64url")}`;
    },
    async verify(password, stored) {
      const parts = (stored ?? dummy).split("$");
      if (parts.length !== 6 || parts[0] !== "scrypt") return false;
      const [pn, pr, pp] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
      if (![pn, pr, pp].every((x) => Number.isInteger(x) && x > 0) || pn > 2 ** 20 || pr > 32 || pp > 16)
        return false;
      const expected = Buffer.from(parts[5]!, "base64url");
      if (expected.length !== KEY_LEN) return false;
      const key = await scryptAsync(password, Buffer.from(parts[4]!, "base64url"), pn, pr, pp);
      return timingSafeEqual(key, expected) && stored !== null;
    },
  };
  return hasher;
}

/** A one-time password: 20 characters from an alphabet without look-alikes. */
export function generatePassword(): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  const bytes = randomBytes(40);
  let out = "";
  for (const b of bytes) {
    // Rejection sampling keeps every character equally likely.
    if (b >= 256 - (256 % alphabet.length)) continue;
    out += alphabet[b % alphabet.length];
    if (out.length === 20) break;
  }
  return out.length === 20 ? out : generatePassword();
}
