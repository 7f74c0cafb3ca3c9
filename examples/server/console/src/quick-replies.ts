/** Most quick replies on one message (from the protocol's `quickRepliesSchema`). */
export const MAX_QUICK_REPLIES = 10;
/** Longest quick reply, in UTF-16 units. */
export const MAX_QUICK_REPLY_LENGTH = 80;

/** The outcome of {@link parseQuickReplies}. */
export type QuickRepliesResult = { ok: true; values: string[] } | { ok: false; error: string };

/** Splits the comma-separated quick replies field: trimmed, empty entries and duplicates dropped, limits checked. */
export function parseQuickReplies(input: string): QuickRepliesResult {
  const values = [...new Set(input.split(',').map((s) => s.trim()))].filter((s) => s.length > 0);
  if (values.length > MAX_QUICK_REPLIES) {
    return { ok: false, error: `At most ${MAX_QUICK_REPLIES} quick replies.` };
  }
  const long = values.find((s) => s.length > MAX_QUICK_REPLY_LENGTH);
  if (long !== undefined) {
    return { ok: false, error: `Each quick reply must be at most ${MAX_QUICK_REPLY_LENGTH} characters.` };
  }
  return { ok: true, values };
}
