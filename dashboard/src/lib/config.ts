/** The runtime configuration: /config.json, read once at start (src/main.tsx), never baked into the bundle.
 *  Standalone generates it (shared/dashboard); on AWS the CDK stack writes it next to the dashboard in S3. */
export interface RuntimeConfig {
  /** Base URL of the API (absolute, or relative to the page: "/" when the API is served beside the dashboard). */
  apiUrl: string;
  /** Base URL of the live feed's WebSocket, when it is not the API's origin. */
  wsUrl?: string;
}

let current: RuntimeConfig = { apiUrl: '/' };

export function runtimeConfig(): RuntimeConfig {
  return current;
}

function resolve(url: string): string {
  return new URL(url, globalThis.location?.href ?? 'http://localhost/').href.replace(/\/$/, '');
}

/** The API's base URL, absolute, without a trailing slash. */
export function apiBase(): string {
  return resolve(current.apiUrl);
}

/** The base the live feed's ticket URL is resolved against: wsUrl when set, else the API's base. */
export function socketBase(): string {
  return resolve(current.wsUrl ?? current.apiUrl);
}

/** Fetches /config.json and makes it the configuration; throws, naming the problem, when it is missing or wrong. */
export async function loadConfig(fetchFn: typeof fetch = (input, init) => globalThis.fetch(input, init)): Promise<RuntimeConfig> {
  const r = await fetchFn('/config.json', { cache: 'no-store', headers: { Accept: 'application/json' } });
  if (!r.ok) throw new Error(`/config.json: HTTP ${r.status}`);
  const c = (await r.json()) as Partial<RuntimeConfig>;
  if (typeof c.apiUrl !== 'string' || c.apiUrl === '') throw new Error('/config.json: apiUrl is missing');
  if (c.wsUrl !== undefined && typeof c.wsUrl !== 'string') throw new Error('/config.json: wsUrl is not a string');
  current = { apiUrl: c.apiUrl, ...(c.wsUrl ? { wsUrl: c.wsUrl } : {}) };
  return current;
}
