import { formatPercent, formatPlural } from '../format.js';
import type { ParlorStrings } from '../strings.js';

/** German strings, addressing the visitor with „Sie“. */
export const de: ParlorStrings = {
  launcherLabel: 'Chatten Sie mit uns',
  launcherLabelUnread: (count) =>
    formatPlural(count, 'de', {
      one: 'Chatten Sie mit uns, # ungelesene Nachricht',
      other: 'Chatten Sie mit uns, # ungelesene Nachrichten',
    }),
  panelTitle: 'Kundenservice',
  close: 'Chat schließen',
  composerPlaceholder: 'Schreiben Sie eine Nachricht…',
  send: 'Senden',
  attachFile: 'Datei anhängen',
  typing: (name) => (name ? `${name} schreibt gerade…` : 'Schreibt gerade…'),
  you: 'Sie',
  agentLabel: 'Mitarbeiter',
  botLabel: 'Digitaler Assistent',
  statusSending: 'Wird gesendet…',
  statusSent: 'Gesendet',
  statusRead: 'Gelesen',
  statusFailed: 'Nicht gesendet',
  retry: 'Erneut versuchen',
  discard: 'Verwerfen',
  loadOlder: 'Ältere Nachrichten laden',
  offlineBanner: 'Sie sind offline – Ihre Nachrichten werden gesendet, sobald Sie wieder online sind',
  reconnectingBanner: 'Verbindung wird wiederhergestellt…',
  onlineBanner: 'Sie sind wieder online',
  newMessageAnnouncement: (name, text) => `Neue Nachricht von ${name}: ${text}`,
  presenceOnline: 'Wir sind online',
  typicallyReplies: (duration) => `Antwortet meist innerhalb von ${duration}`,
  awayTitle: 'Wir sind gerade nicht erreichbar',
  awayEmailLabel: 'Hinterlassen Sie Ihre E-Mail-Adresse, wir melden uns so bald wie möglich',
  // „Name“ is the German word too.
  preChatNameLabel: 'Name',
  preChatEmailLabel: 'E-Mail-Adresse',
  preChatStart: 'Chat starten',
  greetingDismiss: 'Begrüßung ausblenden',
  fileTooLarge: (maxSize) => `Die Datei ist zu groß. Die maximale Größe beträgt ${maxSize}.`,
  fileTypeNotAllowed: 'Dieser Dateityp wird nicht unterstützt.',
  uploadRateLimited: (retryIn) => `Das Limit für Dateien ist erreicht. Bitte versuchen Sie es in ${retryIn} erneut.`,
  uploadProgress: (percent) => `Wird hochgeladen: ${formatPercent(percent, 'de')}`,
  quickRepliesLabel: 'Antwortvorschläge',
  poweredBy: 'Bereitgestellt von Parlor',
  genericError: 'Etwas ist schiefgelaufen. Bitte versuchen Sie es erneut.',
};
