import { hash, verify } from "@node-rs/argon2";

// Algorithm.Argon2id; the const enum is not importable under isolatedModules.
const ARGON2ID = 2;

/** argon2id with the library's defaults (≈20 ms a hash here). */
export function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: ARGON2ID });
}

export async function verifyPassword(hashed: string, password: string): Promise<boolean> {
  try {
    return await verify(hashed, password);
  } catch {
    return false;
  }
}

/**
 * What a person may choose as a password (NIST SP 800-63B: length, not composition rules):
 * at least 12 characters, at most 1024 (what sign-in accepts).
 */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 1024;
