/** Parts of the message log that `::part()` reaches from outside (forwarded with `exportparts`). */
export const MESSAGE_PARTS =
  'messages, message, message-visitor, message-agent, message-bot, message-system, greeting, author, time, day, status, failed, retry, discard, attachment, thumbnail, quick-replies, quick-reply, typing, load-older';

/** Parts of the composer that `::part()` reaches from outside. */
export const COMPOSER_PARTS = 'composer, input, send, attach, error';

/** Every part of the panel, as `<parlor-chat>` forwards them. */
export const PANEL_PARTS = `panel, header, banner, away, away-form, pre-chat, ${MESSAGE_PARTS}, ${COMPOSER_PARTS}`;
