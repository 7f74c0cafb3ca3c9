import { withinBusinessHours } from './business-hours.js';
import type { SiteConfig } from './config.js';

/** A message an auto-responder wants to send, as the bot. */
export interface BotReply {
  /** Stable per conversation (e.g. `bot:greeting`), so a retry or a second process never sends it twice. */
  id: string;
  text: string;
  quickReplies?: string[];
}

/** What a responder is told about a visitor message that was just stored. */
export interface ResponderInput {
  site: SiteConfig;
  conversation: { id: string; lastAgentSeq: number };
  /** The stored visitor message's seq. */
  seq: number;
  /** True for the first visitor message of the conversation. */
  first: boolean;
  now: number;
}

/**
 * The bot hook: called after every stored visitor message; its replies are stored and delivered as
 * ordinary `bot` messages. Replace it to plug in a real bot.
 */
export interface Responder {
  readonly name: string;
  respond(input: ResponderInput): Promise<BotReply[]>;
}

/**
 * The built-in responder: the site's greeting after a conversation's first visitor message unless an
 * agent already wrote in it (a proactive message is the greeting then), and the away message when that
 * message arrives outside business hours while no agent has answered yet.
 */
export const greetingResponder: Responder = {
  name: 'Parlor',
  async respond({ site, conversation, seq, first, now }) {
    const replies: BotReply[] = [];
    if (first && conversation.lastAgentSeq === 0 && site.greeting)
      replies.push({ id: 'bot:greeting', text: site.greeting });
    if (conversation.lastAgentSeq === 0 && !withinBusinessHours(site, now) && site.awayMessage) {
      // One away note per visitor message that opens a conversation or follows no agent reply; keyed by
      // seq so it is idempotent.
      if (first) replies.push({ id: `bot:away:${seq}`, text: site.awayMessage });
    }
    return replies;
  },
};
