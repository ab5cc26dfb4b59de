/** What REST activity tells the gateway: one record per change, carrying the stored objects it touched. */
import type { StoredChannel, StoredMessage, StoredReaction } from '../models.js';

/** A change in the world that bots may hear about over the gateway. */
export type WorldEvent =
  | { type: 'messageCreate' | 'messageUpdate'; channel: StoredChannel; message: StoredMessage }
  | { type: 'messageDelete'; channel: StoredChannel; messageId: string }
  | { type: 'messageDeleteBulk'; channel: StoredChannel; messageIds: string[] }
  | {
      type: 'reactionAdd' | 'reactionRemove';
      channel: StoredChannel;
      message: StoredMessage;
      userId: string;
      emoji: StoredReaction['emoji'];
    }
  | {
      type: 'reactionRemoveEmoji';
      channel: StoredChannel;
      message: StoredMessage;
      emoji: StoredReaction['emoji'];
    }
  | { type: 'reactionRemoveAll'; channel: StoredChannel; message: StoredMessage }
  | { type: 'threadCreate' | 'threadUpdate' | 'threadDelete'; thread: StoredChannel }
  | { type: 'channelCreate' | 'channelUpdate' | 'channelDelete'; channel: StoredChannel };
