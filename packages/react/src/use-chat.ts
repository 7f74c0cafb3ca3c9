'use client';
import { ParlorError, type ChatClient, type ChatState } from '@parlor/core';
import { useCallback, useContext, useMemo, useSyncExternalStore } from 'react';
import { ChatClientContext } from './chat-provider.js';

/** What {@link useChat} offers besides the state: the client's actions, bound to it. */
export type ChatActions = Pick<
  ChatClient,
  | 'send'
  | 'sendFile'
  | 'retry'
  | 'discard'
  | 'markRead'
  | 'setTyping'
  | 'loadOlder'
  | 'connect'
  | 'disconnect'
  | 'identify'
  | 'logout'
  | 'setContext'
  | 'setConsent'
>;

/** What {@link useChat} returns: the state snapshot's fields, the actions, and the client itself. */
export type UseChatResult = ChatState & ChatActions & { readonly client: ChatClient };

/**
 * The chat's state for a custom UI, re-rendering when it changes (through `useSyncExternalStore`), with the
 * actions to change it. Reads the client of the nearest {@link ChatProvider}, or the one passed in. Subscribing
 * is what brings back a returning visitor's conversation; nothing connects until the visitor acts (`send`,
 * `connect`) unless the client is eager.
 *
 * On the server, and while hydrating, it renders the client's state as it was created, so the markup matches.
 *
 * @param client - A client to read instead of the provided one.
 * @example
 * ```tsx
 * function MyChat() {
 *   const { items, connection, send } = useChat();
 *   const [text, setText] = useState('');
 *   return (
 *     <form onSubmit={(e) => { e.preventDefault(); void send(text); setText(''); }}>
 *       {items.map((item) => {
 *         const body = item.kind === 'stored' ? item.message.body : item.body;
 *         return <p key={item.id}>{body.kind === 'text' ? body.text : body.name}</p>;
 *       })}
 *       <input value={text} onChange={(e) => setText(e.target.value)} disabled={connection.status === 'stopped'} />
 *     </form>
 *   );
 * }
 * ```
 */
export function useChat(client?: ChatClient): UseChatResult {
  const provided = useContext(ChatClientContext);
  const target = client ?? provided;
  if (!target) throw new ParlorError('invalid_options', 'useChat() needs a client: render it inside <ChatProvider>');
  const subscribe = useCallback((onChange: () => void) => target.subscribe(onChange), [target]);
  const snapshot = useCallback(() => target.getSnapshot(), [target]);
  const state = useSyncExternalStore(subscribe, snapshot, snapshot);
  const actions = useMemo(() => bind(target), [target]);
  return useMemo(() => ({ ...state, ...actions, client: target }), [state, actions, target]);
}

/** The client's actions as functions that can be passed around (`onClick={markRead}`). */
function bind(client: ChatClient): ChatActions {
  return {
    send: (text) => client.send(text),
    sendFile: (file, options) => client.sendFile(file, options),
    retry: (id) => client.retry(id),
    discard: (id) => client.discard(id),
    markRead: () => client.markRead(),
    setTyping: (on) => client.setTyping(on),
    loadOlder: () => client.loadOlder(),
    connect: () => client.connect(),
    disconnect: () => client.disconnect(),
    identify: (auth) => client.identify(auth),
    logout: () => client.logout(),
    setContext: (context) => client.setContext(context),
    setConsent: (consent) => client.setConsent(consent),
  };
}
