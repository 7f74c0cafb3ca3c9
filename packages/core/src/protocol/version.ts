/**
 * The version of the wire protocol this package speaks. A client sends it in its first frame; a server
 * that does not speak it answers `unsupported_version`.
 *
 * @example
 * ```ts
 * import { PROTOCOL_VERSION } from '@parlor/core/protocol';
 * console.log(PROTOCOL_VERSION); // 1
 * ```
 */
export const PROTOCOL_VERSION = 1;
