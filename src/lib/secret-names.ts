/**
 * Which environment variables and config values count as secrets. Names decide what the redactor learns and what
 * an agent may never be given; the value heuristic decides which config values an error message may quote.
 */

/** Names of the worker's Discord tokens (the seed's names and the common `DISCORD_TOKEN`). Never given to an agent. */
export const DISCORD_TOKEN_NAME =
  /^(WORKER[1-9]\d{0,3}_TOKEN|BOT_TOKEN|SUBMITTER_TOKEN|DISCORD_(BOT_)?TOKEN)$/;

/** True for the name of one of the worker's Discord tokens. */
export function isDiscordTokenName(name: string): boolean {
  return DISCORD_TOKEN_NAME.test(name);
}

// `…_TOKEN`, `…_SECRET`, `…_PASSWORD`, `…_API_KEY`, `…_KEY`, with an optional plural and rotation number
// (`OPENAI_API_KEYS`, `OPENAI_API_KEY_2`), or one of those words anywhere between underscores
// (`AWS_SECRET_ACCESS_KEY`, `OPENCLAW_GATEWAY_TOKEN`).
const SECRET_SUFFIX = /(TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIALS?|APIKEY|_KEY)S?(_\d+)?$/;
const SECRET_WORD = /(^|_)(TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|APIKEY|API_KEY)(_|$)/;

/**
 * True for an environment variable name that by convention holds a secret: `*_TOKEN`, `*_SECRET`, `*_PASSWORD`,
 * `*_API_KEY` / `*_KEY` (with an optional `S` and `_<n>`), or such a word between underscores. Case-insensitive.
 */
export function isSecretName(name: string): boolean {
  const upper = name.toUpperCase();
  return SECRET_SUFFIX.test(upper) || SECRET_WORD.test(upper);
}

/**
 * True when a value found under a {@link isSecretName secret-looking name} is worth redacting: long enough to be
 * specific, and not a number or a path (a `MAX_TOKENS=128000` or `SSH_KEY=/home/me/.ssh/id` would otherwise blank
 * out task ids and workspace paths in every message).
 */
export function isRedactableValue(value: string): boolean {
  const v = value.trim();
  return v.length >= 8 && !/^\d+$/.test(v) && !/^(\/|~\/|\.\.?\/)/.test(v);
}

// Discord's token shape: base64url user id, timestamp, HMAC.
const DISCORD_TOKEN_SHAPE = /[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{16,}/;
// Common API key prefixes: OpenAI / OpenRouter / Anthropic (sk-), GitHub, Slack, Google, AWS, Hugging Face.
const KEY_PREFIX =
  /(^|[^A-Za-z0-9])(sk-|ghp_|gho_|ghs_|github_pat_|xox[abpr]-|AIza|AKIA|hf_)[A-Za-z0-9_-]{8,}/;

/**
 * True when a value looks like a token or key: Discord's three-part shape, a known key prefix, or a long random-looking
 * run (24+ characters mixing upper case, lower case and digits, or 32+ hex digits). Used to decide that a message
 * must not quote a value at all.
 */
export function looksLikeSecret(value: string): boolean {
  if (DISCORD_TOKEN_SHAPE.test(value) || KEY_PREFIX.test(value)) return true;
  if (/(^|[^A-Za-z0-9])[0-9a-fA-F]{32,}([^A-Za-z0-9]|$)/.test(value)) return true;
  for (const run of value.match(/[A-Za-z0-9+=_.-]{24,}/g) ?? []) {
    if (/[A-Z]/.test(run) && /[a-z]/.test(run) && /\d/.test(run)) return true;
  }
  return false;
}
