import type { ExportFormat } from './agent-api.js';
import type { ConversationStatus, MyPresence, Section } from './console-store.js';

/** What the views ask for; `main.ts` turns these into frames, requests and store actions. */
export interface ConsoleIntents {
  signIn(token: string): void;
  signOut(): void;
  showSection(section: Section): void;
  setFilter(filter: ConversationStatus): void;
  openConversation(id: string): void;
  loadOlder(): void;
  /** Sends a reply in the open conversation. */
  sendReply(text: string, quickReplies: string[]): void;
  retryReply(id: string): void;
  discardReply(id: string): void;
  /** The agent typed in the reply box. */
  typing(): void;
  setStatus(status: 'open' | 'closed'): void;
  exportTranscript(format: ExportFormat): Promise<void>;
  setPresence(status: MyPresence): void;
  setSound(on: boolean): void;
  sendProactive(visitor: string, text: string): void;
  loadStats(site: string): void;
  dismissNotice(): void;
}
