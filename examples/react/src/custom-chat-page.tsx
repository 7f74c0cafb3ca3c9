import { ChatProvider, useChat, useChatClient, type TimelineItem } from '@parlor/react';
import { useEffect, useState, type FormEvent } from 'react';
import { PARLOR } from './config.ts';

/** A support page with its own chat UI: one client for the page, shared through ChatProvider. */
export function CustomChatPage({ onUnread }: { onUnread: (count: number) => void }) {
  const client = useChatClient({ siteId: PARLOR.siteId, server: PARLOR.server });
  return (
    <main className="chat-page">
      <h1>Support</h1>
      <ChatProvider client={client}>
        <ConnectionLine />
        <Conversation onUnread={onUnread} />
        <Composer />
      </ChatProvider>
    </main>
  );
}

function ConnectionLine() {
  const { connection, presence, site } = useChat();
  const text =
    connection.status === 'open'
      ? `Connected — agents are ${presence}`
      : connection.status === 'idle'
        ? 'Write to start a conversation.'
        : connection.status === 'stopped'
          ? `Chat unavailable: ${connection.message}`
          : 'Reconnecting… messages you write are kept and sent when back.';
  return (
    <p className="status" role="status">
      {site?.name ? `${site.name}: ` : ''}
      {text}
    </p>
  );
}

function Conversation({ onUnread }: { onUnread: (count: number) => void }) {
  const { items, typing, unread, markRead, retry } = useChat();
  useEffect(() => {
    onUnread(unread);
    if (unread > 0 && document.visibilityState === 'visible') markRead(); // this page shows every message
  }, [unread, markRead, onUnread]);
  return (
    <ol className="log" aria-live="polite">
      {items.map((item) => (
        <Entry key={item.id} item={item} onRetry={() => void retry(item.id)} />
      ))}
      {typing && <li className="typing">{typing.name ?? 'Support'} is typing…</li>}
    </ol>
  );
}

function Entry({ item, onRetry }: { item: TimelineItem; onRetry: () => void }) {
  const body = item.kind === 'stored' ? item.message.body : item.body;
  const role = item.kind === 'stored' ? item.message.author.role : 'visitor';
  const text = body.kind === 'text' ? body.text : `📎 ${body.name}`;
  return (
    <li className={role}>
      {text}
      {item.kind === 'pending' &&
        (item.state === 'failed' ? (
          <button type="button" onClick={onRetry}>
            Not sent — retry
          </button>
        ) : (
          <small> sending…</small>
        ))}
    </li>
  );
}

function Composer() {
  const { send, setTyping, limits } = useChat();
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!text.trim()) return;
    setError(null);
    send(text).then(
      () => setText(''),
      (e: Error) => setError(e.message),
    );
    setTyping(false);
  };
  return (
    <form onSubmit={submit}>
      <input
        aria-label="Your message"
        value={text}
        maxLength={limits?.maxTextLength}
        onChange={(e) => {
          setText(e.target.value);
          setTyping(e.target.value.length > 0);
        }}
      />
      <button type="submit">Send</button>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}
