/**
 * The rows every method starts from and writes, in one place so the SQL seed,
 * the runner's scripts and the ORM methods agree.
 *
 * - update path: users 1..N as `user<n>` / `user<n>@example.com` (lower case, so
 *   the demo's normalizeEmail listener changes nothing), then every username upper-cased;
 * - create path: an empty table, then N new users (the same values);
 * - upsert path: the even n seeded, then all N upserted by e-mail with an
 *   upper-case username (half update an existing row, half are new).
 */
export const SEED_UPDATED_AT = "2024-01-01T00:00:00Z";

export function newUserFields(n: number) {
  return { username: `user${n}`, email: `user${n}@example.com` };
}

export function upsertUserFields(n: number) {
  return { username: `USER${n}`, email: `user${n}@example.com` };
}
