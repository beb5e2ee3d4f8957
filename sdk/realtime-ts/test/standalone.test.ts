// The client against a real standalone WaQtor (build/waqtor, or WAQTOR_BIN) in demo mode, on Node's own WebSocket:
// it connects with a ticket, subscribes, receives an event, and after the connection is dropped (a TCP proxy in
// between cuts it and refuses reconnects for a while) reconnects with a new ticket and resumes from its last event
// ID, receiving what it missed without a resync.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RealtimeClient, type EventFrame, type RealtimeStatus } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const bin = resolve(process.env.WAQTOR_BIN ?? join(here, '../../../build/waqtor'));
const apiKey = 'wq_realtime_ts_test_' + 'k'.repeat(24);

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? res(a.port) : rej(new Error('no port'))));
    });
  });
}

/** Polls fn every 50 ms until it returns true; fails after timeout ms with what it waited for. */
async function until(what: string, fn: () => boolean | Promise<boolean>, timeout = 20_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A TCP proxy to the server whose connections the test can cut, and which can refuse new ones meanwhile. */
class Proxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  refusing = false;
  port = 0;
  constructor(private readonly target: number) {}
  async listen(): Promise<void> {
    this.server = createServer((client) => {
      if (this.refusing) {
        client.destroy();
        return;
      }
      const upstream = connect(this.target, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {});
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    const a = this.server.address();
    this.port = a && typeof a === 'object' ? a.port : 0;
  }
  cut(): void {
    for (const s of this.sockets) s.destroy();
  }
  close(): void {
    this.cut();
    this.server?.close();
  }
}

let proc: ChildProcess;
let base = '';
let tmp = '';
let output = '';
let proxy: Proxy;

beforeAll(async () => {
  if (!existsSync(bin)) throw new Error(`no WaQtor binary at ${bin}: run make build (or set WAQTOR_BIN)`);
  tmp = mkdtempSync(join(tmpdir(), 'waqtor-realtime-ts-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  proc = spawn(bin, [], {
    env: { ...process.env, WAQTOR_WHATSAPP: 'demo', WAQTOR_DATA_DIR: join(tmp, 'data'), WAQTOR_ADDR: `127.0.0.1:${port}`,
      WAQTOR_BOOTSTRAP_API_KEY: apiKey, WAQTOR_METRICS_ADDR: 'off', WAQTOR_LOG_FORMAT: 'text' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout?.on('data', (d) => (output += d));
  proc.stderr?.on('data', (d) => (output += d));
  let exited = false;
  proc.on('exit', () => (exited = true));
  await until('the server to be ready', async () => {
    if (exited) throw new Error('waqtor exited:\n' + output);
    try {
      return (await fetch(`${base}/readyz`)).ok;
    } catch {
      return false;
    }
  });
  proxy = new Proxy(port);
  await proxy.listen();
});

afterAll(() => {
  proxy?.close();
  proc?.kill('SIGTERM');
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(base + path, { ...init, headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' } });
}

it('connects with a ticket, receives events, and resumes after the connection is dropped', async () => {
  const events: EventFrame[] = [];
  const states: RealtimeStatus['state'][] = [];
  let tickets = 0;
  let resyncs = 0;
  const client = new RealtimeClient({
    baseUrl: `http://127.0.0.1:${proxy.port}`,
    getTicket: async () => {
      tickets++;
      const r = await api('/api/realtime/ticket', { method: 'POST' });
      if (r.status !== 201) throw new Error(`ticket: ${r.status}`);
      return (await r.json()) as { ticket: string; url: string };
    },
    subscriptions: [{ topics: ['status'] }],
    onEvent: (f) => events.push(f),
    onResync: () => resyncs++,
    minBackoffMs: 100,
    maxBackoffMs: 500,
  });
  client.onStatus((s) => states.push(s.state));
  client.start();
  try {
    await until('the connection to open', () => client.getStatus().state === 'open');
    const latency = await client.ping();
    expect(latency).toBeGreaterThanOrEqual(0);

    // An event: creating a session starts pairing, which publishes its status.
    const created = await api('/api/sessions', { method: 'POST', body: JSON.stringify({ name: 'realtime-ts' }) });
    expect(created.status).toBe(201);
    const id = ((await created.json()) as { session: { id: string } }).session.id;
    await until('a session.status frame', () => events.some((e) => e.event === 'session.status' && e.sessionId === id));
    const frame = events.find((e) => e.event === 'session.status')!;
    expect(frame.topic).toBe('status');
    expect(frame.id).toMatch(/^evt_/);
    const seen = client.lastEventId;
    expect(seen).toBeDefined();

    // The connection is dropped and reconnects are refused while the session stops: its stopped status is
    // published while the client is away.
    proxy.refusing = true;
    proxy.cut();
    await until('the client to notice', () => client.getStatus().state === 'reconnecting');
    const stop = await api(`/api/sessions/${id}/stop`, { method: 'POST' });
    expect(stop.status).toBe(202);
    await until('the session to be stopped', async () => {
      const r = await api(`/api/sessions/${id}`);
      return ((await r.json()) as { session: { status: string } }).session.status === 'stopped';
    });
    const missedFrom = events.length;
    proxy.refusing = false;

    // Back: a new ticket, subscribed with the last ID seen, and the missed frame arrives.
    await until('the missed stopped status', () =>
      events.slice(missedFrom).some((e) => e.event === 'session.status' && e.sessionId === id && JSON.stringify(e.data).includes('"stopped"')),
    );
    expect(client.getStatus().state).toBe('open');
    expect(tickets).toBeGreaterThanOrEqual(2);
    expect(resyncs).toBe(0);
    expect(states).toContain('reconnecting');
    const ids = events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length); // nothing twice
  } catch (e) {
    // What the client went through, for the failure's reader (event IDs and types only).
    console.log('states', states.join(','), 'tickets', tickets, 'resyncs', resyncs, 'status', JSON.stringify(client.getStatus()));
    console.log(events.map((x) => `${x.id} ${x.event}`).join('\n'));
    throw e;
  } finally {
    client.stop();
  }
});
