/** A chunk the bulk writer refuses to write; the message is meant for the script's author. */
export class BulkWriteError extends Error {
  override name = "BulkWriteError";
}
