import { expect } from '@open-wc/testing';
import { pivotStats, statsResponseSchema } from './stats-table.js';

describe('pivotStats', () => {
  it('covers 14 days newest first with zeros for missing days and totals per event', () => {
    const table = pivotStats(
      [
        { day: '2030-01-14', name: 'load', count: 5 },
        { day: '2030-01-14', name: 'message_sent', count: 2 },
        { day: '2030-01-01', name: 'open', count: 1 },
        { day: '2029-12-01', name: 'open', count: 99 },
        { day: '2030-01-10', name: 'custom', count: 3 },
      ],
      14,
      new Date(Date.UTC(2030, 0, 14, 12)),
    );
    expect(table.names).to.deep.equal(['load', 'open', 'close', 'message_sent', 'custom']);
    expect(table.rows).to.have.length(14);
    expect(table.rows[0]).to.deep.equal({ day: '2030-01-14', counts: [5, 0, 0, 2, 0] });
    expect(table.rows[13]).to.deep.equal({ day: '2030-01-01', counts: [0, 1, 0, 0, 0] });
    expect(table.totals).to.deep.equal([5, 1, 0, 2, 3]);
  });

  it('validates the response shape', () => {
    expect(
      statsResponseSchema.safeParse({ site: 'demo', days: [{ day: '2030-01-01', name: 'load', count: 1 }] }).success,
    ).to.be.true;
    expect(
      statsResponseSchema.safeParse({ site: 'demo', days: [{ day: 'yesterday', name: 'load', count: 1 }] }).success,
    ).to.be.false;
    expect(
      statsResponseSchema.safeParse({ site: 'demo', days: [{ day: '2030-01-01', name: 'load', count: -1 }] }).success,
    ).to.be.false;
  });
});
