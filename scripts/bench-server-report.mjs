// What `pnpm bench:server` (scripts/bench-server.mjs) prints and hands `pnpm bench`: the table of every mode, the
// targets for one process (checked only at the load they are stated for), and the servers' CPU profiles.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { table } from './bench-support.mjs';

/** The p-th percentile of sorted values; NaN when there are none. */
export const percentile = (/** @type {number[]} */ sorted, /** @type {number} */ p) =>
  sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0) : NaN;

const say = (/** @type {string} */ line) => console.log(`[bench] ${line}`);

/**
 * @typedef {{ mode: string, label: string, visitors: number, rssPerConnection: number, storedPerSecond: number,
 *   framesPerSecond: number, relay: number[], lost: number, saturation: number,
 *   cpu: { server: number, generator: number, other: number, cores: number } }} ModeResult
 */

/**
 * Prints the table of every mode and returns the benchmark's report.
 * @param {ModeResult[]} rows
 * @param {{ visitors: number, agents: number, rate: number, seconds: number, burst: number }} load
 * @returns {import('./bench-support.mjs').BenchReport}
 */
export function serverReport(rows, { visitors: N, agents: AGENTS, rate: RATE, seconds: SECONDS, burst: BURST }) {
  const ms = (/** @type {number} */ v) => (Number.isNaN(v) ? '—' : `${v.toFixed(1)} ms`);
  const KB = (/** @type {number} */ v) => `${(v / 1024).toFixed(1)} KB`;
  const head = [
    'mode',
    'visitors held',
    'RSS per connection',
    'relay load',
    'frames/s',
    'relay p50 / p95 / p99',
    'not delivered at the end',
    'CPU in cores during the relay: server / load generator / other',
    'saturation, persisted msgs/s',
  ];
  const tableRows = rows.map((r) => [
    r.label,
    r.visitors.toLocaleString('en'),
    KB(r.rssPerConnection),
    `${RATE.toLocaleString('en')} msgs/s target, ${r.storedPerSecond.toFixed(0)} stored/s`,
    r.framesPerSecond.toFixed(0),
    `${ms(percentile(r.relay, 50))} / ${ms(percentile(r.relay, 95))} / ${ms(percentile(r.relay, 99))}`,
    String(r.lost),
    `${r.cpu.server.toFixed(2)} / ${r.cpu.generator.toFixed(2)} / ${r.cpu.other.toFixed(2)} of ${r.cpu.cores}`,
    Number.isNaN(r.saturation) ? 'not reached in 120 s' : r.saturation.toFixed(0),
  ]);
  console.log(`\n${table(head, tableRows)}`);

  // The targets are stated for one process at a given load: a run below that load reports them unchecked (null).
  const one = rows.find((r) => r.mode === 'embedded');
  /** @type {import('./bench-support.mjs').BenchTarget[]} */
  const targets = [];
  if (one) {
    const p99 = percentile(one.relay, 99);
    targets.push(
      {
        measure: 'visitors one process holds, RSS per connection',
        result: `${KB(one.rssPerConnection)} at ${N.toLocaleString('en')} visitors`,
        target: '10,000 at ≤ 20 KB each',
        met: N >= 10_000 ? one.rssPerConnection <= 20 * 1024 : null,
      },
      {
        measure: 'relay p99, one process',
        result: `${ms(p99)} at ${RATE.toLocaleString('en')} msgs/s, ${N.toLocaleString('en')} visitors`,
        target: '≤ 10 ms at 1,000 msgs/s',
        met: RATE >= 1000 ? p99 <= 10 : null,
      },
      {
        measure: 'persisted messages/s at saturation, one process',
        result: `${Number.isNaN(one.saturation) ? 'not reached in 120 s' : `${one.saturation.toFixed(0)}/s`} with ${N.toLocaleString('en')} visitors`,
        target: '≥ 5,000/s',
        met: N >= 1000 ? one.saturation >= 5000 : null,
      },
    );
  }
  return {
    bench: 'server',
    title: 'Server',
    command: 'pnpm bench:server',
    about:
      `${AGENTS} agents, relay at ${RATE.toLocaleString('en')} msgs/s for ${SECONDS} s, saturation bursts of ${BURST} ` +
      'per visitor; server processes and the load generator on the same machine, loopback.',
    tables: [{ head, rows: tableRows }],
    targets,
    figures: {
      modes: rows.map((r) => ({
        mode: r.mode,
        visitors: r.visitors,
        rssPerConnection: r.rssPerConnection,
        p50: percentile(r.relay, 50),
        p99: percentile(r.relay, 99),
        saturation: r.saturation,
      })),
    },
  };
}

/** Sums self time per function over the servers' CPU profiles; prints the top, and who calls the top 3. */
export function printProfile(/** @type {string} */ dir, /** @type {string} */ mode) {
  /** @type {Map<string, number>} */
  const self = new Map();
  /** @type {Map<string, Map<string, number>>} */
  const callers = new Map();
  let total = 0;
  const label = (/** @type {any} */ frame) => {
    const url = String(frame?.url ?? '')
      .replace(/^.*node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, '')
      .replace(/^file:\/\/.*\/examples\/server\//, '');
    return `${frame?.functionName || '(anonymous)'} ${url ? `${url}:${(frame?.lineNumber ?? 0) + 1}` : ''}`.trim();
  };
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    /** @type {Map<number, any>} */
    const nodes = new Map(profile.nodes.map((/** @type {any} */ n) => [n.id, n]));
    /** @type {Map<number, number>} */
    const parent = new Map();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    profile.samples.forEach((/** @type {number} */ id, /** @type {number} */ i) => {
      const key = label(nodes.get(id)?.callFrame);
      const us = profile.timeDeltas[i] ?? 0;
      self.set(key, (self.get(key) ?? 0) + us);
      total += us;
      const chain = [];
      for (let p = parent.get(id); p !== undefined && chain.length < 6; p = parent.get(p)) {
        const name = label(nodes.get(p)?.callFrame);
        if (name !== '(root)') chain.push(name.split(' ')[0]);
      }
      const byChain = callers.get(key) ?? new Map();
      callers.set(key, byChain);
      byChain.set(chain.join(' < '), (byChain.get(chain.join(' < ')) ?? 0) + us);
    });
  }
  say(`${mode}: CPU profile of the server process(es), self time (whole run, ${(total / 1e6).toFixed(1)} s sampled):`);
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 20);
  for (const [key, us] of top) console.log(`  ${((100 * us) / total).toFixed(1).padStart(5)} %  ${key}`);
  for (const [key] of top.filter(([k]) => !k.startsWith('(')).slice(0, 3)) {
    console.log(`  called as (${key}):`);
    for (const [chain, us] of [...(callers.get(key) ?? [])].sort((a, b) => b[1] - a[1]).slice(0, 3))
      console.log(`    ${((100 * us) / total).toFixed(1).padStart(5)} %  ${chain}`);
  }
}
