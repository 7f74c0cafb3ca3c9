import { z } from 'zod/mini';

/** The analytics events the server counts, in the table's column order. */
export const STAT_EVENTS = ['load', 'open', 'close', 'message_sent'] as const;

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;

/** Schema of `GET /v1/agent/stats?site=…&days=…`. Unknown event names are kept and shown after the known ones. */
export const statsResponseSchema = z.object({
  site: z.string(),
  days: z.array(
    z.object({
      day: z.string().check(z.regex(dayPattern)),
      name: z.string().check(z.minLength(1), z.maxLength(64)),
      count: z.int().check(z.nonnegative()),
    }),
  ),
});

/** One count of the stats response. */
export type StatsDay = z.output<typeof statsResponseSchema>['days'][number];

/** The stats pivoted into a table: one row per day (newest first), one column per event name. */
export interface StatsTable {
  names: string[];
  rows: { day: string; counts: number[] }[];
  totals: number[];
}

/** `YYYY-MM-DD` of a date in UTC. */
function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * Pivots daily counts into a table covering `dayCount` consecutive UTC days that end today (or on the
 * newest day the server reported, if its clock is ahead); days without data count 0.
 */
export function pivotStats(days: readonly StatsDay[], dayCount: number, today: Date = new Date()): StatsTable {
  const known: readonly string[] = STAT_EVENTS;
  const extra = [...new Set(days.map((d) => d.name).filter((n) => !known.includes(n)))].sort();
  const names = [...known, ...extra];
  let end = utcDay(today);
  for (const d of days) if (d.day > end) end = d.day;
  const endMs = Date.parse(`${end}T00:00:00Z`);
  const rows: StatsTable['rows'] = [];
  const index = new Map<string, number[]>();
  for (let i = 0; i < dayCount; i++) {
    const day = utcDay(new Date(endMs - i * 86_400_000));
    const counts = names.map(() => 0);
    rows.push({ day, counts });
    index.set(day, counts);
  }
  for (const d of days) {
    const counts = index.get(d.day);
    const column = names.indexOf(d.name);
    if (counts && column >= 0) counts[column] = (counts[column] ?? 0) + d.count;
  }
  const totals = names.map((_, column) => rows.reduce((sum, row) => sum + (row.counts[column] ?? 0), 0));
  return { names, rows, totals };
}
