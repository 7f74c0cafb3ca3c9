/**
 * `@parlor/widget`: the `<parlor-chat>` element. Importing this entry registers nothing; import
 * `@parlor/widget/define` (or call `customElements.define` yourself) to register the element.
 *
 * @packageDocumentation
 */

export { ParlorChat } from './parlor-chat/parlor-chat.js';
export type { ParlorEventMap, ParlorToggleDetail } from './events.js';
