// The live feed's frames as docs/realtime.md defines them (shared/realtime is the server side).

export type Topic = 'status' | 'messages' | 'campaigns' | 'smartbot' | 'notifications';

/** One subscribe frame's worth: topics, optionally narrowed to one session or one campaign. */
export interface Subscription {
  topics: Topic[];
  sessionId?: string;
  campaignId?: string;
}

// Client → server.
export interface SubscribeFrame extends Subscription {
  type: 'subscribe';
  ref?: string;
  lastId?: string;
}
export interface UnsubscribeFrame {
  type: 'unsubscribe';
  ref?: string;
  topics: Topic[];
}
export interface PingFrame {
  type: 'ping';
  ref?: string;
  ts: number;
}
export type ClientFrame = SubscribeFrame | UnsubscribeFrame | PingFrame;

// Server → client.
/** An event exactly as published: `event` and `data` are the catalog's type and payload (the webhooks' `data`). */
export interface EventFrame {
  type: 'event';
  topic: Topic;
  event: string;
  id: string;
  time: string;
  sessionId?: string;
  data: unknown;
}
export interface AckFrame {
  type: 'ack';
  ref?: string;
  op: 'subscribe' | 'unsubscribe';
  topics: Topic[];
}
export interface PongFrame {
  type: 'pong';
  ref?: string;
  ts: number;
  time: string;
}
export type ErrorCode =
  | 'malformed_json'
  | 'frame_too_large'
  | 'unknown_type'
  | 'unknown_topic'
  | 'invalid_frame'
  | 'forbidden_topic'
  | 'rate_limited';
export interface ErrorFrame {
  type: 'error';
  ref?: string;
  code: ErrorCode | (string & {});
  message: string;
}
/** The frames after lastId are gone from the server's window: reload the state through the API. */
export interface ResyncFrame {
  type: 'resync';
  reason: string;
}
export type ServerFrame = EventFrame | AckFrame | PongFrame | ErrorFrame | ResyncFrame;

const serverTypes = new Set(['event', 'ack', 'pong', 'error', 'resync']);

/** Parses one text message from the server; null when it is not a frame of a known type. */
export function parseFrame(text: string): ServerFrame | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const t = (v as { type?: unknown }).type;
  if (typeof t !== 'string' || !serverTypes.has(t)) return null;
  if (t === 'event') {
    const e = v as Partial<EventFrame>;
    if (typeof e.id !== 'string' || typeof e.event !== 'string' || typeof e.topic !== 'string') return null;
  }
  return v as ServerFrame;
}

/** Close codes after which the client does not reconnect by itself (docs/realtime.md: "fix the client"). */
export const noRetryCloseCodes: ReadonlySet<number> = new Set([1009, 4029]);
