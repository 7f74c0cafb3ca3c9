/**
 * The chat client's code, loaded by the panel after its first render: on the CDN it is a chunk of its own (the
 * protocol schemas, the socket, storage), so opening the panel does not wait for it to be evaluated. Validation is
 * switched to its CSP-safe mode here, before the first frame is parsed.
 */
import './csp.js';

export { createChatClient } from '@parlor/core';
