import { createContext } from '@lit/context';
import type { ChatClient } from '@parlor/core';
import type { ParlorStrings } from '../i18n/strings.js';

/** What every part of the panel needs to know about the widget's configuration, resolved once. */
export interface PanelSettings {
  /** The resolved locale (one of the shipped ones, or the site's choice), for `Intl`. */
  readonly locale: string;
  /** Writing direction of `locale`. */
  readonly dir: 'ltr' | 'rtl';
  /** Every string, already merged: site overrides over the locale over English. */
  readonly strings: ParlorStrings;
  /** A greeting shown as the first bubble before the conversation starts (the site's own, if any, wins). */
  readonly greeting?: string;
  /** Ask for name and email before the first message. */
  readonly preChat: boolean;
  /** MIME types the composer's file picker offers; empty = attachments off. */
  readonly accept: readonly string[];
  /** Largest attachment in bytes. */
  readonly maxFileSize: number;
}

/** The chat client the panel renders. Provided by `<parlor-panel>`; consumed by its parts. */
export const clientContext = createContext<ChatClient | undefined>(Symbol('parlor-client'));

/** The resolved settings. Provided by `<parlor-panel>`; consumed by its parts. */
export const settingsContext = createContext<PanelSettings | undefined>(Symbol('parlor-settings'));
