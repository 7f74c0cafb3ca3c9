/**
 * The Parlor wire protocol, shared by clients and servers.
 *
 * This entry point is importable by a server without pulling in the client.
 *
 * @packageDocumentation
 */

export { PROTOCOL_VERSION } from './version.js';
