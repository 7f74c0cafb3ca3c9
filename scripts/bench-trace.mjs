// Main-thread script time by URL, for the page benchmarks: a timeline trace of the page (CDP `Tracing`) and the
// durations of the outermost script events whose URL is one of Parlor's files.

// The renderer's timeline events that run a script's code: top-level evaluation, compilation, and the calls the
// browser makes into it (event listeners, timers, idle callbacks, custom element reactions, module evaluation).
const SCRIPT_EVENTS = new Set([
  'EvaluateScript',
  'FunctionCall',
  'v8.compile',
  'v8.compileModule',
  'v8.evaluateModule',
  'v8.produceCache',
  'v8.produceModuleCache',
]);

/** Starts a timeline trace of the page; {@link stopTrace} returns its events. */
export async function startTrace(/** @type {any} */ cdp) {
  /** @type {any[]} */
  const events = [];
  cdp.on('Tracing.dataCollected', (/** @type {{ value: any[] }} */ e) => events.push(...e.value));
  cdp.__traceEvents = events;
  await cdp.send('Tracing.start', {
    traceConfig: {
      includedCategories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'v8.execute'],
    },
  });
}

export async function stopTrace(/** @type {any} */ cdp) {
  const done = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.end');
  await done;
  return /** @type {any[]} */ (cdp.__traceEvents);
}

/**
 * Main-thread time spent in scripts from `origin`: the durations of script events whose URL is one of them, the
 * outermost only (an event nested in another is already inside its duration). Work the code causes inside those
 * events (DOM calls, style, a synchronous storage load) counts; work it schedules elsewhere (layout after the
 * task, a promise continuation) does not: this is the floor, CDP's ScriptDuration difference the ceiling.
 */
export function scriptMsFrom(/** @type {any[]} */ events, /** @type {string} */ origin) {
  const urlOf = (/** @type {any} */ e) =>
    e.args?.data?.url ?? e.args?.data?.stackTrace?.[0]?.url ?? e.args?.fileName ?? e.args?.url ?? '';
  const ours = events
    .filter((e) => e.ph === 'X' && SCRIPT_EVENTS.has(e.name) && String(urlOf(e)).startsWith(origin))
    .sort((a, b) => a.ts - b.ts);
  let total = 0;
  /** @type {Map<number, number>} */
  const endOf = new Map(); // per thread: end of the last counted event
  for (const e of ours) {
    const end = e.ts + (e.dur ?? 0);
    if (e.ts < (endOf.get(e.tid) ?? -Infinity)) continue; // nested in one already counted
    total += e.dur ?? 0;
    endOf.set(e.tid, end);
  }
  return total / 1000;
}
