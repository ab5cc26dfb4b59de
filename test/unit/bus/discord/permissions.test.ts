import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import {
  describePermissionProblems,
  effectivePermissions,
  type PermissionInput,
} from '../../../../src/bus/discord/permissions.js';

const GUILD = '100';
const base = (over: Partial<PermissionInput> = {}): PermissionInput => ({
  guildId: GUILD,
  ownerId: '1',
  roles: new Map([
    [GUILD, P.ViewChannel | P.SendMessages | P.ReadMessageHistory],
    ['200', P.ManageThreads | P.AttachFiles],
    ['300', P.Administrator],
  ]),
  userId: '42',
  memberRoles: ['200'],
  overwrites: [],
  ...over,
});

describe('effectivePermissions', () => {
  it('unites @everyone and the member roles', () => {
    const perms = effectivePermissions(base());
    expect(perms & P.ManageThreads).toBe(P.ManageThreads);
    expect(perms & P.SendMessages).toBe(P.SendMessages);
    expect(perms & P.AddReactions).toBe(0n);
  });

  it('gives the owner and administrators everything, overwrites notwithstanding', () => {
    const deny = [{ id: GUILD, type: 0, allow: 0n, deny: P.ViewChannel }];
    expect(effectivePermissions(base({ userId: '1', overwrites: deny })) & P.ManageThreads).toBe(
      P.ManageThreads,
    );
    expect(effectivePermissions(base({ memberRoles: ['300'], overwrites: deny })) & P.ViewChannel).toBe(
      P.ViewChannel,
    );
  });

  it('applies @everyone, then role denies and allows, then the member overwrite', () => {
    const overwrites = [
      { id: GUILD, type: 0, allow: P.AddReactions, deny: P.SendMessages },
      { id: '200', type: 0, allow: P.SendMessages, deny: P.ManageThreads },
      { id: '42', type: 1, allow: P.ManageThreads, deny: P.AddReactions },
    ];
    const perms = effectivePermissions(base({ overwrites }));
    expect(perms & P.SendMessages).toBe(P.SendMessages); // role allow beats @everyone deny
    expect(perms & P.ManageThreads).toBe(P.ManageThreads); // member allow beats role deny
    expect(perms & P.AddReactions).toBe(0n); // member deny beats @everyone allow
  });

  it('without View Channel nothing applies; without Send Messages, Attach Files is lost too', () => {
    expect(
      effectivePermissions(base({ overwrites: [{ id: '42', type: 1, allow: 0n, deny: P.ViewChannel }] })),
    ).toBe(0n);
    const mute = effectivePermissions(
      base({ overwrites: [{ id: '42', type: 1, allow: 0n, deny: P.SendMessages }] }),
    );
    expect(mute & P.AttachFiles).toBe(0n);
    expect(mute & P.ManageThreads).toBe(P.ManageThreads);
  });

  it('describes a problem with the config key, the missing permission and the fix', () => {
    expect(
      describePermissionProblems(
        [{ key: 'TASK_QUEUE_CHANNEL', channelId: '7', missing: ['Manage Threads'] }],
        'bot x',
      ),
    ).toEqual([
      "TASK_QUEUE_CHANNEL: bot x lacks Manage Threads in channel 7; grant it in the channel's permissions (or the bot's role) and start again",
    ]);
  });
});
