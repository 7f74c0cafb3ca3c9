import { formatPercent, formatPlural } from '../format.js';
import type { ParlorStrings } from '../strings.js';

/** Dutch strings, addressing the visitor with ‘u’. */
export const nl: ParlorStrings = {
  launcherLabel: 'Chat met ons',
  launcherLabelUnread: (count) =>
    formatPlural(count, 'nl', {
      one: 'Chat met ons, # ongelezen bericht',
      other: 'Chat met ons, # ongelezen berichten',
    }),
  panelTitle: 'Klantenservice',
  close: 'Chat sluiten',
  composerPlaceholder: 'Typ uw bericht…',
  send: 'Versturen',
  attachFile: 'Bestand bijvoegen',
  typing: (name) => (name ? `${name} is aan het typen…` : 'Aan het typen…'),
  you: 'U',
  agentLabel: 'Medewerker',
  botLabel: 'Digitale assistent',
  statusSending: 'Wordt verstuurd…',
  statusSent: 'Verstuurd',
  statusRead: 'Gelezen',
  statusFailed: 'Niet verstuurd',
  retry: 'Opnieuw proberen',
  discard: 'Verwijderen',
  loadOlder: 'Oudere berichten laden',
  offlineBanner: 'U bent offline — uw berichten worden verstuurd zodra u weer online bent',
  reconnectingBanner: 'Opnieuw verbinden…',
  onlineBanner: 'U bent weer online',
  newMessageAnnouncement: (name, text) => `Nieuw bericht van ${name}: ${text}`,
  awayTitle: 'We zijn op dit moment niet bereikbaar',
  awayEmailLabel: 'Laat uw e-mailadres achter, dan nemen we zo snel mogelijk contact met u op',
  preChatNameLabel: 'Naam',
  preChatEmailLabel: 'E-mailadres',
  preChatStart: 'Chat starten',
  greetingDismiss: 'Welkomstbericht verbergen',
  fileTooLarge: (maxSize) => `Dit bestand is te groot. De maximale grootte is ${maxSize}.`,
  fileTypeNotAllowed: 'Dit bestandstype is niet toegestaan.',
  uploadProgress: (percent) => `Bezig met uploaden: ${formatPercent(percent, 'nl')}`,
  quickRepliesLabel: 'Voorgestelde antwoorden',
  poweredBy: 'Mogelijk gemaakt door Parlor',
  genericError: 'Er is iets misgegaan. Probeer het opnieuw.',
};
