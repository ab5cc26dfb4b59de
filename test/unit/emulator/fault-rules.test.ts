import { describe, expect, it } from 'vitest';
import { compileRule, ruleMatches, type FaultRequest } from '../../../src/emulator/fault-rules.js';

const request = (init: Partial<FaultRequest> = {}): FaultRequest => ({
  method: 'POST',
  path: '/channels/111/messages',
  channelId: '111',
  userId: '9',
  userName: 'worker-1',
  ...init,
});

describe('fault rule matching', () => {
  it('matches route patterns written with :name, {name}, * or a concrete id, with or without a method', () => {
    for (const route of [
      'POST /channels/:id/messages',
      '/channels/{channel_id}/messages',
      '/channels/*/messages/',
      'POST /channels/111/messages',
      '/api/v10/channels/:id/messages',
    ]) {
      expect(ruleMatches(compileRule({ errorRate: 1, match: { route } }, 'r'), request())).toBe(true);
    }
    const post = compileRule({ errorRate: 1, match: { route: 'POST /channels/:id/messages' } }, 'r');
    expect(ruleMatches(post, request({ method: 'GET' }))).toBe(false);
    expect(ruleMatches(post, request({ path: '/channels/111/messages/222' }))).toBe(false);
    const concrete = compileRule({ errorRate: 1, match: { route: '/channels/222/messages' } }, 'r');
    expect(ruleMatches(concrete, request())).toBe(false);
  });

  it('matches the user by id or name, and the channel id', () => {
    const byName = compileRule({ dropRate: 1, match: { user: 'worker-1', channelId: '111' } }, 'r');
    expect(ruleMatches(byName, request())).toBe(true);
    expect(ruleMatches(compileRule({ dropRate: 1, match: { user: '9' } }, 'r'), request())).toBe(true);
    expect(ruleMatches(byName, request({ userName: 'worker-2', userId: '8' }))).toBe(false);
    expect(ruleMatches(byName, request({ channelId: '112' }))).toBe(false);
    expect(ruleMatches(byName, request({ userName: undefined, userId: undefined }))).toBe(false);
  });

  it('refuses a method that contradicts the route, naming the keys', () => {
    expect(() => compileRule({ errorRate: 1, match: { method: 'GET', route: 'POST /x' } }, 'r')).toThrow(
      /`match.method`/,
    );
  });
});
