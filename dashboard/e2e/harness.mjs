// The browser tests' harness: each spec (e2e/*.spec.mjs) gets its own standalone binary in demo mode (temp data dir,
// free port) serving dashboard/dist, and its own Chromium (Debian's, never a downloaded browser) driven by
// playwright-core. run.mjs runs the specs one after the other; a spec is `export default async function (t)`.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const bin = resolve(process.env.WAQTOR_BIN ?? join(root, '../build/waqtor'));
export const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const artifacts = join(root, 'artifacts');
export const email = 'owner@example.com';
export const password = 'correct horse battery staple 42';
export const TIMEOUT = 20_000;
// Pages poll only while the live feed is down, every 30 s (src/stores/live.ts): changes awaited within LIVE are
// proven to come over the WebSocket.
export const LIVE = 10_000;

export function checkPrerequisites() {
  for (const [what, p] of [['binary', bin], ['Chromium', chromiumPath], ['dashboard build', join(root, 'dist/index.html')]]) {
    if (!existsSync(p)) throw new Error(`${what} missing at ${p} (make build dashboard chromium)`);
  }
}

let axeSource;

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
  });
}

/** Polls fn every 100 ms until it returns true, failing after timeout with the last error seen. */
export async function until(what, fn, timeout = TIMEOUT) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    try { if (await fn()) return; } catch (e) { last = e; }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? ': ' + last.message : ''}`);
}

/** One spec's world: a WaQtor process and a browser. Everything is torn down by close(). */
export class World {
  constructor(name) {
    this.name = name;
    this.tmp = mkdtempSync(join(tmpdir(), 'waqtor-dash-e2e-'));
    this.output = '';
    this.exited = false;
    this.pageErrors = [];
    this.failedRequests = []; // requests that failed or answered >= 400: "METHOD url: reason"
    this.consoleErrors = []; // console.error and failed loads the page reports
    this.inflight = 0; // requests sent and not yet finished or failed
    this.browserLog = []; // Chromium's own output, printed when the spec fails
  }

  /** Starts WaQtor in demo mode with the owner's account bootstrapped; env adds or overrides variables. */
  async start(env = {}) {
    const port = await freePort();
    this.base = `http://127.0.0.1:${port}`;
    this.proc = spawn(bin, [], {
      env: { ...process.env, WAQTOR_WHATSAPP: 'demo', WAQTOR_DATA_DIR: join(this.tmp, 'data'), WAQTOR_ADDR: `127.0.0.1:${port}`,
        WAQTOR_BOOTSTRAP_EMAIL: email, WAQTOR_BOOTSTRAP_PASSWORD: password, WAQTOR_METRICS_ADDR: 'off',
        WAQTOR_DASHBOARD_DIR: join(root, 'dist'), WAQTOR_LOG_FORMAT: 'text', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc.stdout.on('data', (d) => { this.output += d; });
    this.proc.stderr.on('data', (d) => { this.output += d; });
    this.proc.on('exit', () => { this.exited = true; });
    await until('the server to be ready', async () => {
      if (this.exited) throw new Error('waqtor exited:\n' + this.output);
      return (await fetch(`${this.base}/readyz`)).ok;
    });
  }

  /** Opens Chromium with a fresh profile; page errors and failed requests are collected for the spec's end. */
  async browser() {
    this.context = await chromium.launchPersistentContext(join(this.tmp, 'chromium-profile'), {
      executablePath: chromiumPath, headless: true,
      logger: { isEnabled: (name) => name === 'browser', log: (_n, _s, msg) => { this.browserLog.push(String(msg)); } },
      viewport: { width: 1280, height: 800 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    this.context.setDefaultTimeout(TIMEOUT);
    const page = this.context.pages()[0] ?? (await this.context.newPage());
    page.on('pageerror', (e) => this.pageErrors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') this.consoleErrors.push(m.text()); });
    page.on('request', () => { this.inflight++; });
    page.on('requestfinished', async (r) => {
      this.inflight--;
      const res = await r.response().catch(() => null);
      if (res && res.status() >= 400) this.failedRequests.push(`${r.method()} ${r.url()}: ${res.status()}`);
    });
    page.on('requestfailed', (r) => { this.inflight--; this.failedRequests.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`); });
    page.on('crash', () => this.browserLog.push('page crashed'));
    this.context.on('close', () => this.browserLog.push('browser context closed'));
    this.page = page;
    return page;
  }

  /** The API as the owner: fetch with the owner's token (logged in on first use). */
  async api(path, init = {}) {
    if (!this.token) {
      const r = await fetch(`${this.base}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email, password }) });
      if (!r.ok) throw new Error(`login: ${r.status} ${await r.text()}`);
      this.token = (await r.json()).token;
    }
    const headers = { Authorization: `Bearer ${this.token}`, ...(init.body ? { 'Content-Type': 'application/json' } : {}), ...init.headers };
    return fetch(`${this.base}${path}`, { ...init, headers });
  }

  /** Creates a session through the API and has the demo phone scan its QR code; returns the session's ID and the
   *  phone number of the first demo contact, once the session is ready. */
  async pairDemoSession(name) {
    const created = await this.api('/api/sessions', { method: 'POST', body: JSON.stringify({ name }) });
    if (created.status !== 201) throw new Error(`create session: ${created.status} ${await created.text()}`);
    const id = (await created.json()).session.id;
    const status = async () => (await (await this.api(`/api/sessions/${id}/status`)).json()).status;
    await until('the session to wait for a scan', async () => (await status()) === 'qr');
    const scan = await this.api(`/api/dev/demo/sessions/${id}/scan`, { method: 'POST' });
    if (scan.status !== 202) throw new Error(`scan: ${scan.status} ${await scan.text()}`);
    await until('the session to be ready', async () => (await status()) === 'ready');
    const contact = (await (await this.api('/api/dev/demo/contacts')).json()).contacts?.[0]?.phone;
    if (!contact) throw new Error('no demo contact');
    return { id, contact };
  }

  /** Logs in through the login page as the owner and waits for the first page. */
  async login(page = this.page) {
    await page.goto(`${this.base}/`);
    await page.getByRole('heading', { name: 'Sign in to WaQtor' }).waitFor();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Sessions' }).waitFor();
  }

  /** Where the page's problems stand now; problemsSince(mark) lists those reported after it. */
  mark() {
    return { errors: this.pageErrors.length, console: this.consoleErrors.length, requests: this.failedRequests.length };
  }

  /** The page errors, console errors and failed requests (including answers >= 400) since mark, as lines. */
  problemsSince(mark) {
    return [
      ...this.pageErrors.slice(mark.errors).map((e) => 'page error: ' + e),
      ...this.consoleErrors.slice(mark.console).map((e) => 'console error: ' + e),
      ...this.failedRequests.slice(mark.requests).map((e) => 'failed request: ' + e),
    ];
  }

  /** Waits until no request of the page is in flight (the page has loaded what it asks for). */
  async settled(timeout = TIMEOUT) {
    await until('the page\'s requests to finish', () => this.inflight <= 0, timeout);
  }

  /** Runs axe-core (pinned in package.json) in the page; returns the serious and critical violations as lines. */
  async axe(page = this.page) {
    // Evaluated through the DevTools protocol, not as a <script>: the page's Content-Security-Policy stays in force.
    axeSource ??= readFileSync(join(root, 'node_modules/axe-core/axe.min.js'), 'utf8');
    if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
    const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')} (${(n.failureSummary ?? '').split('\n').slice(1).join(' ').trim()})`).join(', ')}`));
    return violations;
  }

  /** Writes a full-page screenshot to dashboard/artifacts/<name>.png. */
  async shot(name, page = this.page) {
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
  }

  async close(failed) {
    if (failed) {
      console.error('--- chromium ---\n' + this.browserLog.slice(-60).join('\n'));
      console.error('--- waqtor output ---\n' + this.output.slice(-4000));
    }
    await this.context?.close().catch(() => {});
    if (this.proc && !this.exited) {
      this.proc.kill('SIGTERM');
      await until('waqtor to stop', () => this.exited, 25_000).catch(() => this.proc.kill('SIGKILL'));
    }
    rmSync(this.tmp, { recursive: true, force: true });
  }
}
