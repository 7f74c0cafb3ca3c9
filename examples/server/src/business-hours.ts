import type { SiteConfig } from './config.js';

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/**
 * Whether `now` falls inside the site's business hours, in the site's time zone. A site without
 * business hours is always open.
 */
export function withinBusinessHours(site: Pick<SiteConfig, 'businessHours'>, now: number): boolean {
  const hours = site.businessHours;
  if (!hours) return true;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: hours.timezone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = DAYS.find((d) => d === get('weekday').toLowerCase().slice(0, 3));
  if (!day) return true;
  const minutes = Number(get('hour')) * 60 + Number(get('minute'));
  const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  return (hours.weekly[day] ?? []).some((range) => {
    const [from = '', to = ''] = range.split('-');
    return minutes >= toMinutes(from) && minutes < toMinutes(to);
  });
}
