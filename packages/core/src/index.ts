/**
 * `@parlor/core`: the framework-neutral Parlor chat client. It owns auth, the connection, the outbox,
 * the timeline and events, and renders nothing.
 *
 * @packageDocumentation
 */

export { PROTOCOL_VERSION } from './protocol/index.js';
