/**
 * A WebSocket whose network can be cut: while `control.blocked` is true, every connection attempt goes
 * to a closed port and fails, as it would offline. Inject it as the client's `WebSocket`.
 */
export function cuttableSocket(): { control: { blocked: boolean; opened: number }; WebSocket: typeof WebSocket } {
  const control = { blocked: false, opened: 0 };
  class CuttableWebSocket extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      control.opened++;
      super(control.blocked ? 'ws://127.0.0.1:9/' : url, protocols);
    }
  }
  return { control, WebSocket: CuttableWebSocket };
}
