/**
 * Model ids as the endpoint wants them. Requests carry OpenClaw-style ids, `provider/model`, where the provider
 * names the endpoint (`openrouter/moonshotai/kimi-k2.5`). The endpoint itself knows the model without that first
 * segment (OpenRouter calls it `moonshotai/kimi-k2.5`), so the runner strips the prefix that names its endpoint,
 * and puts it back on the model the endpoint reports, so results and prices keep using `provider/model` ids.
 */

/**
 * The provider prefix that names an endpoint, guessed from its base URL: `openrouter` for openrouter.ai, `openai`
 * for api.openai.com, none for anything else (configure it then, e.g. `fake` for a local test server).
 */
export function providerPrefixFor(baseUrl: string): string | null {
  let host: string;
  try {
    host = new URL(baseUrl).hostname.toLowerCase();
  } catch {
    return null;
  }
  if (host === 'openrouter.ai' || host.endsWith('.openrouter.ai')) return 'openrouter';
  if (host === 'api.openai.com') return 'openai';
  return null;
}

/** The model id to send: `model` without a leading `<prefix>/` (unchanged when it does not start with it). */
export function endpointModelId(model: string, prefix: string | null): string {
  if (!prefix) return model;
  const head = `${prefix}/`;
  return model.startsWith(head) && model.length > head.length ? model.slice(head.length) : model;
}

/**
 * The model to report: the endpoint's own name for the model that ran, with the stripped prefix put back; the
 * requested id when the endpoint named none.
 */
export function reportedModelId(
  requested: string,
  fromEndpoint: string | undefined,
  prefix: string | null,
): string {
  if (!fromEndpoint) return requested;
  const stripped = endpointModelId(requested, prefix) !== requested;
  return stripped && prefix && !fromEndpoint.startsWith(`${prefix}/`)
    ? `${prefix}/${fromEndpoint}`
    : fromEndpoint;
}
