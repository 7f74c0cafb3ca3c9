// Every JSON example in docs/protocol.md is checked against the schemas it documents, so the spec cannot
// drift from the code that servers and clients share: a renamed field or a new required one fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  agentClientFrameSchema,
  agentServerFrameSchema,
  authSchema,
  clientFrameSchema,
  messageSchema,
  serverFrameSchema,
} from '@parlor/core/protocol';

const spec = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');

/** The schema for the examples under a heading number (`6.2` → visitor frames, client → server). */
const SECTIONS: { prefix: string; name: string; schema: { safeParse(v: unknown): { success: boolean } } }[] = [
  { prefix: '3.4', name: 'Message', schema: messageSchema },
  { prefix: '5.', name: 'auth', schema: authSchema },
  { prefix: '6.', name: 'visitor frame, client → server', schema: clientFrameSchema },
  { prefix: '7.', name: 'visitor frame, server → client', schema: serverFrameSchema },
  { prefix: '8.1', name: 'agent frame, agent → server', schema: agentClientFrameSchema },
  { prefix: '8.2', name: 'agent frame, server → agent', schema: agentServerFrameSchema },
];

/** HTTP bodies (section 13): their schemas live in the server, which tests them against its routes. */
const HTTP_SECTION = '13.';

/** An HTTP error body (`{ "error": … }`, §13.1) carries what an `error` frame does: the same check applies. */
function httpError(value: unknown): { error: unknown } | null {
  return typeof value === 'object' && value !== null && 'error' in value ? (value as { error: unknown }) : null;
}

interface Example {
  heading: string;
  number: string;
  line: number;
  json: string;
}

function examples(): Example[] {
  const found: Example[] = [];
  let heading = '';
  let number = '';
  const lines = spec.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const title = /^#{2,3} (\d+(?:\.\d+)?)\.? /.exec(line);
    if (title) [heading, number] = [line, title[1] ?? ''];
    if (line.trim() !== '```json') continue;
    const start = i + 1;
    while (i + 1 < lines.length && lines[i + 1]?.trim() !== '```') i++;
    found.push({ heading, number, line: start, json: lines.slice(start, i + 1).join('\n') });
    i++;
  }
  return found;
}

describe('docs/protocol.md examples', () => {
  const all = examples();

  it('finds the examples (the extraction itself works)', () => {
    assert.ok(all.length >= 50, `only ${all.length} JSON examples found`);
    assert.ok(all.some((e) => e.number === '6.2'));
  });

  it('every JSON example parses with the schema of its section', () => {
    const wrong: string[] = [];
    for (const example of all) {
      let value: unknown;
      try {
        value = JSON.parse(example.json);
      } catch (error) {
        wrong.push(`line ${example.line} (${example.heading}): not JSON: ${(error as Error).message}`);
        continue;
      }
      if (example.number.startsWith(HTTP_SECTION)) {
        const body = httpError(value);
        if (body && !serverFrameSchema.safeParse({ type: 'error', ...(body.error as object) }).success)
          wrong.push(`line ${example.line} (${example.heading}): not a valid HTTP error body`);
        continue;
      }
      const section = SECTIONS.find((s) => `${example.number}.`.startsWith(s.prefix));
      if (!section) {
        wrong.push(`line ${example.line} (${example.heading}): no schema is known for this section`);
        continue;
      }
      if (!section.schema.safeParse(value).success)
        wrong.push(`line ${example.line} (${example.heading}): not a valid ${section.name}`);
    }
    assert.deepEqual(wrong, []);
  });

  it('checks all but the HTTP bodies against a schema', () => {
    const unchecked = all.filter((e) => e.number.startsWith(HTTP_SECTION) && !httpError(JSON.parse(e.json)));
    assert.ok(all.length - unchecked.length >= 45, `${all.length - unchecked.length} checked`);
    assert.ok(unchecked.length <= 3, `${unchecked.length} HTTP examples unchecked: give them a schema here`);
  });
});
