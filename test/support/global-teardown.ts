export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { __embedded?: { stop(): Promise<void> } }).__embedded;
  if (server) await server.stop();
}
