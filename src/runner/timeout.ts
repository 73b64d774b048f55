/** Rejects when `promise` has not settled within `ms` (0 = no limit). */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  if (!ms) return promise;
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(message), { code: "CHUNK_TIMEOUT" })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
