import { formatNumber, formatPercent } from '../format.js';
import type { ParlorStrings } from '../strings.js';

/** Japanese strings in polite form (です・ます) with customer-service honorifics. */
export const ja: ParlorStrings = {
  launcherLabel: 'チャットでお問い合わせ',
  // Japanese has no grammatical plural; a counter (件) follows the number.
  launcherLabelUnread: (count) => `チャットでお問い合わせ（未読メッセージ ${formatNumber(count, 'ja')} 件）`,
  panelTitle: 'サポート',
  close: 'チャットを閉じる',
  composerPlaceholder: 'メッセージを入力してください…',
  send: '送信',
  attachFile: 'ファイルを添付',
  // No さん: the agent is staff of the company speaking to its customer (内と外).
  typing: (name) => (name ? `${name}が入力中です…` : '入力中です…'),
  you: 'あなた',
  agentLabel: '担当者',
  botLabel: '自動応答',
  statusSending: '送信中…',
  statusSent: '送信済み',
  statusRead: '既読',
  statusFailed: '送信できませんでした',
  retry: '再送信',
  discard: '削除',
  loadOlder: '以前のメッセージを表示',
  offlineBanner: 'オフラインです。接続が回復すると、メッセージが送信されます',
  reconnectingBanner: '再接続しています…',
  onlineBanner: 'オンラインに戻りました',
  newMessageAnnouncement: (name, text) => `${name}から新しいメッセージ：${text}`,
  presenceOnline: 'オンラインで対応中です',
  typicallyReplies: (duration) => `通常${duration}以内に返信します`,
  awayTitle: 'ただいま対応時間外です',
  awayEmailLabel: 'メールアドレスをご入力いただければ、折り返しご連絡いたします',
  preChatNameLabel: 'お名前',
  preChatEmailLabel: 'メールアドレス',
  preChatStart: 'チャットを開始',
  greetingDismiss: 'ウェルカムメッセージを閉じる',
  fileTooLarge: (maxSize) => `ファイルサイズが大きすぎます。${maxSize}以下のファイルを選択してください。`,
  fileTypeNotAllowed: 'この形式のファイルは送信できません。',
  uploadProgress: (percent) => `アップロード中… ${formatPercent(percent, 'ja')}`,
  quickRepliesLabel: '返信の候補',
  poweredBy: '提供：Parlor',
  genericError: 'エラーが発生しました。もう一度お試しください。',
};
