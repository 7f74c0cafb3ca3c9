import type { VisitorInfo } from '@parlor/core/protocol';

const clockFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'long' });
const currencyFormats = new Map<string, Intl.NumberFormat>();

/** A timestamp as a time of day when it is today, else as date and time. */
export function formatClock(at: number, now: number = Date.now()): string {
  const sameDay = new Date(at).toDateString() === new Date(now).toDateString();
  return (sameDay ? clockFormat : dateTimeFormat).format(at);
}

/** A timestamp as date and time, for tooltips and older entries. */
export function formatDateTime(at: number): string {
  return dateTimeFormat.format(at);
}

/** How long ago `at` was ("now", "5 minutes ago", "yesterday"); a date beyond a week. */
export function formatRelative(at: number, now: number = Date.now()): string {
  const seconds = Math.round((at - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return relativeFormat.format(0, 'second');
  if (abs < 3600) return relativeFormat.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return relativeFormat.format(Math.round(seconds / 3600), 'hour');
  if (abs < 7 * 86_400) return relativeFormat.format(Math.round(seconds / 86_400), 'day');
  return dateTimeFormat.format(at);
}

/** Formats an amount in minor units (cents) of an ISO 4217 currency, honouring its decimals (JPY has none). */
export function formatMoney(minor: number, currency: string, locale?: string): string {
  const key = `${locale ?? ''}|${currency}`;
  let format = currencyFormats.get(key);
  if (!format) {
    try {
      format = new Intl.NumberFormat(locale, { style: 'currency', currency });
    } catch {
      return `${minor} ${currency} (minor units)`;
    }
    currencyFormats.set(key, format);
  }
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(minor / 10 ** digits);
}

/** A file size in B, kB or MB. */
export function formatBytes(size: number): string {
  if (size < 1000) return new Intl.NumberFormat(undefined, { style: 'unit', unit: 'byte' }).format(size);
  if (size < 1_000_000) {
    return new Intl.NumberFormat(undefined, { style: 'unit', unit: 'kilobyte', maximumFractionDigits: 1 }).format(
      size / 1000,
    );
  }
  return new Intl.NumberFormat(undefined, { style: 'unit', unit: 'megabyte', maximumFractionDigits: 1 }).format(
    size / 1_000_000,
  );
}

/**
 * The label of a name or email the visitor's credential does not prove: a user hash (`identified`) covers the
 * user id only, so what the page said about name and email is marked "(unverified)". A signed JWT's are not.
 *
 * @example
 * ```ts
 * claimLabel('Email', visitor); // "Email (unverified)" for an identified visitor, "Email" for a jwt one
 * ```
 */
export function claimLabel(label: string, visitor: Pick<VisitorInfo, 'mode'>): string {
  return visitor.mode === 'identified' ? `${label} (unverified)` : label;
}

/** How the console names a visitor: name, else email, else user id, else "Anonymous visitor". */
export function visitorLabel(visitor: VisitorInfo): string {
  return visitor.name || visitor.email || visitor.userId || 'Anonymous visitor';
}
