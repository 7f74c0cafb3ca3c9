/**
 * Every piece of text the widget shows or announces. Each locale in `./locales/` provides all of them, and a site
 * can override any of them (see `loadStrings`). Strings that take values are functions with typed parameters, so a
 * translation can reorder words or inflect them freely; everything else is a plain string.
 *
 * Numbers inside strings are formatted by the locale itself through `Intl` (its digits and grouping, French's
 * no-break space before `%`), so functions receive raw numbers unless a parameter says otherwise.
 *
 * @example
 * ```ts
 * const strings: ParlorStrings = loadStrings('en');
 * strings.launcherLabelUnread(3); // 'Chat with us, 3 unread messages'
 * ```
 */
export interface ParlorStrings {
  /** Accessible name of the launcher button when nothing is unread, e.g. "Chat with us". */
  launcherLabel: string;
  /** Accessible name of the launcher button with `count` unread messages, correctly pluralised for the locale. */
  launcherLabelUnread: (count: number) => string;
  /** Title shown in the panel's header and used as the dialog's accessible name. */
  panelTitle: string;
  /** Accessible name of the button that closes the panel. */
  close: string;
  /** Placeholder text of the message composer. */
  composerPlaceholder: string;
  /** Label of the send button. */
  send: string;
  /** Label of the attach-file button. */
  attachFile: string;
  /** Typing indicator; `name` is the agent's display name when known. */
  typing: (name?: string) => string;
  /** Author label of the visitor's own messages. */
  you: string;
  /** Role label shown beside a human agent's name. */
  agentLabel: string;
  /** Role label shown beside an automated assistant's name. */
  botLabel: string;
  /** Delivery state of a message that is on its way to the server. */
  statusSending: string;
  /** Delivery state of a message the server has stored. */
  statusSent: string;
  /** Delivery state of a message an agent has read. */
  statusRead: string;
  /** Delivery state of a message that could not be sent. */
  statusFailed: string;
  /** Button that sends a failed message again. */
  retry: string;
  /** Button that deletes a failed message instead of retrying it. */
  discard: string;
  /** Button that fetches earlier messages of the conversation. */
  loadOlder: string;
  /** Banner while the device is offline, promising that queued messages go out later. */
  offlineBanner: string;
  /** Banner while the widget is re-establishing its connection. */
  reconnectingBanner: string;
  /** Short-lived banner once the connection is back. */
  onlineBanner: string;
  /** Screen-reader announcement of an incoming message from `name` with body `text`. */
  newMessageAnnouncement: (name: string, text: string) => string;
  /** Status line in the header while agents are online. */
  presenceOnline: string;
  /** Status line in the header while nobody is online, from the site's typical reply time (e.g. `2 hours`). */
  typicallyReplies: (duration: string) => string;
  /** Heading shown when no agent is available. */
  awayTitle: string;
  /** Label of the email field offered in away mode, so the team can reply later. */
  awayEmailLabel: string;
  /** Label of the name field in the pre-chat form. */
  preChatNameLabel: string;
  /** Label of the email field in the pre-chat form. */
  preChatEmailLabel: string;
  /** Submit button of the pre-chat form. */
  preChatStart: string;
  /** Accessible name of the button that hides the proactive greeting bubble. */
  greetingDismiss: string;
  /** Error for an attachment over the size limit; `maxSize` is already formatted, e.g. by `formatBytes`. */
  fileTooLarge: (maxSize: string) => string;
  /** Error for an attachment whose type the site does not accept. */
  fileTypeNotAllowed: string;
  /**
   * Error for files refused because the visitor sent too many (an upload quota or the request rate); `retryIn`
   * is already formatted, e.g. by `formatMinutes`.
   */
  uploadRateLimited: (retryIn: string) => string;
  /** Progress of an attachment upload; `percent` runs from 0 to 100. */
  uploadProgress: (percent: number) => string;
  /** Accessible name of the group of quick-reply buttons. */
  quickRepliesLabel: string;
  /** Attribution line in the panel's footer. */
  poweredBy: string;
  /** Fallback error message when nothing more specific applies. */
  genericError: string;
}
