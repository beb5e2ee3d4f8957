// A framework-free client of the live feed (docs/realtime.md): runs in browsers and on Node 22's global WebSocket.
// It asks a fresh ticket for every connection, subscribes, resumes with the last event ID after a reconnect,
// reconnects with exponential backoff and full jitter, measures latency with ping frames, and tells the app to
// reload everything on resync.
import { noRetryCloseCodes, parseFrame, type ClientFrame, type ErrorFrame, type EventFrame, type Subscription } from './frames.js';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface RealtimeStatus {
  state: ConnectionState;
  /** The last ping's round trip in milliseconds; null until one is answered on the current connection. */
  latencyMs: number | null;
  /** Failed connections in a row (0 once one opens). */
  attempt: number;
  /** The close code that stopped the client for good (1009, 4029), when that happened. */
  closeCode?: number;
}

/** What POST /api/realtime/ticket answers; `url` is the path to connect to (/ws?ticket=…). */
export interface Ticket {
  ticket: string;
  url?: string;
}

/** The part of the WebSocket API the client uses (the browsers' and Node 22's global one fit). */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketFactory = (url: string) => WebSocketLike;

export interface RealtimeOptions {
  /** Asks the API for a ticket (a new one per connection); the dashboard passes its API client's call. */
  getTicket: () => Promise<Ticket>;
  /** The API's origin (http[s]://host[:port]); the socket URL is the ticket's url on it, with ws[s]. */
  baseUrl: string;
  subscriptions: Subscription[];
  onEvent?: (frame: EventFrame) => void;
  /** The frames after the last seen one are gone (or this is a new server): reload the state through the API. */
  onResync?: () => void;
  onError?: (frame: ErrorFrame) => void;
  /** Every ping frame is sent this often while open (ms); 0 turns the automatic pings off. Default 15 s. */
  pingIntervalMs?: number;
  /** A connection that has not opened after this long (ms) is given up and retried. Default 10 s. */
  connectTimeoutMs?: number;
  /** Backoff bounds (ms): the ceiling starts at minBackoffMs and doubles up to maxBackoffMs. Default 1 s, 30 s. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** For tests: the socket constructor and the random source. */
  webSocket?: WebSocketFactory;
  random?: () => number;
  now?: () => number;
}

/**
 * The delay before reconnect attempt `attempt` (0-based): "full jitter", uniformly random between 0 and a ceiling
 * that starts at `min` and doubles with every attempt up to `max`.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random, min = 1000, max = 30_000): number {
  const ceiling = Math.min(max, min * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/** The ws[s]:// URL for a ticket. */
export function socketURL(baseUrl: string, t: Ticket): string {
  const u = new URL(t.url ?? `/ws?ticket=${encodeURIComponent(t.ticket)}`, baseUrl);
  u.protocol = u.protocol === 'https:' || u.protocol === 'wss:' ? 'wss:' : 'ws:';
  return u.toString();
}

const OPEN = 1;

export class RealtimeClient {
  private readonly opts: RealtimeOptions;
  private status: RealtimeStatus = { state: 'closed', latencyMs: null, attempt: 0 };
  private readonly listeners = new Set<(s: RealtimeStatus) => void>();
  private ws: WebSocketLike | null = null;
  private running = false;
  private generation = 0; // bumps on stop() and on every connection, so late callbacks of an old one do nothing
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private connectTimer: ReturnType<typeof setTimeout> | null = null;
  private lastId: string | undefined;
  private refSeq = 0;
  private readonly pings = new Map<string, { resolve: (ms: number) => void; reject: (e: Error) => void }>();

  constructor(opts: RealtimeOptions) {
    this.opts = opts;
  }

  /** The ID of the last event frame seen: sent as lastId when resubscribing. */
  get lastEventId(): string | undefined {
    return this.lastId;
  }

  getStatus(): RealtimeStatus {
    return this.status;
  }

  /** Calls fn now and on every status change; returns the function that stops it. */
  onStatus(fn: (s: RealtimeStatus) => void): () => void {
    this.listeners.add(fn);
    fn(this.status);
    return () => {
      this.listeners.delete(fn);
    };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.setStatus({ state: 'connecting', latencyMs: null, attempt: 0 });
    void this.connect();
  }

  /** Closes the connection (1000) and stops reconnecting. */
  stop(): void {
    this.running = false;
    this.generation++;
    this.clearTimers();
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      detach(ws);
      try {
        ws.close(1000, 'client stopped');
      } catch {
        /* already closing */
      }
    }
    this.failPings(new Error('the connection closed'));
    this.setStatus({ state: 'closed', latencyMs: null, attempt: 0 });
  }

  /** Sends a ping frame; resolves with the round trip in ms (also reported in the status). */
  ping(): Promise<number> {
    const ws = this.ws;
    if (!ws || ws.readyState !== OPEN || this.status.state !== 'open') return Promise.reject(new Error('not connected'));
    const ref = this.nextRef();
    return new Promise<number>((resolve, reject) => {
      this.pings.set(ref, { resolve, reject });
      this.send({ type: 'ping', ref, ts: this.now() });
    });
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private nextRef(): string {
    this.refSeq = (this.refSeq + 1) % 1e9;
    return String(this.refSeq);
  }

  private setStatus(s: RealtimeStatus) {
    this.status = s;
    for (const fn of [...this.listeners]) fn(s);
  }

  private send(f: ClientFrame) {
    this.ws?.send(JSON.stringify(f));
  }

  private async connect(): Promise<void> {
    const gen = ++this.generation;
    let ticket: Ticket;
    try {
      ticket = await this.opts.getTicket();
    } catch {
      if (gen === this.generation && this.running) this.scheduleReconnect();
      return;
    }
    if (gen !== this.generation || !this.running) return;
    const make = this.opts.webSocket ?? ((url: string) => new WebSocket(url) as unknown as WebSocketLike);
    let ws: WebSocketLike;
    try {
      ws = make(socketURL(this.opts.baseUrl, ticket));
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    // A connection that never opens fails: Node's WebSocket reports a refused or cut handshake with an error and
    // no close event (it stays CONNECTING), and a handshake can hang; both would stall the client forever.
    let opened = false;
    const failed = () => {
      if (gen !== this.generation || opened) return;
      detach(ws);
      this.ws = null;
      this.clearTimers();
      try {
        ws.close();
      } catch {
        /* not open yet */
      }
      if (this.running) this.scheduleReconnect();
    };
    this.connectTimer = setTimeout(failed, this.opts.connectTimeoutMs ?? 10_000);
    ws.onopen = () => {
      if (gen !== this.generation) return;
      opened = true;
      if (this.connectTimer) clearTimeout(this.connectTimer);
      this.connectTimer = null;
      this.setStatus({ state: 'open', latencyMs: null, attempt: 0 });
      for (const s of this.opts.subscriptions) {
        this.send({ type: 'subscribe', ref: this.nextRef(), ...s, ...(this.lastId ? { lastId: this.lastId } : {}) });
      }
      const every = this.opts.pingIntervalMs ?? 15_000;
      if (every > 0) {
        void this.ping().catch(() => {});
        this.pingTimer = setInterval(() => void this.ping().catch(() => {}), every);
      }
    };
    ws.onmessage = (ev) => {
      if (gen !== this.generation || typeof ev.data !== 'string') return;
      this.handle(ev.data);
    };
    ws.onerror = failed; // once open, a close follows an error
    ws.onclose = (ev) => {
      if (gen !== this.generation) return;
      detach(ws);
      this.ws = null;
      this.clearTimers();
      this.failPings(new Error('the connection closed'));
      if (noRetryCloseCodes.has(ev.code)) {
        this.running = false;
        this.setStatus({ state: 'closed', latencyMs: null, attempt: this.status.attempt, closeCode: ev.code });
        return;
      }
      if (this.running) this.scheduleReconnect();
    };
  }

  private handle(text: string) {
    const f = parseFrame(text);
    if (!f) return;
    switch (f.type) {
      case 'event':
        this.lastId = f.id;
        this.opts.onEvent?.(f);
        break;
      case 'pong': {
        const p = f.ref ? this.pings.get(f.ref) : undefined;
        if (!p || !f.ref) break;
        this.pings.delete(f.ref);
        const ms = Math.max(0, this.now() - f.ts);
        this.setStatus({ ...this.status, latencyMs: ms });
        p.resolve(ms);
        break;
      }
      case 'resync':
        this.opts.onResync?.();
        break;
      case 'error':
        this.opts.onError?.(f);
        break;
      case 'ack':
        break;
    }
  }

  private scheduleReconnect() {
    const attempt = this.status.attempt; // 0 after a connection that opened, and at start
    const delay = backoffDelay(attempt, this.opts.random, this.opts.minBackoffMs ?? 1000, this.opts.maxBackoffMs ?? 30_000);
    this.setStatus({ state: 'reconnecting', latencyMs: null, attempt: attempt + 1 });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.running) void this.connect();
    }, delay);
  }

  private clearTimers() {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.retryTimer = null;
    this.pingTimer = null;
    this.connectTimer = null;
  }

  private failPings(e: Error) {
    for (const p of this.pings.values()) p.reject(e);
    this.pings.clear();
  }
}

function detach(ws: WebSocketLike) {
  ws.onopen = null;
  ws.onmessage = null;
  ws.onclose = null;
  ws.onerror = null;
}
