/**
 * Registers `<parlor-chat>`. The package's only module with a side effect.
 *
 * Safe to import twice (two copies of the widget on one page): the second registration is skipped.
 *
 * @example
 * ```ts
 * import '@parlor/widget/define';
 * document.body.append(document.createElement('parlor-chat'));
 * ```
 *
 * @packageDocumentation
 */
import { ParlorChat } from './parlor-chat/parlor-chat.js';

if (!customElements.get('parlor-chat')) customElements.define('parlor-chat', ParlorChat);

declare global {
  interface HTMLElementTagNameMap {
    'parlor-chat': ParlorChat;
  }
}
