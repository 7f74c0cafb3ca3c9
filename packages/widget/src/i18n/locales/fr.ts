import { formatPercent, formatPlural } from '../format.js';
import type { ParlorStrings } from '../strings.js';

// French typography: a no-break space (\u00a0) before « : », narrow ones inside numbers come from Intl.

/** French strings, addressing the visitor with « vous ». */
export const fr: ParlorStrings = {
  launcherLabel: 'Discuter avec nous',
  launcherLabelUnread: (count) =>
    formatPlural(count, 'fr', {
      one: 'Discuter avec nous, # message non lu',
      many: 'Discuter avec nous, # de messages non lus',
      other: 'Discuter avec nous, # messages non lus',
    }),
  panelTitle: 'Assistance',
  close: 'Fermer la conversation',
  composerPlaceholder: 'Écrivez votre message…',
  send: 'Envoyer',
  attachFile: 'Joindre un fichier',
  typing: (name) => (name ? `${name} est en train d’écrire…` : 'En train d’écrire…'),
  you: 'Vous',
  agentLabel: 'Conseiller',
  botLabel: 'Assistant virtuel',
  statusSending: 'Envoi en cours…',
  statusSent: 'Envoyé',
  statusRead: 'Lu',
  statusFailed: 'Échec de l’envoi',
  retry: 'Réessayer',
  discard: 'Supprimer',
  loadOlder: 'Afficher les messages précédents',
  offlineBanner: 'Vous êtes hors ligne — vos messages seront envoyés dès que la connexion sera rétablie',
  reconnectingBanner: 'Reconnexion en cours…',
  onlineBanner: 'Vous êtes de nouveau en ligne',
  newMessageAnnouncement: (name, text) => `Nouveau message de ${name}\u00a0: ${text}`,
  presenceOnline: 'Nous sommes en ligne',
  typicallyReplies: (duration) => `Répond généralement en ${duration}`,
  awayTitle: 'Nous sommes absents pour le moment',
  awayEmailLabel: 'Laissez-nous votre adresse e-mail, nous vous répondrons dès que possible',
  preChatNameLabel: 'Nom',
  preChatEmailLabel: 'Adresse e-mail',
  preChatStart: 'Démarrer la conversation',
  greetingDismiss: 'Masquer le message d’accueil',
  fileTooLarge: (maxSize) => `Ce fichier est trop volumineux. La taille maximale autorisée est de ${maxSize}.`,
  fileTypeNotAllowed: 'Ce type de fichier n’est pas accepté.',
  uploadRateLimited: (retryIn) => `La limite de fichiers est atteinte. Veuillez réessayer dans ${retryIn}.`,
  uploadProgress: (percent) => `Envoi du fichier\u00a0: ${formatPercent(percent, 'fr')}`,
  quickRepliesLabel: 'Réponses suggérées',
  poweredBy: 'Propulsé par Parlor',
  genericError: 'Une erreur s’est produite. Veuillez réessayer.',
};
