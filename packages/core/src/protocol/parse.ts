import type { z } from 'zod/mini';
import type { ErrorCode } from './codes.js';

/** The result of {@link parseFrame}: the typed frame, or a typed error that can go back on the wire. */
export type ParseResult<T> = { ok: true; frame: T } | { ok: false; code: ErrorCode; message: string; frame?: string };

/** Deepest nesting accepted in a frame, checked before the schema so hostile input costs little. */
const MAX_DEPTH = 16;

function depthWithin(value: unknown, max: number): boolean {
  if (max < 0) return false;
  if (typeof value !== 'object' || value === null) return true;
  for (const child of Object.values(value)) if (!depthWithin(child, max - 1)) return false;
  return true;
}

/**
 * Parses one text frame against a direction's schema. Never throws: invalid JSON, frames over
 * `maxBytes`, nesting deeper than 16 and schema mismatches come back as `{ ok: false, code }` with
 * `too_large` or `bad_frame`. Unknown keys are dropped by the schema, so `__proto__` and friends never
 * reach application code.
 *
 * @example
 * ```ts
 * const result = parseFrame(clientFrameSchema, text, 65536);
 * if (!result.ok) socket.send(JSON.stringify({ type: 'error', code: result.code, message: result.message }));
 * ```
 */
export function parseFrame<S extends z.ZodMiniType>(
  schema: S,
  text: string,
  maxBytes: number,
): ParseResult<z.output<S>> {
  // A UTF-8 byte is at least one UTF-16 unit and at most three per unit: check cheaply, then exactly.
  if (text.length > maxBytes || (text.length * 3 > maxBytes && new TextEncoder().encode(text).length > maxBytes)) {
    return { ok: false, code: 'too_large', message: `frame is over ${maxBytes} bytes` };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, code: 'bad_frame', message: 'frame is not valid JSON' };
  }
  if (!depthWithin(data, MAX_DEPTH))
    return { ok: false, code: 'bad_frame', message: `frame nests deeper than ${MAX_DEPTH}` };
  const type =
    typeof data === 'object' && data !== null && typeof (data as { type?: unknown }).type === 'string'
      ? (data as { type: string }).type.slice(0, 32)
      : undefined;
  const result = schema.safeParse(data);
  if (result.success) return { ok: true, frame: result.data };
  const issue = result.error.issues[0];
  const where = issue && issue.path.length ? ` at ${issue.path.join('.')}` : '';
  return {
    ok: false,
    code: 'bad_frame',
    message: `invalid frame${where}: ${issue?.message ?? 'does not match the protocol'}`,
    ...(type ? { frame: type } : {}),
  };
}
