import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ChatClient, ChatEvent, ChatState } from '@parlor/core';

/**
 * Keeps a Lit element in step with a {@link ChatClient}: `state` is the client's latest snapshot and the host
 * re-renders whenever it changes. The client is read through `getClient` so it can arrive later (context).
 */
export class ChatController implements ReactiveController {
  state: ChatState | undefined;
  #client: ChatClient | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly onEvent?: (event: ChatEvent) => void,
  ) {
    host.addController(this);
  }

  /** Follows `client` from now on (or nothing, when undefined). */
  set client(client: ChatClient | undefined) {
    if (client === this.#client) return;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#client = client;
    this.state = client?.getSnapshot();
    this.#subscribe();
    this.host.requestUpdate();
  }

  get client(): ChatClient | undefined {
    return this.#client;
  }

  #subscribe(): void {
    const client = this.#client;
    if (!client || this.#unsubscribe) return;
    this.#unsubscribe = client.subscribe((event) => {
      if (event.type === 'state') {
        const next = client.getSnapshot();
        if (next !== this.state) {
          this.state = next;
          this.host.requestUpdate();
        }
      }
      this.onEvent?.(event);
    });
  }

  hostConnected(): void {
    this.#subscribe();
    this.state = this.#client?.getSnapshot();
  }

  hostDisconnected(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }
}
