import { describe, expect, it } from 'vitest';
import type { EventFrame } from '@waqtor/realtime';
import { eventTypes, filterEvents, initialMonitor, monitorReducer, type MonitorState } from './monitor';

const frame = (id: string, event = 'message.received', sessionId = 'ses_a'): EventFrame => ({
  type: 'event', topic: event.startsWith('session') ? 'status' : 'messages', event, id, time: '2026-12-03T10:00:00Z',
  sessionId, data: {},
});
const feed = (s: MonitorState, ...frames: EventFrame[]) =>
  frames.reduce((st, f) => monitorReducer(st, { type: 'event', frame: f }), s);

describe('monitorReducer', () => {
  it('keeps the newest first, bounded, and each event once', () => {
    let s = feed(initialMonitor(3), frame('1'), frame('2'), frame('3'), frame('4'));
    expect(s.events.map((e) => e.id)).toEqual(['4', '3', '2']);
    s = feed(s, frame('4'));
    expect(s.events.map((e) => e.id)).toEqual(['4', '3', '2']);
  });
  it('holds what arrives while paused, without growing the list, and shows it on resume', () => {
    let s = feed(initialMonitor(5), frame('1'));
    s = monitorReducer(s, { type: 'pause' });
    s = feed(s, frame('2'), frame('3'));
    expect(s.events.map((e) => e.id)).toEqual(['1']);
    expect(s.held).toHaveLength(2);
    s = monitorReducer(s, { type: 'resume' });
    expect(s.paused).toBe(false);
    expect(s.held).toHaveLength(0);
    expect(s.events.map((e) => e.id)).toEqual(['3', '2', '1']);
  });
  it('bounds the held events too, and clear empties both', () => {
    let s = monitorReducer(initialMonitor(2), { type: 'pause' });
    s = feed(s, frame('1'), frame('2'), frame('3'));
    expect(s.held.map((e) => e.id)).toEqual(['3', '2']);
    s = monitorReducer(s, { type: 'clear' });
    expect(s.events).toEqual([]);
    expect(s.held).toEqual([]);
    expect(s.paused).toBe(true);
  });
});

describe('filterEvents', () => {
  const list = [frame('1', 'message.received', 'ses_a'), frame('2', 'session.status', 'ses_b'), frame('3', 'message.sent', 'ses_b')];
  it('filters by types and session', () => {
    expect(filterEvents(list, { types: [], sessionId: '' })).toHaveLength(3);
    expect(filterEvents(list, { types: ['message.sent', 'message.received'], sessionId: '' }).map((e) => e.id)).toEqual(['1', '3']);
    expect(filterEvents(list, { types: [], sessionId: 'ses_b' }).map((e) => e.id)).toEqual(['2', '3']);
    expect(filterEvents(list, { types: ['message.received'], sessionId: 'ses_b' })).toEqual([]);
  });
  it('lists the distinct types', () => {
    expect(eventTypes(list)).toEqual(['message.received', 'message.sent', 'session.status']);
  });
});
