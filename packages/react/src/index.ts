/**
 * `@parlor/react`: the Parlor chat widget as a React component.
 *
 * @packageDocumentation
 */

export { ChatWidget } from './chat-widget.js';
export type { ChatWidgetProps } from './chat-widget.js';
