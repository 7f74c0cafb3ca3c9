import { formatPercent, formatPlural } from '../format.js';
import type { ParlorStrings } from '../strings.js';

/** English strings: the default, and the fallback for anything another locale or a site leaves out. */
export const en: ParlorStrings = {
  launcherLabel: 'Chat with us',
  launcherLabelUnread: (count) =>
    formatPlural(count, 'en', {
      one: 'Chat with us, # unread message',
      other: 'Chat with us, # unread messages',
    }),
  panelTitle: 'Support',
  close: 'Close chat',
  composerPlaceholder: 'Write a message…',
  send: 'Send',
  attachFile: 'Attach a file',
  typing: (name) => (name ? `${name} is typing…` : 'Typing…'),
  you: 'You',
  agentLabel: 'Agent',
  botLabel: 'Virtual assistant',
  statusSending: 'Sending…',
  statusSent: 'Sent',
  statusRead: 'Read',
  statusFailed: 'Not sent',
  retry: 'Try again',
  discard: 'Discard',
  loadOlder: 'Load older messages',
  offlineBanner: 'You’re offline — your messages will be sent when you’re back',
  reconnectingBanner: 'Reconnecting…',
  onlineBanner: 'You’re back online',
  newMessageAnnouncement: (name, text) => `New message from ${name}: ${text}`,
  awayTitle: 'We’re away right now',
  awayEmailLabel: 'Leave your email and we’ll get back to you',
  preChatNameLabel: 'Name',
  preChatEmailLabel: 'Email',
  preChatStart: 'Start chat',
  greetingDismiss: 'Dismiss greeting',
  fileTooLarge: (maxSize) => `This file is too large. The maximum size is ${maxSize}.`,
  fileTypeNotAllowed: 'This type of file can’t be sent.',
  uploadProgress: (percent) => `Uploading ${formatPercent(percent, 'en')}`,
  quickRepliesLabel: 'Suggested replies',
  poweredBy: 'Powered by Parlor',
  genericError: 'Something went wrong. Please try again.',
};
