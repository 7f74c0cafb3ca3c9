import { formatPercent, formatPlural } from '../format.js';
import type { ParlorStrings } from '../strings.js';

// Hebrew interfaces address the user in the plural imperative (הקלידו, נסו) to stay gender-neutral; where a
// singular verb is unavoidable, the customary slash form (מקליד/ה) is used.

/** Hebrew strings, right to left. */
export const he: ParlorStrings = {
  launcherLabel: 'דברו איתנו',
  launcherLabelUnread: (count) =>
    formatPlural(count, 'he', {
      one: 'דברו איתנו, הודעה אחת שלא נקראה',
      two: 'דברו איתנו, שתי הודעות שלא נקראו',
      other: 'דברו איתנו, # הודעות שלא נקראו',
    }),
  panelTitle: 'תמיכה',
  close: 'סגירת הצ׳אט',
  composerPlaceholder: 'הקלידו הודעה…',
  send: 'שליחה',
  attachFile: 'צירוף קובץ',
  typing: (name) => (name ? `${name} מקליד/ה…` : 'מקליד/ה…'),
  you: 'אני',
  agentLabel: 'נציג שירות',
  botLabel: 'עוזר וירטואלי',
  statusSending: 'בשליחה…',
  statusSent: 'נשלחה',
  statusRead: 'נקראה',
  statusFailed: 'השליחה נכשלה',
  retry: 'נסו שוב',
  discard: 'מחיקה',
  loadOlder: 'טעינת הודעות קודמות',
  offlineBanner: 'אין חיבור לאינטרנט — ההודעות שלכם יישלחו כשהחיבור יחזור',
  reconnectingBanner: 'מתחברים מחדש…',
  onlineBanner: 'החיבור חזר',
  newMessageAnnouncement: (name, text) => `הודעה חדשה מאת ${name}: ${text}`,
  presenceOnline: 'אנחנו מחוברים עכשיו',
  typicallyReplies: (duration) => `בדרך כלל עונים תוך ${duration}`,
  awayTitle: 'אנחנו לא זמינים כרגע',
  awayEmailLabel: 'השאירו כתובת אימייל ונחזור אליכם בהקדם',
  preChatNameLabel: 'שם',
  preChatEmailLabel: 'אימייל',
  preChatStart: 'התחלת שיחה',
  greetingDismiss: 'הסתרת הודעת הפתיחה',
  fileTooLarge: (maxSize) => `הקובץ גדול מדי. הגודל המרבי הוא ${maxSize}.`,
  fileTypeNotAllowed: 'סוג הקובץ הזה אינו נתמך.',
  uploadRateLimited: (retryIn) => `הגעתם למגבלת הקבצים. נסו שוב בעוד ${retryIn}.`,
  uploadProgress: (percent) => `מעלים את הקובץ: ${formatPercent(percent, 'he')}`,
  quickRepliesLabel: 'תשובות מוצעות',
  poweredBy: 'מופעל על ידי Parlor',
  genericError: 'משהו השתבש. נסו שוב.',
};
