/**
 * Credentials never appear in any output. Two layers: the password part of any
 * connection URL inside a text is masked, and every password the runner was
 * given (DATABASE_URL's, the data source's) is masked wherever it shows up,
 * even where a driver quotes a piece of a malformed URL back.
 */

const secrets = new Set<string>();
// Shorter strings would mask ordinary words; such a password is not worth protecting anyway.
const MIN_SECRET_LENGTH = 3;

// scheme://user:password@ — the password runs to the last `@` before the host. Bounded and anchored
// quantifiers keep it linear: the text may be a summary holding megabyte-long values.
const URL_PASSWORD = /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]{0,30}:\/\/[^:/?#\s@]{0,256}:)[^\s]{0,512}@/gi;

export function redactSecrets(text: string): string {
  let out = text.replace(URL_PASSWORD, "$1***@");
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(secret).join("***");
  return out;
}

/**
 * Remembers a password so that no output shows it: as given, percent-decoded, and percent-encoded.
 * A password equal to its user name (`postgres:postgres`, the local default and the embedded
 * server's) is no secret, and masking the word everywhere would garble messages.
 */
export function registerSecret(secret: unknown, user?: string): void {
  if (typeof secret !== "string" || secret === user) return;
  const forms = [secret, encodeURIComponent(secret)];
  try {
    forms.push(decodeURIComponent(secret));
  } catch {
    // not percent-encoded
  }
  for (const form of forms) if (form.length >= MIN_SECRET_LENGTH) secrets.add(form);
}

/** The password of a connection URL, both as a URL parser reads it and as a person wrote it (up to the last `@`). */
export function registerUrlSecrets(url: string | undefined): void {
  if (!url) return;
  const user = /^[a-z][a-z0-9+.-]*:\/\/([^:/?#@]*):/i.exec(url)?.[1];
  registerSecret(writtenPassword(url), user);
  try {
    const parsed = new URL(url);
    registerSecret(decodeURIComponent(parsed.password), decodeURIComponent(parsed.username));
  } catch {
    // not a valid URL: the written form is all there is
  }
}

/** `scheme://user:<this>@host…`, taking the last `@` as the end of the password, as its author meant it. */
export function writtenPassword(url: string): string | undefined {
  return /^[a-z][a-z0-9+.-]*:\/\/[^:/?#@]*:(.*)@[^@]*$/is.exec(url)?.[1];
}
