import { z } from 'zod/mini';

export { DEFAULT_ATTACHMENT_TYPES, DEFAULT_LIMITS, type Limits } from './defaults.js';

const count = z.int().check(z.positive());

/** Schema of {@link Limits}, as sent in `welcome`. */
export const limitsSchema = z.object({
  maxFrameBytes: count,
  maxTextLength: count,
  messagesPerSecond: z.number().check(z.positive()),
  messageBurst: count,
  replayPerSecond: z.optional(z.number().check(z.positive())),
  replayBudget: z.optional(count),
  framesPerSecond: z.number().check(z.positive()),
  maxAttachmentBytes: count,
  attachmentTypes: z.array(z.string().check(z.maxLength(100))).check(z.maxLength(100)),
  pageSize: count,
  pingIntervalMs: count,
});
