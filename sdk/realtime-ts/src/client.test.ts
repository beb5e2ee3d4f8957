import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, RealtimeClient, socketURL, type RealtimeOptions, type Ticket, type WebSocketLike } from './client.js';
import type { ClientFrame, ServerFrame } from './frames.js';

/** An in-memory WebSocket: the test opens, closes and feeds it frames, and reads what the client sent. */
class FakeSocket implements WebSocketLike {
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  sent: ClientFrame[] = [];
  closedWith: number | undefined;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data) as ClientFrame);
  }
  close(code?: number) {
    this.closedWith = code;
    this.readyState = 3;
  }
  // Test side.
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(f: ServerFrame) {
    this.onmessage?.({ data: JSON.stringify(f) });
  }
  serverClose(code: number) {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
}

function setup(extra: Partial<RealtimeOptions> = {}) {
  const sockets: FakeSocket[] = [];
  let n = 0;
  const getTicket = vi.fn(async (): Promise<Ticket> => {
    n++;
    return { ticket: `rtk_${n}`, url: `/ws?ticket=rtk_${n}` };
  });
  const client = new RealtimeClient({
    baseUrl: 'http://api.test:8080',
    getTicket,
    subscriptions: [{ topics: ['status', 'messages'] }, { topics: ['messages'], sessionId: 'ses_1' }],
    pingIntervalMs: 0,
    webSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    ...extra,
  });
  /** Waits for the n-th socket (the ticket is fetched asynchronously first). */
  const socket = async (i: number) => {
    for (let k = 0; k < 10 && sockets.length <= i; k++) await Promise.resolve();
    if (sockets.length <= i) throw new Error(`socket ${i} was not opened`);
    return sockets[i]!;
  };
  return { client, sockets, socket, getTicket };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('backoffDelay', () => {
  it('stays between 0 and a ceiling that doubles from 1 s up to 30 s', () => {
    const ceilings = [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000];
    ceilings.forEach((ceiling, attempt) => {
      expect(backoffDelay(attempt, () => 0)).toBe(0);
      expect(backoffDelay(attempt, () => 0.999999)).toBe(ceiling - 1);
      expect(backoffDelay(attempt, () => 0.5)).toBe(ceiling / 2);
    });
    expect(backoffDelay(1000, () => 0.999999)).toBeLessThan(30000);
  });

  it('is jittered: random draws spread over the whole range', () => {
    const draws = Array.from({ length: 2000 }, () => backoffDelay(5));
    for (const d of draws) {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(30000);
    }
    expect(Math.min(...draws)).toBeLessThan(3000);
    expect(Math.max(...draws)).toBeGreaterThan(27000);
    expect(new Set(draws).size).toBeGreaterThan(1000);
  });
});

describe('socketURL', () => {
  it('turns the ticket path into a ws or wss URL on the API origin', () => {
    expect(socketURL('http://h:8080', { ticket: 'rtk_a', url: '/ws?ticket=rtk_a' })).toBe('ws://h:8080/ws?ticket=rtk_a');
    expect(socketURL('https://h', { ticket: 'rtk_a+/' })).toBe('wss://h/ws?ticket=rtk_a%2B%2F');
  });
});

describe('RealtimeClient', () => {
  it('subscribes on open, and after a drop resubscribes with a new ticket and the last event ID', async () => {
    const events: string[] = [];
    const { client, socket, getTicket } = setup({ random: () => 0.5, onEvent: (f) => events.push(f.id) });
    const states: string[] = [];
    client.onStatus((s) => states.push(s.state));
    client.start();
    const s0 = await socket(0);
    expect(s0.url).toBe('ws://api.test:8080/ws?ticket=rtk_1');
    s0.open();
    expect(s0.sent).toEqual([
      { type: 'subscribe', ref: '1', topics: ['status', 'messages'] },
      { type: 'subscribe', ref: '2', topics: ['messages'], sessionId: 'ses_1' },
    ]);
    s0.receive({ type: 'ack', ref: '1', op: 'subscribe', topics: ['messages', 'status'] });
    s0.receive({ type: 'event', topic: 'status', event: 'session.status', id: 'evt_1', time: 't', sessionId: 'ses_1', data: { status: 'ready' } });
    s0.receive({ type: 'event', topic: 'messages', event: 'message.delivered', id: 'evt_2', time: 't', data: {} });
    expect(events).toEqual(['evt_1', 'evt_2']);

    s0.serverClose(4000); // no pong: reconnect after the first backoff (ceiling 1 s, random 0.5 → 500 ms)
    expect(client.getStatus()).toMatchObject({ state: 'reconnecting', attempt: 1 });
    await vi.advanceTimersByTimeAsync(499);
    expect(getTicket).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    const s1 = await socket(1);
    expect(getTicket).toHaveBeenCalledTimes(2);
    expect(s1.url).toBe('ws://api.test:8080/ws?ticket=rtk_2');
    s1.open();
    expect(s1.sent).toEqual([
      { type: 'subscribe', ref: '3', topics: ['status', 'messages'], lastId: 'evt_2' },
      { type: 'subscribe', ref: '4', topics: ['messages'], sessionId: 'ses_1', lastId: 'evt_2' },
    ]);
    expect(states).toEqual(['closed', 'connecting', 'open', 'reconnecting', 'open']);
    client.stop();
    expect(s1.closedWith).toBe(1000);
    expect(client.getStatus().state).toBe('closed');
  });

  it('backs off further with every failed attempt, and starts over once a connection opens', async () => {
    const { client, socket, sockets } = setup({ random: () => 0.999 });
    client.start();
    const delays = [999, 1998, 3996, 7992, 15984, 29970, 29970];
    let s = await socket(0);
    for (let i = 0; i < delays.length; i++) {
      s.serverClose(1006);
      expect(client.getStatus()).toMatchObject({ state: 'reconnecting', attempt: i + 1 });
      await vi.advanceTimersByTimeAsync(delays[i]! - 1);
      expect(sockets).toHaveLength(i + 1);
      await vi.advanceTimersByTimeAsync(1);
      s = await socket(i + 1);
    }
    s.open();
    expect(client.getStatus()).toMatchObject({ state: 'open', attempt: 0 });
    s.serverClose(1001);
    expect(client.getStatus()).toMatchObject({ state: 'reconnecting', attempt: 1 });
    client.stop();
  });

  it('retries a connection that errors without a close (Node) or never opens', async () => {
    const { client, socket, sockets } = setup({ random: () => 0, connectTimeoutMs: 5000 });
    client.start();
    let s = await socket(0);
    s.onerror?.({}); // Node's WebSocket on a refused handshake: an error, no close, still CONNECTING
    expect(client.getStatus()).toMatchObject({ state: 'reconnecting', attempt: 1 });
    await vi.advanceTimersByTimeAsync(0);
    s = await socket(1);
    await vi.advanceTimersByTimeAsync(4999); // a handshake that hangs
    expect(sockets).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(client.getStatus()).toMatchObject({ state: 'reconnecting', attempt: 2 });
    await vi.advanceTimersByTimeAsync(1);
    s = await socket(2);
    s.open();
    expect(client.getStatus()).toMatchObject({ state: 'open', attempt: 0 });
    await vi.advanceTimersByTimeAsync(60_000); // an open connection is not timed out
    expect(client.getStatus().state).toBe('open');
    expect(sockets).toHaveLength(3);
    client.stop();
  });

  it('retries when the ticket cannot be had', async () => {
    let fail = true;
    const { client, socket, getTicket } = setup({ random: () => 0 });
    getTicket.mockImplementation(async () => {
      if (fail) throw new Error('network');
      return { ticket: 'rtk_ok' };
    });
    client.start();
    for (let k = 0; k < 10; k++) await Promise.resolve();
    expect(client.getStatus().state).toBe('reconnecting');
    fail = false;
    await vi.advanceTimersByTimeAsync(0);
    const s = await socket(0);
    expect(s.url).toBe('ws://api.test:8080/ws?ticket=rtk_ok');
    client.stop();
  });

  it('does not reconnect after 4029 or 1009 (the client must be fixed)', async () => {
    for (const code of [4029, 1009]) {
      const { client, socket, getTicket } = setup();
      client.start();
      const s = await socket(0);
      s.open();
      s.serverClose(code);
      expect(client.getStatus()).toMatchObject({ state: 'closed', closeCode: code });
      await vi.advanceTimersByTimeAsync(60_000);
      expect(getTicket).toHaveBeenCalledTimes(1);
    }
  });

  it('calls onResync on a resync frame', async () => {
    const onResync = vi.fn();
    const { client, socket } = setup({ onResync });
    client.start();
    const s = await socket(0);
    s.open();
    expect(onResync).not.toHaveBeenCalled();
    s.receive({ type: 'ack', ref: '1', op: 'subscribe', topics: ['status'] });
    s.receive({ type: 'resync', reason: 'the frames after lastId are no longer in the recent window' });
    expect(onResync).toHaveBeenCalledTimes(1);
    client.stop();
  });

  it('measures latency from ping to the pong echoing its ref and ts', async () => {
    const { client, socket } = setup({ pingIntervalMs: 10_000 });
    client.start();
    const s = await socket(0);
    s.open();
    const first = s.sent.find((f) => f.type === 'ping');
    expect(first).toMatchObject({ type: 'ping', ts: Date.now() });
    await vi.advanceTimersByTimeAsync(42);
    if (first?.type !== 'ping') throw new Error('no ping');
    s.receive({ type: 'pong', ref: first.ref!, ts: first.ts, time: 'x' });
    expect(client.getStatus()).toMatchObject({ state: 'open', latencyMs: 42 });
    // A pong for a ping that was not sent changes nothing.
    s.receive({ type: 'pong', ref: 'other', ts: 0, time: 'x' });
    expect(client.getStatus().latencyMs).toBe(42);
    // The next automatic ping, and ping() itself.
    await vi.advanceTimersByTimeAsync(10_000 - 42);
    expect(s.sent.filter((f) => f.type === 'ping')).toHaveLength(2);
    const p = client.ping();
    const third = s.sent.at(-1);
    if (third?.type !== 'ping') throw new Error('no ping');
    await vi.advanceTimersByTimeAsync(7);
    s.receive({ type: 'pong', ref: third.ref!, ts: third.ts, time: 'x' });
    await expect(p).resolves.toBe(7);
    expect(client.getStatus().latencyMs).toBe(7);
    client.stop();
    await expect(client.ping()).rejects.toThrow('not connected');
  });

  it('ignores frames it cannot parse, and reports error frames', async () => {
    const onError = vi.fn();
    const onEvent = vi.fn();
    const { client, socket } = setup({ onError, onEvent });
    client.start();
    const s = await socket(0);
    s.open();
    s.onmessage?.({ data: 'not json' });
    s.onmessage?.({ data: '{"type":"event"}' });
    s.receive({ type: 'error', ref: '1', code: 'forbidden_topic', message: 'no' });
    expect(onEvent).not.toHaveBeenCalled();
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'forbidden_topic' }));
    expect(client.lastEventId).toBeUndefined();
    client.stop();
  });
});
