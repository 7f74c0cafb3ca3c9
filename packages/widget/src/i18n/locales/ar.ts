import { formatPercent, formatPlural } from '../format.js';
import type { ParlorStrings } from '../strings.js';

/** Arabic strings (Modern Standard Arabic), right to left, with all six CLDR plural forms. */
export const ar: ParlorStrings = {
  launcherLabel: 'تحدث معنا',
  // One and two take no numeral in Arabic: the noun's singular and dual forms carry the count.
  launcherLabelUnread: (count) =>
    formatPlural(count, 'ar', {
      zero: 'تحدث معنا، لا توجد رسائل غير مقروءة',
      one: 'تحدث معنا، رسالة واحدة غير مقروءة',
      two: 'تحدث معنا، رسالتان غير مقروءتين',
      few: 'تحدث معنا، # رسائل غير مقروءة',
      many: 'تحدث معنا، # رسالة غير مقروءة',
      other: 'تحدث معنا، # رسالة غير مقروءة',
    }),
  panelTitle: 'الدعم',
  close: 'إغلاق المحادثة',
  composerPlaceholder: 'اكتب رسالتك…',
  send: 'إرسال',
  attachFile: 'إرفاق ملف',
  typing: (name) => (name ? `${name} يكتب الآن…` : 'يكتب الآن…'),
  you: 'أنت',
  agentLabel: 'موظف الدعم',
  botLabel: 'المساعد الآلي',
  statusSending: 'جارٍ الإرسال…',
  statusSent: 'تم الإرسال',
  statusRead: 'تمت القراءة',
  statusFailed: 'تعذّر الإرسال',
  retry: 'إعادة المحاولة',
  discard: 'حذف',
  loadOlder: 'عرض الرسائل السابقة',
  offlineBanner: 'أنت غير متصل بالإنترنت — سيتم إرسال رسائلك عند عودة الاتصال',
  reconnectingBanner: 'جارٍ إعادة الاتصال…',
  onlineBanner: 'تمت استعادة الاتصال',
  newMessageAnnouncement: (name, text) => `رسالة جديدة من ${name}: ${text}`,
  awayTitle: 'نحن غير متاحين حاليًا',
  awayEmailLabel: 'اترك بريدك الإلكتروني وسنرد عليك في أقرب وقت ممكن',
  preChatNameLabel: 'الاسم',
  preChatEmailLabel: 'البريد الإلكتروني',
  preChatStart: 'بدء المحادثة',
  greetingDismiss: 'إخفاء رسالة الترحيب',
  fileTooLarge: (maxSize) => `حجم الملف كبير جدًا. الحد الأقصى المسموح به هو ${maxSize}.`,
  fileTypeNotAllowed: 'نوع الملف هذا غير مسموح به.',
  uploadProgress: (percent) => `جارٍ رفع الملف: ${formatPercent(percent, 'ar')}`,
  quickRepliesLabel: 'ردود مقترحة',
  poweredBy: 'مدعوم من Parlor',
  genericError: 'حدث خطأ ما. يُرجى المحاولة مرة أخرى.',
};
