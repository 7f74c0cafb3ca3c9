'use client';
import type { ChatClient } from '@parlor/core';
import { createContext, createElement, type ReactNode } from 'react';

/** The client {@link ChatProvider} shares; `null` outside one. */
export const ChatClientContext = createContext<ChatClient | null>(null);

/** Props of {@link ChatProvider}. */
export interface ChatProviderProps {
  /** The client to share, usually from {@link useChatClient}. */
  client: ChatClient;
  /** The tree that reads it with {@link useChat}. */
  children?: ReactNode;
}

/**
 * Shares one chat client with a tree: every {@link useChat} below it reads the same state and sends through
 * the same connection. Pass the same client to `<ChatWidget client={…}/>` to show the widget beside your own UI.
 *
 * @example
 * ```tsx
 * const client = useChatClient({ siteId: 'my-shop', server: 'https://chat.example.com' });
 * <ChatProvider client={client}>
 *   <UnreadBadge />
 *   <MyChat />
 * </ChatProvider>
 * ```
 */
export function ChatProvider({ client, children }: ChatProviderProps): ReactNode {
  return createElement(ChatClientContext.Provider, { value: client }, children);
}
