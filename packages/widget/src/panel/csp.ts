/**
 * Keeps the protocol's validation from probing `new Function`: under a strict Content-Security-Policy (no
 * `unsafe-eval`) even a caught probe is reported as a violation. Validation works the same, without code
 * generation. Imported first by the panel's entry, before any schema is built.
 */
import { config } from 'zod/mini';

config({ jitless: true });
