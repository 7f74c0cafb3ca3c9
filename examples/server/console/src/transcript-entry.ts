import type { Message } from '@parlor/core/protocol';
import type { TranscriptEntry } from './console-selectors.js';
import type { PendingReply } from './console-store.js';
import { element, setChildren } from './element.js';
import { formatBytes, formatClock, formatDateTime } from './formatters.js';
import { linkifyText, makeExternalLink, safeHref } from './linkify-text.js';

/** Who is who in the transcript, for author labels. */
export interface EntryContext {
  visitorName: string;
  agentId: string | undefined;
  now: number;
  retry(id: string): void;
  discard(id: string): void;
}

const rendered = new WeakMap<HTMLElement, Message | PendingReply>();

/** The label of a message's author. */
export function authorLabel(message: Message, context: Pick<EntryContext, 'visitorName' | 'agentId'>): string {
  const { role, name, id } = message.author;
  if (role === 'visitor') return context.visitorName;
  if (role === 'agent')
    return id !== undefined && id === context.agentId ? `${name ?? 'Agent'} (you)` : (name ?? 'Agent');
  if (role === 'bot') return name ?? 'Bot';
  return 'System';
}

/** A message body as elements: linkified text, or a download link for an attachment. */
export function renderBody(body: Message['body']): HTMLElement[] {
  if (body.kind === 'text') {
    const paragraph = element('p', { className: 'msg-text' });
    paragraph.append(linkifyText(body.text));
    return [paragraph];
  }
  const base = typeof location === 'undefined' ? undefined : location.href;
  const href = body.url !== undefined ? safeHref(body.url, base) : null;
  const details = element('span', { className: 'msg-file-details' }, ` (${body.mime}, ${formatBytes(body.size)})`);
  let file: HTMLElement;
  if (href && !href.startsWith('mailto:')) {
    const link = makeExternalLink(element('a', { className: 'msg-file' }), href);
    link.download = body.name;
    link.textContent = `Download ${body.name}`;
    file = link;
  } else {
    file = element('span', { className: 'msg-file' }, `${body.name} (not available)`);
  }
  const parts = [element('p', { className: 'msg-attachment' }, file, details)];
  if (body.caption) {
    const caption = element('p', { className: 'msg-text' });
    caption.append(linkifyText(body.caption));
    parts.push(caption);
  }
  return parts;
}

function quickReplyList(values: readonly string[] | undefined): HTMLElement | false {
  if (!values || values.length === 0) return false;
  return element(
    'div',
    { className: 'quick-replies' },
    element('span', { className: 'quick-replies-label' }, 'Quick replies:'),
    element('ul', {}, ...values.map((value) => element('li', {}, value))),
  );
}

function fillMessage(node: HTMLElement, message: Message, context: EntryContext): void {
  node.className = `msg msg--${message.author.role}${message.proactive ? ' msg--proactive' : ''}`;
  const time = element(
    'time',
    { attrs: { datetime: new Date(message.at).toISOString(), title: formatDateTime(message.at) } },
    formatClock(message.at, context.now),
  );
  setChildren(
    node,
    element(
      'p',
      { className: 'msg-meta' },
      element('span', { className: 'msg-author' }, authorLabel(message, context)),
      message.proactive ? element('span', { className: 'msg-tag' }, 'proactive') : false,
      time,
    ),
    ...renderBody(message.body),
    quickReplyList(message.quickReplies),
    element('p', { className: 'seen', attrs: { hidden: true } }, 'Seen'),
  );
}

function fillPending(node: HTMLElement, reply: PendingReply, context: EntryContext): void {
  node.className = `msg msg--agent msg--pending${reply.status === 'failed' ? ' msg--failed' : ''}`;
  const status =
    reply.status === 'failed'
      ? element(
          'div',
          { className: 'pending-status' },
          element('p', { className: 'error-text' }, `Not sent: ${reply.error ?? 'unknown error'}`),
          element('button', { attrs: { type: 'button' }, on: { click: () => context.retry(reply.id) } }, 'Retry'),
          element('button', { attrs: { type: 'button' }, on: { click: () => context.discard(reply.id) } }, 'Discard'),
        )
      : element('p', { className: 'pending-status' }, 'Sending…');
  setChildren(
    node,
    element('p', { className: 'msg-meta' }, element('span', { className: 'msg-author' }, 'You')),
    ...renderBody(reply.body),
    quickReplyList(reply.quickReplies),
    status,
  );
}

/** Creates the element of a transcript entry (filled by {@link updateEntry}). */
export function createEntry(entry: TranscriptEntry): HTMLElement {
  return element('article', { className: entry.kind === 'message' ? 'msg' : 'msg msg--pending' });
}

/** Fills or refreshes an entry's element; content is rebuilt only when the message or reply changed. */
export function updateEntry(node: HTMLElement, entry: TranscriptEntry, context: EntryContext): void {
  const data = entry.kind === 'message' ? entry.message : entry.reply;
  if (rendered.get(node) !== data) {
    rendered.set(node, data);
    if (entry.kind === 'message') fillMessage(node, entry.message, context);
    else fillPending(node, entry.reply, context);
  }
  if (entry.kind === 'message') {
    const seen = node.querySelector<HTMLElement>('.seen');
    if (seen) seen.hidden = !entry.seen;
  }
}
