/**
 * Protocol fuzzing against one real server: seeded random frames of every shape over several visitor and
 * agent sockets at once. Each thrown frame is followed by a marker frame (an unknown `type` the server must
 * answer with `bad_frame` naming it), so everything between two markers is the server's answer to one
 * thrown frame; processing is sequential per connection, which makes this exact.
 *
 * Replay a run with `FUZZ_SEED=<seed>` (printed at the start). Frame sequences per socket replay; the
 * interleaving between sockets and server-minted ids do not.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  DEFAULT_LIMITS,
  agentClientFrameSchema,
  agentServerFrameSchema,
  clientFrameSchema,
  parseFrame,
  serverFrameSchema,
  type ErrorCode,
} from '@parlor/core/protocol';
import { SignJWT } from 'jose';
import WebSocket, { type RawData } from 'ws';
import { computeUserHash } from '../src/auth/index.js';
import {
  AGENT_TOKEN,
  ORIGIN,
  OTHER_AGENT_TOKEN,
  OTHER_SECRET,
  SECRET,
  agent,
  jwtKey,
  say,
  startTestServer,
  uuidv7,
  visitor,
  type Client,
  type TestServer,
} from './harness.js';

/** Fields that carry text a client wrote (not ids the server chose). */
const FREE_TEXT = new Set([
  'text',
  'caption',
  'preview',
  'name',
  'title',
  'url',
  'referrer',
  'email',
  'quickReplies',
  'attributes',
]);

const SEED = process.env['FUZZ_SEED'] ? Number(process.env['FUZZ_SEED']) : Math.floor(Math.random() * 2 ** 31);
const TARGET_FRAMES = Number(process.env['FUZZ_FRAMES'] ?? 20_000);
const WARM_UP_FRAMES = 2_000;
const MAX_FRAME_BYTES = DEFAULT_LIMITS.maxFrameBytes;
/** The WebSocket layer's hard cap (server.ts); above it the socket closes with 1009. */
const HARD_CAP = 1024 * 1024;
const GENEROUS = {
  framesPerSecond: 100_000,
  messagesPerSecond: 100_000,
  messageBurst: 100_000,
  pingIntervalMs: 300_000,
};
/** Close codes the protocol documents for a server-initiated close. */
const DOCUMENTED_CLOSES = [1000, 1009, 4001, 4002, 4003, 4004, 4005, 4008, 4010, 4029];
const FATAL_HELLO: Partial<Record<ErrorCode, number>> = {
  unauthorized: 4001,
  token_expired: 4002,
  forbidden_origin: 4003,
  unsupported_version: 4004,
  not_found: 4005,
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
type Frame = { type: string; [key: string]: unknown };
type Role = 'visitor' | 'agent';

// ---- seeded randomness ----

class Rng {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  /** mulberry32: a uniform float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
  /** Log-uniform integer in [min, max]. */
  logInt(min: number, max: number): number {
    return Math.min(max, Math.floor(Math.exp(Math.log(min) + this.next() * (Math.log(max + 1) - Math.log(min)))));
  }
  chars(length: number, alphabet: string): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.int(alphabet.length)] ?? '';
    return out;
  }
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
const HEX = '0123456789abcdef';
const WEIRD_CHARS = [
  '\u0000',
  '\u0001',
  '\u0007',
  '\b',
  '\t',
  '\n',
  '\r',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\u200b',
  '\u200e',
  '\u202e',
  '\u2028',
  '\u2029',
  '\ufeff',
  '\ufffd',
  '\uffff',
  '\ud800',
  '\udbff',
  '\udc00',
  '\udfff',
  '\u{1F600}',
  '\u{10FFFF}',
  '"',
  '\\',
  '<',
  '>',
  '&',
  "'",
  '`',
  '%',
  '/',
  'é',
  '€',
];

function weirdString(rng: Rng, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += rng.chance(0.5) ? rng.pick(WEIRD_CHARS) : rng.chars(1, B64URL);
  return out;
}

/** A UUIDv7 from the seeded generator. */
function clientId(rng: Rng): string {
  const ms = Date.now().toString(16).padStart(12, '0');
  const r = rng.chars(20, HEX);
  return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7${r.slice(0, 3)}-${rng.pick(['8', '9', 'a', 'b'])}${r.slice(3, 6)}-${r.slice(6, 18)}`;
}

const serverId = (rng: Rng, prefix: string) => `${prefix}_${rng.chars(22, B64URL)}`;

function badUuid(rng: Rng): string {
  return rng.pick([
    '00000000-0000-4000-8000-000000000000',
    'ffffffff-ffff-7fff-cfff-ffffffffffff',
    `${clientId(rng)}\n`,
    ` ${clientId(rng)}`,
    clientId(rng).replace(/-/g, ''),
    clientId(rng).slice(0, 35),
    `${clientId(rng)}0`,
    clientId(rng).replace('-7', '-1'),
    '{uuid}',
    'NaN',
    '',
    weirdString(rng, 36),
  ]);
}

function badServerId(rng: Rng): string {
  return rng.pick([
    'c_short',
    `C_${rng.chars(22, B64URL)}`,
    `c_${rng.chars(21, B64URL)}`,
    `c_${rng.chars(65, B64URL)}`,
    `c_${rng.chars(21, B64URL)}/`,
    `conversation_${rng.chars(22, B64URL)}`,
    `c_${rng.chars(22, B64URL)}\n`,
    '../../etc/passwd',
    "c_aaaaaaaaaaaaaaaaaaaaa' OR 1=1 --",
    `c_${weirdString(rng, 22)}`,
  ]);
}

function weirdValue(rng: Rng, ids: readonly string[]): Json {
  switch (rng.int(24)) {
    case 0:
      return null;
    case 1:
      return 'NaN';
    case 2:
      return 'Infinity';
    case 3:
      return -1;
    case 4:
      return 0;
    case 5:
      return 1.5;
    case 6:
      return -0.5;
    case 7:
      return 1e308;
    case 8:
      return -1e308;
    case 9:
      return 2 ** 53 + 2;
    case 10:
      return Number.MAX_SAFE_INTEGER;
    case 11:
      return rng.chance(0.5);
    case 12:
      return [];
    case 13:
      return {};
    case 14:
      return '';
    case 15:
      return 'x'.repeat(rng.logInt(100, 40_000));
    case 16:
      return weirdString(rng, rng.logInt(1, 300));
    case 17:
      return badUuid(rng);
    case 18:
      return badServerId(rng);
    case 19:
      return ids.length ? rng.pick(ids) : serverId(rng, 'c');
    case 20:
      return '1';
    case 21:
      return -(2 ** 31);
    case 22:
      return [1, 'two', null, { three: 3 }];
    default:
      return { polluted: true, toString: 'x', valueOf: 1 };
  }
}

/** Sets an own enumerable property, even one named `__proto__`. */
function setKey(target: JsonObject, key: string, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const copy = (value: JsonObject): JsonObject => JSON.parse(JSON.stringify(value)) as JsonObject;

/** Adds `__proto__`, `constructor` and `prototype` keys at every level of an object tree. */
function pollute(value: Json, depth = 0): Json {
  if (depth > 12) return value;
  if (Array.isArray(value)) return value.map((v) => pollute(v, depth + 1));
  if (!isObject(value)) return value;
  for (const key of Object.keys(value)) {
    const child = value[key];
    if (child !== undefined) setKey(value, key, pollute(child, depth + 1));
  }
  setKey(value, '__proto__', { polluted: true, isAdmin: true });
  setKey(value, 'constructor', { prototype: { polluted: true } });
  setKey(value, 'prototype', { polluted: true });
  return value;
}

interface Slot {
  parent: JsonObject | Json[];
  key: string | number;
}

function slots(value: Json, out: Slot[] = [], depth = 0): Slot[] {
  if (depth > 8) return out;
  if (Array.isArray(value)) {
    value.forEach((child, i) => {
      out.push({ parent: value, key: i });
      slots(child, out, depth + 1);
    });
  } else if (isObject(value)) {
    for (const key of Object.keys(value)) {
      out.push({ parent: value, key });
      const child = value[key];
      if (child !== undefined) slots(child, out, depth + 1);
    }
  }
  return out;
}

function put(slot: Slot, value: Json): void {
  if (Array.isArray(slot.parent)) slot.parent[Number(slot.key)] = value;
  else setKey(slot.parent, String(slot.key), value);
}

function read(slot: Slot): Json {
  return (Array.isArray(slot.parent) ? slot.parent[Number(slot.key)] : slot.parent[String(slot.key)]) ?? null;
}

function swapType(rng: Rng, value: Json): Json {
  if (typeof value === 'number') return rng.pick([String(value), value + 0.5, -value, [value], value > 0]);
  if (typeof value === 'string') return rng.pick([value.length, [value], value.toUpperCase(), `${value}\u0000`, true]);
  if (typeof value === 'boolean') return rng.pick([String(value), value ? 1 : 0, null]);
  if (Array.isArray(value))
    return rng.pick([Object.fromEntries(value.map((v, i) => [String(i), v])), value[0] ?? null, value.length]);
  if (isObject(value)) return rng.pick([Object.values(value), JSON.stringify(value), null]);
  return rng.pick([0, 'null', false]);
}

function deep(rng: Rng, depth: number): string {
  return rng.chance(0.5)
    ? `${'['.repeat(depth)}1${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** One to three random mutations of a valid frame: dropped fields, swapped types, odd values, extra keys. */
function mutate(rng: Rng, frame: JsonObject, ids: readonly string[]): JsonObject {
  const root = copy(frame);
  const rounds = 1 + rng.int(3);
  for (let round = 0; round < rounds; round++) {
    const all = slots(root);
    if (!all.length) break;
    const slot = rng.pick(all);
    switch (rng.int(10)) {
      case 0:
        if (Array.isArray(slot.parent)) slot.parent.splice(Number(slot.key), 1);
        else Reflect.deleteProperty(slot.parent, String(slot.key));
        break;
      case 1:
        put(slot, null);
        break;
      case 2:
      case 3:
      case 4:
        put(slot, weirdValue(rng, ids));
        break;
      case 5:
        put(slot, swapType(rng, read(slot)));
        break;
      case 6: {
        const parent = isObject(read(slot)) ? read(slot) : slot.parent;
        if (isObject(parent))
          setKey(
            parent,
            rng.pick(['__proto__', 'constructor', 'prototype', 'polluted', 'type', 'role', 'author', 'x']),
            weirdValue(rng, ids),
          );
        break;
      }
      case 7:
        put(slot, rng.chance(0.5) ? badUuid(rng) : rng.chance(0.5) && ids.length ? rng.pick(ids) : badServerId(rng));
        break;
      case 8:
        put(slot, JSON.parse(deep(rng, rng.logInt(10, 40))) as Json);
        break;
      default:
        put(slot, pollute(copy({ v: read(slot) }))); // the value wrapped, with proto keys at each level
        break;
    }
  }
  return root;
}

// ---- shared state of the run ----

interface Victim {
  conversation: string;
  visitorId: string;
  upload: string;
  rows: { seq: number; clientId: string; body: unknown }[];
}

interface Run {
  server: TestServer;
  victim: Victim;
  /** Conversations and visitors made by fuzz sockets and the setup (never the victim's). */
  conversations: string[];
  visitors: string[];
  uploads: string[];
  jwts: { shop: string; expired: string; members: string };
  thrown: number;
  markers: number;
  reconnects: number;
  errors: Map<string, number>;
  closes: Map<number, number>;
  violations: string[];
  heapWarm: number | null;
}

function note(run: Run, message: string): void {
  run.violations.push(message.length > 600 ? `${message.slice(0, 600)}…` : message);
}

function remember(list: string[], id: string): void {
  if (list.includes(id)) return;
  list.push(id);
  if (list.length > 60) list.shift();
}

// ---- frames of each direction, valid by construction ----

interface SocketState {
  established: boolean;
  site: string;
  visitorId: string | null;
  token: string | null;
  conversation: string | null;
  recentIds: string[];
}

const freshState = (): SocketState => ({
  established: false,
  site: 'shop',
  visitorId: null,
  token: null,
  conversation: null,
  recentIds: [],
});

interface Worker {
  index: number;
  role: Role;
  origin: string;
  /** Agent token (agents only). */
  token: string;
  /** May this worker name the victim's ids? (Not Ada, who may legitimately write there.) */
  seesVictim: boolean;
}

function idsFor(run: Run, worker: Worker, st: SocketState): string[] {
  const ids = [...run.conversations];
  if (worker.seesVictim) ids.push(run.victim.conversation);
  if (st.conversation) ids.push(st.conversation);
  return ids;
}

function visitorIdsFor(run: Run, worker: Worker): string[] {
  return worker.seesVictim ? [...run.visitors, run.victim.visitorId] : [...run.visitors];
}

function uploadsFor(run: Run, worker: Worker): string[] {
  return worker.seesVictim ? [...run.uploads, run.victim.upload] : [...run.uploads];
}

function text(rng: Rng): string {
  switch (rng.int(9)) {
    case 0:
      return weirdString(rng, rng.logInt(1, 400));
    case 1:
      return '<img src=x onerror=alert(1)>';
    case 2:
      return 'x'.repeat(rng.pick([3999, 4000, 4001, 5000, 32_768]));
    case 3:
      return '\ud800'.repeat(rng.logInt(1, 200));
    case 4:
      return '=HYPERLINK("http://evil.test")';
    default:
      return `fuzz ${rng.chars(rng.logInt(1, 60), B64URL)}`;
  }
}

function newClientId(rng: Rng, st: SocketState): string {
  if (st.recentIds.length && rng.chance(0.15)) return rng.pick(st.recentIds);
  const id = clientId(rng);
  st.recentIds.push(id);
  if (st.recentIds.length > 10) st.recentIds.shift();
  return id;
}

function body(rng: Rng, uploads: readonly string[]): JsonObject {
  if (rng.chance(0.85) || !uploads.length) return { kind: 'text', text: text(rng) };
  const attachment: JsonObject = {
    kind: 'attachment',
    upload: rng.pick(uploads),
    name: rng.pick(['a.png', 'evil.html', weirdString(rng, 20) || 'x']),
    mime: rng.pick(['image/png', 'text/html', 'application/pdf']),
    size: rng.int(100_000),
  };
  if (rng.chance(0.3)) attachment['caption'] = text(rng);
  if (rng.chance(0.2)) attachment['url'] = 'javascript:alert(1)';
  return attachment;
}

function visitorHello(rng: Rng, run: Run, st: SocketState): JsonObject {
  const members = rng.chance(0.2);
  const userId = `fuzz-user-${rng.int(4)}`;
  let auth: JsonObject;
  if (members)
    auth = rng.chance(0.7)
      ? { mode: 'identified', userId, userHash: computeUserHash(OTHER_SECRET, userId), name: weirdString(rng, 8) }
      : { mode: 'jwt', jwt: run.jwts.members };
  else {
    const r = rng.next();
    if (r < 0.6) auth = st.token && rng.chance(0.5) ? { mode: 'anonymous', token: st.token } : { mode: 'anonymous' };
    else if (r < 0.8) auth = { mode: 'identified', userId, userHash: computeUserHash(SECRET, userId) };
    else if (r < 0.95) auth = { mode: 'jwt', jwt: run.jwts.shop };
    else auth = { mode: 'jwt', jwt: run.jwts.expired };
  }
  const hello: JsonObject = {
    type: 'hello',
    v: rng.chance(0.96) ? 1 : 2,
    site: rng.chance(0.97) ? (members ? 'members' : 'shop') : 'no-such-site',
    auth,
  };
  if (rng.chance(0.2))
    hello['resume'] = {
      conversation: st.conversation ?? serverId(rng, 'c'),
      epoch: rng.chance(0.8) ? 1 : 2,
      seq: rng.int(30),
    };
  if (rng.chance(0.5)) hello['consent'] = { context: rng.chance(0.5), analytics: rng.chance(0.5) };
  if (rng.chance(0.3)) hello['client'] = { name: 'fuzz', version: '1.0.0' };
  return hello;
}

function visitorFrame(rng: Rng, run: Run, worker: Worker, st: SocketState): JsonObject {
  const ids = idsFor(run, worker, st);
  const conversation = () => (st.conversation && rng.chance(0.6) ? st.conversation : rng.pick(ids));
  if (!st.established && rng.chance(0.5)) return visitorHello(rng, run, st);
  const r = rng.int(100);
  if (r < 30) {
    const frame: JsonObject = { type: 'send', id: newClientId(rng, st), body: body(rng, uploadsFor(run, worker)) };
    if (rng.chance(0.6)) frame['conversation'] = conversation();
    return frame;
  }
  if (r < 38) return { type: 'sync', conversation: conversation(), epoch: rng.chance(0.8) ? 1 : 3, after: rng.int(40) };
  if (r < 46) {
    const frame: JsonObject = { type: 'history', conversation: conversation(), before: 1 + rng.int(60) };
    if (rng.chance(0.5)) frame['limit'] = 1 + rng.int(200);
    return frame;
  }
  if (r < 54) return { type: 'typing', conversation: conversation(), on: rng.chance(0.5) };
  if (r < 62) return { type: 'read', conversation: conversation(), seq: 1 + rng.int(50) };
  if (r < 74) {
    const frame: JsonObject = { type: 'context' };
    if (rng.chance(0.7))
      frame['page'] = { url: `https://shop.test/p/${rng.int(100)}`, title: weirdString(rng, 10), referrer: '' };
    if (rng.chance(0.5))
      frame['attributes'] = JSON.parse(
        `{"plan":"pro","__proto__":"x","constructor":1,"prototype":null,"n":${rng.int(9)},"ok":true}`,
      ) as Json;
    if (rng.chance(0.4))
      frame['cart'] = rng.chance(0.2)
        ? null
        : {
            currency: 'EUR',
            total: rng.int(10_000),
            itemCount: 1,
            items: [{ id: 'sku-1', title: 'Shoe', quantity: 1, price: rng.int(10_000) }],
          };
    if (rng.chance(0.5)) frame['consent'] = { context: rng.chance(0.7), analytics: rng.chance(0.5) };
    return frame;
  }
  if (r < 78) {
    const userId = `fuzz-user-${rng.int(4)}`;
    const secret = st.site === 'members' ? OTHER_SECRET : SECRET;
    const auth: JsonObject = rng.chance(0.8)
      ? { mode: 'identified', userId, userHash: computeUserHash(secret, userId) }
      : { mode: 'jwt', jwt: st.site === 'members' ? run.jwts.members : run.jwts.shop };
    if (st.token && rng.chance(0.5)) auth['token'] = st.token;
    return { type: 'identify', auth };
  }
  if (r < 81) return { type: 'logout' };
  if (r < 85) return visitorHello(rng, run, st);
  const ping: JsonObject = { type: 'ping' };
  if (rng.chance(0.5)) ping['t'] = rng.pick([0, -1, 1.5, 1e300, Date.now()]);
  return ping;
}

function agentFrame(rng: Rng, run: Run, worker: Worker, st: SocketState): JsonObject {
  const ids = idsFor(run, worker, st);
  if (!st.established && rng.chance(0.5))
    return {
      type: 'hello',
      v: rng.chance(0.96) ? 1 : 2,
      auth: { mode: 'agent', token: rng.chance(0.95) ? worker.token : `${worker.token}-forged` },
    };
  const conversation = rng.pick(ids);
  const r = rng.int(100);
  if (r < 10) {
    const frame: JsonObject = { type: 'list' };
    if (rng.chance(0.5)) frame['status'] = rng.pick(['waiting', 'open', 'closed']);
    if (rng.chance(0.5)) frame['site'] = rng.pick(['shop', 'members', 'nope']);
    return frame;
  }
  if (r < 22) return { type: 'open', conversation };
  if (r < 27) return { type: 'leave', conversation };
  if (r < 47) {
    const frame: JsonObject = {
      type: 'send',
      id: newClientId(rng, st),
      conversation,
      body: body(rng, uploadsFor(run, worker)),
    };
    if (rng.chance(0.3)) frame['quickReplies'] = ['Yes', 'No', weirdString(rng, 10) || 'x'];
    return frame;
  }
  if (r < 55) return { type: 'history', conversation, before: 1 + rng.int(60) };
  if (r < 63) return { type: 'typing', conversation, on: rng.chance(0.5) };
  if (r < 71) return { type: 'read', conversation, seq: 1 + rng.int(50) };
  if (r < 77) return { type: 'status', conversation, status: rng.pick(['open', 'closed']) };
  if (r < 82) return { type: 'presence', status: rng.pick(['online', 'away']) };
  if (r < 90) {
    const visitors = visitorIdsFor(run, worker);
    return {
      type: 'proactive',
      id: newClientId(rng, st),
      visitor: visitors.length ? rng.pick(visitors) : serverId(rng, 'v'),
      text: text(rng).slice(0, 2000) || 'hi',
    };
  }
  if (r < 94) return { type: 'hello', v: 1, auth: { mode: 'agent', token: worker.token } };
  return { type: 'ping', t: rng.int(1000) };
}

// ---- what gets thrown ----

type Payload =
  | { kind: 'text'; text: string; label: string }
  | { kind: 'binary'; bytes: Buffer; label: string }
  /** A text frame whose bytes are not UTF-8. */
  | { kind: 'raw'; bytes: Buffer; label: string };

const INVALID_JSON = [
  '',
  ' ',
  '{',
  '}',
  '{"type":"ping",}',
  "{'type':'ping'}",
  '{"type":"ping"} trailing',
  '{"type":"ping"}{"type":"ping"}',
  'NaN',
  'undefined',
  '{"type": NaN}',
  '{"type":"ping","t":Infinity}',
  '/* comment */ {"type":"ping"}',
  '{"type":"ping" "t":1}',
  '{type:"ping"}',
  '{"type":"ping\u0000"}',
  '\u0000',
  '\ufeff{"type":"ping"}',
  '{"a":1,"a":',
  '[',
  '"unterminated',
  '{"type":"\\ud800"',
  '{"type":"ping","t":01}',
  '{"type":"ping","t":.5}',
  '{"type":"ping","t":1e}',
  '{"type":"\\x41"}',
];

const ODD_JSON = [
  'null',
  '1',
  '-0',
  '"ping"',
  'true',
  '[]',
  '{}',
  '[{"type":"ping"}]',
  '{"type":null}',
  '{"type":1}',
  '{"type":{}}',
  '{"type":["ping"]}',
  '{"type":"PING"}',
  '{"type":"ping "}',
  '{"type":"constructor"}',
  '{"type":"__proto__"}',
  '{"type":"toString"}',
  '{"type":"hasOwnProperty"}',
  '{"type":"valueOf"}',
  '{"type":"prototype"}',
  `{"type":"${'t'.repeat(100)}"}`,
  '{"type":"\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d"}',
  '{"type":"ping","t":1e400}',
  '{"type":"ping","t":-1e400}',
  '{"type":"ping","t":1e-400}',
  '{"type":"ping","t":123456789012345678901234567890}',
  '{"__proto__":{"polluted":true},"type":"ping"}',
  '{"type":"ping","constructor":{"prototype":{"polluted":true}}}',
  '{"type":"__proto__","__proto__":{"type":"ping"}}',
  '{"type":"send","__proto__":{"id":"0190a5f2-7c1e-7d3a-9b21-5f0e8c4a2b10","body":{"kind":"text","text":"x"}}}',
];

/** A frame of `bytes` UTF-8 bytes (at least ~80) that is a send frame padded with `pad`. */
function sized(rng: Rng, bytes: number, pad: string): string {
  const head = `{"type":"send","id":"${clientId(rng)}","body":{"kind":"text","text":"`;
  const tail = '"}}';
  const room = bytes - Buffer.byteLength(head + tail);
  const unit = Buffer.byteLength(pad);
  let filler = pad.repeat(Math.max(0, Math.floor(room / unit)));
  filler += 'x'.repeat(Math.max(0, room - Buffer.byteLength(filler)));
  return head + filler + tail;
}

function frameFor(rng: Rng, run: Run, worker: Worker, st: SocketState): JsonObject {
  return worker.role === 'visitor' ? visitorFrame(rng, run, worker, st) : agentFrame(rng, run, worker, st);
}

/** Special frames thrown once, by the first visitor worker, at these positions of its run. */
function scheduled(rng: Rng, n: number): Payload | null {
  switch (n) {
    case 3:
      return { kind: 'text', text: sized(rng, 900 * 1024, 'x'), label: '900 KiB' };
    case 5:
      return { kind: 'text', text: sized(rng, MAX_FRAME_BYTES, 'x'), label: 'exactly maxFrameBytes' };
    case 6:
      return { kind: 'text', text: sized(rng, MAX_FRAME_BYTES + 1, 'x'), label: 'maxFrameBytes + 1' };
    case 7:
      return { kind: 'text', text: sized(rng, MAX_FRAME_BYTES + 30, 'é'), label: 'multi-byte over the limit' };
    case 8:
      return { kind: 'text', text: sized(rng, MAX_FRAME_BYTES - 1, '€'), label: 'multi-byte under the limit' };
    case 9:
      return { kind: 'text', text: sized(rng, HARD_CAP + 16, 'x'), label: 'over the 1 MiB hard cap' };
    case 11:
      return { kind: 'text', text: deep(rng, 10_000), label: 'deep 10000' };
    default:
      return null;
  }
}

function generate(rng: Rng, run: Run, worker: Worker, st: SocketState): Payload {
  const ids = [...idsFor(run, worker, st), ...visitorIdsFor(run, worker), ...uploadsFor(run, worker)];
  const r = rng.int(1000);
  if (r < 250) return { kind: 'text', text: JSON.stringify(frameFor(rng, run, worker, st)), label: 'valid' };
  if (r < 600)
    return { kind: 'text', text: JSON.stringify(mutate(rng, frameFor(rng, run, worker, st), ids)), label: 'mutated' };
  if (r < 650) {
    const bad = rng.pick(INVALID_JSON);
    return { kind: 'text', text: rng.chance(0.5) ? bad : `${bad}${weirdString(rng, 5)}`, label: 'invalid JSON' };
  }
  if (r < 710) {
    const json = JSON.stringify(frameFor(rng, run, worker, st));
    return { kind: 'text', text: json.slice(0, rng.int(json.length)), label: 'truncated' };
  }
  if (r < 760) return { kind: 'text', text: rng.pick(ODD_JSON), label: 'odd JSON' };
  if (r < 800) {
    const type = rng.chance(0.5) ? weirdString(rng, rng.logInt(1, 80)) : rng.chars(rng.logInt(1, 40), B64URL);
    return { kind: 'text', text: JSON.stringify({ type, id: clientId(rng) }), label: 'unknown type' };
  }
  if (r < 845) {
    const depth = rng.logInt(10, 10_000);
    const nested = deep(rng, depth);
    const text = rng.chance(0.5)
      ? nested
      : `{"type":"${rng.pick(['send', 'context', 'hello', 'list'])}","id":"${clientId(rng)}","body":${nested}}`;
    return { kind: 'text', text, label: 'deep' };
  }
  if (r < 900)
    return { kind: 'text', text: JSON.stringify(pollute(frameFor(rng, run, worker, st))), label: 'proto keys' };
  if (r < 915) {
    const target = rng.pick([MAX_FRAME_BYTES - 2, MAX_FRAME_BYTES, MAX_FRAME_BYTES + 1, 70_000, 200_000]);
    return { kind: 'text', text: sized(rng, target, rng.pick(['x', 'é', '€', '\u{1F600}'])), label: 'near the limit' };
  }
  if (r < 945) {
    const bytes = rng.chance(0.5)
      ? Buffer.from(JSON.stringify(frameFor(rng, run, worker, st)))
      : Buffer.from(Array.from({ length: rng.logInt(1, 2000) }, () => rng.int(256)));
    return { kind: 'binary', bytes, label: 'binary' };
  }
  if (r < 950) {
    const bytes = Buffer.concat([
      Buffer.from('{"type":"ping","t":"'),
      Buffer.from([0xc3, 0x28, 0xff, 0xed, 0xa0, 0x80]),
      Buffer.from('"}'),
    ]);
    return { kind: 'raw', bytes, label: 'invalid UTF-8' };
  }
  // Control characters and lone surrogates in every string of a valid frame.
  const frame = frameFor(rng, run, worker, st);
  for (const slot of slots(frame)) {
    const value = read(slot);
    if (typeof value === 'string' && slot.key !== 'type' && rng.chance(0.5))
      put(slot, `${value}${weirdString(rng, 1 + rng.int(6))}`);
  }
  return { kind: 'text', text: JSON.stringify(frame), label: 'odd characters' };
}

// ---- expectations ----

type Expectation =
  /** A refused frame: exactly this error, connection open. */
  | { kind: 'error'; code: ErrorCode; frame: string | undefined; message: string | undefined }
  /** The WebSocket layer must close. */
  | { kind: 'close'; code: number }
  /** A valid hello: welcome, or a fatal error and its close code. */
  | { kind: 'hello' }
  /** A valid frame: any valid answer; the socket may close only with these codes. */
  | { kind: 'any'; closes: number[] };

function expectFor(payload: Payload, role: Role, established: boolean, run: Run, label: string): Expectation {
  if (payload.kind === 'binary')
    return {
      kind: 'error',
      code: 'bad_frame',
      frame: undefined,
      message: 'binary frames are not part of the protocol',
    };
  if (payload.kind === 'raw') return { kind: 'close', code: 1007 };
  if (Buffer.byteLength(payload.text) > HARD_CAP) return { kind: 'close', code: 1009 };
  const received = Buffer.from(payload.text, 'utf8').toString('utf8');
  let parsed;
  try {
    parsed = parseFrame(role === 'visitor' ? clientFrameSchema : agentClientFrameSchema, received, MAX_FRAME_BYTES);
  } catch (error) {
    note(run, `parseFrame threw on a ${label} frame: ${String(error)}: ${received.slice(0, 200)}`);
    return { kind: 'any', closes: [] };
  }
  if (!parsed.ok) return { kind: 'error', code: parsed.code, frame: parsed.frame, message: parsed.message };
  const type = parsed.frame.type;
  if (type === 'hello')
    return established
      ? { kind: 'error', code: 'invalid_state', frame: 'hello', message: undefined }
      : { kind: 'hello' };
  if (!established) return { kind: 'error', code: 'not_ready', frame: type, message: undefined };
  // identify may refuse the credential; logout on a site without anonymous visitors ends the session (1000).
  return { kind: 'any', closes: type === 'identify' ? [4001, 4002] : type === 'logout' ? [1000] : [] };
}

// ---- the fuzzing socket ----

interface Answer {
  text: string;
  frame: Frame;
}

interface Outcome {
  answers: Answer[];
  close: { code: number; reason: string } | null;
  timedOut: boolean;
}

function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

class FuzzSocket {
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  close: { code: number; reason: string } | null = null;
  #inbox: Answer[] = [];
  #wake: (() => void) | null = null;

  constructor(url: string, origin: string, role: Role, run: Run, leakCheck: readonly string[]) {
    this.ws = new WebSocket(url, { origin, maxPayload: 64 * 1024 * 1024 });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      this.ws.once('error', reject);
    });
    const schema = role === 'visitor' ? serverFrameSchema : agentServerFrameSchema;
    this.ws.on('message', (data, isBinary) => {
      if (isBinary) {
        note(run, `${role}: the server sent a binary frame`);
        return;
      }
      const text = textOf(data);
      const parsed = parseFrame(schema, text, 1 << 28);
      if (!parsed.ok) note(run, `${role}: invalid server frame (${parsed.message}): ${text.slice(0, 400)}`);
      // Error frames only echo what this socket sent (a type, a client id); everything else must not leak.
      // Fuzz sockets may write the victim's ids as free text in their own conversations, which other
      // sockets may then legitimately see: ids count as leaked only outside free-text fields, while the
      // victim's own words ("victim secret") must appear nowhere.
      const isError = text.startsWith('{"type":"error"');
      const structural = parsed.ok
        ? JSON.stringify(parsed.frame, (key, value: unknown) => (FREE_TEXT.has(key) ? undefined : value))
        : text;
      for (const secret of isError ? [] : leakCheck) {
        const haystack = secret.startsWith('victim secret') ? text : structural;
        if (haystack.includes(secret))
          note(run, `${role}: a frame leaked the victim's ${secret}: ${text.slice(0, 300)}`);
      }
      let frame: Frame;
      try {
        frame = JSON.parse(text) as Frame;
      } catch {
        return;
      }
      this.#inbox.push({ text, frame });
      this.#wake?.();
    });
    this.ws.on('close', (code, reason) => {
      this.close = { code, reason: reason.toString() };
      this.#wake?.();
    });
    this.ws.on('error', () => {
      // a close follows
    });
  }

  /** Sends `payload` then a marker, and collects everything up to the marker's answer (or the close). */
  async exchange(payload: Payload, marker: string, ms = 15_000): Promise<Outcome> {
    if (payload.kind === 'text') this.ws.send(payload.text);
    else this.ws.send(payload.bytes, { binary: payload.kind === 'binary' });
    this.ws.send(JSON.stringify({ type: marker }));
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.#inbox.findIndex((a) => a.frame.type === 'error' && a.frame['frame'] === marker);
      if (i >= 0) {
        const answers = this.#inbox.splice(0, i + 1);
        answers.pop();
        return { answers, close: null, timedOut: false };
      }
      if (this.close) return { answers: this.#inbox.splice(0), close: this.close, timedOut: false };
      const left = deadline - Date.now();
      if (left <= 0) return { answers: this.#inbox.splice(0), close: null, timedOut: true };
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          this.#wake = null;
          resolve();
        };
      });
    }
  }

  async shut(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => this.ws.once('close', () => resolve()));
    this.ws.close();
    await closed;
  }
}

function check(run: Run, worker: Worker, st: SocketState, payload: Payload, expected: Expectation, out: Outcome) {
  const where = `worker ${worker.index} (${worker.role}), ${payload.label}: ${
    payload.kind === 'text' ? payload.text.slice(0, 160) : `${payload.kind} ${payload.bytes.length} bytes`
  }`;
  const errors = out.answers.filter((a) => a.frame.type === 'error').map((a) => a.frame);
  for (const error of errors) {
    const code = String(error['code']);
    run.errors.set(code, (run.errors.get(code) ?? 0) + 1);
    if (code === 'internal') note(run, `internal error (the handler failed) for ${where}`);
    if (code === 'rate_limited') note(run, `rate_limited in the generous phase for ${where}`);
  }
  if (out.close) run.closes.set(out.close.code, (run.closes.get(out.close.code) ?? 0) + 1);
  if (out.timedOut) note(run, `no answer within 15 s for ${where}`);
  const closeCode = out.close?.code;
  const closeExpected = expected.kind === 'close' && expected.code === closeCode;
  if (closeCode !== undefined && !closeExpected && !DOCUMENTED_CLOSES.includes(closeCode))
    note(run, `undocumented close ${closeCode} for ${where}`);

  switch (expected.kind) {
    case 'error': {
      const match = errors.find((e) => e['code'] === expected.code);
      if (!match)
        note(
          run,
          `expected error ${expected.code}, got ${JSON.stringify(out.answers.map((a) => a.frame))} close ${closeCode} for ${where}`,
        );
      else {
        if (match['frame'] !== expected.frame)
          note(
            run,
            `error ${expected.code} names frame ${String(match['frame'])}, expected ${String(expected.frame)} for ${where}`,
          );
        if (expected.message !== undefined && match['message'] !== expected.message)
          note(run, `error message ${String(match['message'])}, expected ${expected.message} for ${where}`);
      }
      if (out.close) note(run, `a refused frame closed the socket (${out.close.code}) for ${where}`);
      break;
    }
    case 'close':
      if (closeCode !== expected.code)
        note(run, `expected close ${expected.code}, got ${String(closeCode)} for ${where}`);
      break;
    case 'hello': {
      const welcomed = out.answers.some((a) => a.frame.type === 'welcome');
      if (welcomed && out.close) note(run, `welcome then close ${out.close.code} for ${where}`);
      if (!welcomed) {
        const fatal = errors.find((e) => FATAL_HELLO[e['code'] as ErrorCode] !== undefined);
        if (!fatal || !out.close) note(run, `hello neither welcomed nor refused with a close for ${where}`);
        else if (FATAL_HELLO[fatal['code'] as ErrorCode] !== out.close.code)
          note(run, `hello refused with ${String(fatal['code'])} but closed ${out.close.code} for ${where}`);
      }
      break;
    }
    case 'any':
      if (out.close && !expected.closes.includes(out.close.code))
        note(run, `a valid frame closed the socket (${out.close.code}) for ${where}`);
      break;
  }

  // Follow the session.
  for (const { frame } of out.answers) {
    if (frame.type === 'welcome') {
      st.established = true;
      if (worker.role === 'visitor') {
        const v = frame['visitor'] as { id: string; token?: string };
        st.visitorId = v.id;
        if (v.token) st.token = v.token;
        remember(run.visitors, v.id);
        const c = frame['conversation'] as { id: string } | null;
        st.conversation = c?.id ?? null;
        if (payload.kind === 'text') {
          try {
            const hello = JSON.parse(payload.text) as { type?: unknown; site?: unknown };
            if (hello.type === 'hello' && typeof hello.site === 'string') st.site = hello.site;
          } catch {
            // not a hello
          }
        }
      }
    }
    if (worker.role === 'visitor' && frame.type === 'ack') {
      const conversation = String(frame['conversation']);
      st.conversation = conversation;
      if (conversation !== run.victim.conversation) remember(run.conversations, conversation);
    }
  }
}

async function openSocket(run: Run, worker: Worker, leakCheck: readonly string[]): Promise<FuzzSocket> {
  const path = worker.role === 'visitor' ? '/v1/connect' : '/v1/agent';
  const socket = new FuzzSocket(`${run.server.wsUrl}${path}`, worker.origin, worker.role, run, leakCheck);
  await socket.opened;
  return socket;
}

async function runWorker(run: Run, worker: Worker, leakCheck: readonly string[]): Promise<void> {
  const rng = new Rng((SEED + Math.imul(worker.index + 1, 0x9e3779b1)) >>> 0);
  let socket = await openSocket(run, worker, leakCheck);
  let st = freshState();
  let n = 0;
  while (run.thrown < TARGET_FRAMES) {
    const payload = (worker.index === 0 ? scheduled(rng, n) : null) ?? generate(rng, run, worker, st);
    n++;
    run.thrown++;
    if (run.thrown === WARM_UP_FRAMES) run.heapWarm = process.memoryUsage().heapUsed;
    const expected = expectFor(payload, worker.role, st.established, run, payload.label);
    run.markers++;
    const out = await socket.exchange(payload, `mark-${worker.index}-${n}`);
    check(run, worker, st, payload, expected, out);
    if (out.close || out.timedOut) {
      await socket.shut();
      run.reconnects++;
      socket = await openSocket(run, worker, leakCheck);
      // A reconnecting visitor keeps its resume token and conversation, like a real client.
      st = { ...freshState(), token: st.token, conversation: st.conversation };
    }
  }
  await socket.shut();
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const sorted = (map: Map<string | number, number>) =>
  [...map]
    .sort(([a], [b]) => String(a).localeCompare(String(b)))
    .map(([k, v]) => `${k}:${v}`)
    .join(' ');

describe(`protocol fuzzing (seed ${SEED})`, () => {
  let run: Run;
  let victimClient: Client;
  let helper: Client;
  const protoKeys = Object.getOwnPropertyNames(Object.prototype).sort();

  before(async () => {
    console.log(`fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED})`);
    const server = await startTestServer({ limits: GENEROUS });
    // The victim: 20 messages and an upload, made before any fuzzing.
    const v = await visitor(server);
    victimClient = v.client;
    let conversation = '';
    for (let i = 1; i <= 20; i++)
      conversation = (await say(v.client, `victim secret ${i}`, conversation ? { conversation } : {})).ack.conversation;
    await v.client.next('message'); // the bot greeting
    const up = await fetch(`${server.url}/v1/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${v.welcome.session.token}`, 'content-type': 'image/png', origin: ORIGIN },
      body: Buffer.from('victim file'),
    });
    const victimUpload = ((await up.json()) as { upload: string }).upload;
    const rows = (await server.hub.storage.allMessages(conversation)).map((m) => ({
      seq: m.seq,
      clientId: m.clientId,
      body: m.body,
    }));
    // A helper visitor on shop (with an upload) and an identified visitor on members, so agents have targets.
    const h = await visitor(server);
    helper = h.client;
    const helperConversation = (await say(h.client, 'helper here')).ack.conversation;
    const hu = await fetch(`${server.url}/v1/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.welcome.session.token}`, 'content-type': 'image/png' },
      body: Buffer.from('helper file'),
    });
    const helperUpload = ((await hu.json()) as { upload: string }).upload;
    const m = await visitor(server, {
      site: 'members',
      auth: { mode: 'identified', userId: 'member-1', userHash: computeUserHash(OTHER_SECRET, 'member-1') },
    });
    const membersConversation = (await say(m.client, 'member here')).ack.conversation;
    m.client.close();
    v.client.frames.length = 0; // what the victim saw of its own setup; from now on it must see nothing
    const iat = Math.floor(Date.now() / 1000);
    const sign = (aud: string, secret: string, kid: string, at: number) =>
      new SignJWT({ name: 'Fuzz' })
        .setProtectedHeader({ alg: 'HS256', kid })
        .setSubject('fuzz-jwt-user')
        .setAudience(aud)
        .setIssuedAt(at)
        .setExpirationTime(at + 600)
        .sign(jwtKey(secret));
    run = {
      server,
      victim: { conversation, visitorId: v.welcome.visitor.id, upload: victimUpload, rows },
      conversations: [helperConversation, membersConversation],
      visitors: [h.welcome.visitor.id, m.welcome.visitor.id],
      uploads: [helperUpload],
      jwts: {
        shop: await sign('shop', SECRET, 'k1', iat),
        expired: await sign('shop', SECRET, 'k1', iat - 7200),
        members: await sign('members', OTHER_SECRET, 'm1', iat),
      },
      thrown: 0,
      markers: 0,
      reconnects: 0,
      errors: new Map(),
      closes: new Map(),
      violations: [],
      heapWarm: null,
    };
  });

  after(async () => {
    victimClient.close();
    helper.close();
    await run.server.stop();
  });

  it('answers every thrown frame with a valid error or a documented close, and keeps everything intact', async () => {
    const started = Date.now();
    const own = `http://127.0.0.1:${run.server.port}`;
    const visitorWorker = (index: number, origin = ORIGIN): Worker => ({
      index,
      role: 'visitor',
      origin,
      token: '',
      seesVictim: true,
    });
    // Bo (members only) may be handed the victim's ids; Ada (every site) may not, as she could write there.
    const agentWorker = (index: number, token: string): Worker => ({
      index,
      role: 'agent',
      origin: own,
      token,
      seesVictim: token === OTHER_AGENT_TOKEN,
    });
    const workers: Worker[] = [
      ...Array.from({ length: 7 }, (_, i) => visitorWorker(i)),
      visitorWorker(7, 'https://a.shop.test'),
      agentWorker(8, OTHER_AGENT_TOKEN),
      agentWorker(9, OTHER_AGENT_TOKEN),
      agentWorker(10, AGENT_TOKEN),
      agentWorker(11, AGENT_TOKEN),
    ];
    const victimSecrets = [run.victim.conversation, run.victim.visitorId, 'victim secret'];
    await Promise.all(workers.map((w) => runWorker(run, w, w.role === 'agent' && !w.seesVictim ? [] : victimSecrets)));
    const duration = Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 300));
    const heapAfter = process.memoryUsage().heapUsed;
    const heapWarm = run.heapWarm ?? heapAfter;

    const errorCounts = new Map<string | number, number>(run.errors);
    console.log(
      `fuzz summary: seed=${SEED} frames=${run.thrown} (+${run.markers} markers) sockets=${workers.length} ` +
        `reconnects=${run.reconnects} errors={${sorted(errorCounts)}} closes={${sorted(new Map(run.closes))}} ` +
        `duration=${(duration / 1000).toFixed(1)}s heap warm-up=${mb(heapWarm)}MB after=${mb(heapAfter)}MB ` +
        `(${heapAfter >= heapWarm ? '+' : ''}${mb(heapAfter - heapWarm)}MB) violations=${run.violations.length}`,
    );

    assert.ok(run.thrown >= 10_000, `threw ${run.thrown} frames`);
    assert.deepEqual(run.violations.slice(0, 25), [], `${run.violations.length} violations`);

    // The fuzzer reached the paths it is meant to reach.
    for (const code of ['bad_frame', 'too_large', 'not_ready', 'invalid_state', 'forbidden'])
      assert.ok((run.errors.get(code) ?? 0) > 0, `no ${code} error seen`);
    assert.ok((run.closes.get(1009) ?? 0) >= 1, 'the frame over the hard cap closed with 1009');

    // Stored data intact: the victim's conversation has exactly the rows it had.
    const rows = (await run.server.hub.storage.allMessages(run.victim.conversation)).map((m) => ({
      seq: m.seq,
      clientId: m.clientId,
      body: m.body,
    }));
    assert.deepEqual(rows, run.victim.rows);
    const stored = await run.server.hub.storage.allMessages(run.victim.conversation);
    assert.equal(stored.filter((m) => m.role === 'visitor').length, 20);
    const victimFrames = victimClient.frames.filter((f) =>
      ['message', 'typing', 'read', 'conversation'].includes(f.type),
    );
    assert.deepEqual(victimFrames, [], 'nothing happened in the victim’s conversation');

    // No prototype pollution.
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.equal(({} as Record<string, unknown>)['isAdmin'], undefined);
    assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), protoKeys);

    // The process is up, and connection bookkeeping went back down.
    const health = await fetch(`${run.server.url}/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    assert.equal(run.server.hub.metrics.connections.agent, 0);
    assert.equal(run.server.hub.metrics.connections.visitor, 2, 'the victim and the helper');
    assert.equal(run.server.hub.live.size, 2);
    assert.equal(run.server.hub.presence.size, 0);

    assert.ok(heapAfter - heapWarm < 150 * 1024 * 1024, `heap grew by ${mb(heapAfter - heapWarm)} MB`);
  });

  it('with the default limits, answers floods with rate_limited and closes a persistent flood with 4029', async () => {
    const server = await startTestServer();
    try {
      // Messages: a burst over messageBurst is refused per message, with the id, and not stored.
      const { client } = await visitor(server);
      const { ack } = await say(client, 'first');
      const ids = Array.from({ length: 30 }, () => uuidv7());
      for (const id of ids)
        client.send({ type: 'send', id, conversation: ack.conversation, body: { kind: 'text', text: id } });
      const answers: Frame[] = [];
      while (answers.length < ids.length) {
        const frame = await client.next();
        if (frame.type === 'ack' || frame.type === 'error') answers.push(frame);
      }
      const acked = answers.filter((f) => f.type === 'ack').map((f) => String(f['id']));
      const refused = answers.filter((f) => f.type === 'error');
      assert.ok(acked.length >= 18 && acked.length <= 22, `acked ${acked.length} of 30 after one message`);
      assert.ok(refused.length >= 8, `refused ${refused.length}`);
      for (const error of refused) {
        assert.equal(error['code'], 'rate_limited');
        assert.ok(ids.includes(String(error['id'])), 'the refusal names the message');
        assert.ok(Number(error['retryAfterMs']) > 0);
      }
      const stored = (await server.hub.storage.allMessages(ack.conversation)).map((m) => m.clientId);
      assert.deepEqual(
        ids.filter((id) => stored.includes(id)),
        acked,
        'exactly the acked messages are stored',
      );
      client.close();

      // Frames: an agent that keeps flooding gets rate_limited, then close 4029.
      const ada = await agent(server);
      for (let i = 0; i < 300; i++) ada.client.send({ type: 'ping', t: i });
      const { code } = await ada.client.closed;
      assert.equal(code, 4029);
      const pongs = ada.client.seen('pong').length;
      const limited = ada.client.seen('error');
      assert.ok(pongs <= 45, `${pongs} pongs: at most the bucket (40) and its refill`);
      assert.ok(limited.length >= 100, `${limited.length} rate_limited errors`);
      assert.ok(limited.every((e) => e['code'] === 'rate_limited' && Number(e['retryAfterMs']) > 0));
      assert.ok(pongs + limited.length <= 300);
      console.log(
        `rate phase: ${acked.length} acks, ${refused.length} rate_limited sends; ${pongs} pongs, ${limited.length} rate_limited frames, close ${code}`,
      );
    } finally {
      await server.stop();
    }
  });

  it('closing a flood with 4029 leaves no stored message without its ack', async () => {
    const server = await startTestServer();
    try {
      const { client } = await visitor(server);
      const { ack } = await say(client, 'first');
      const ids = Array.from({ length: 300 }, () => uuidv7());
      for (const id of ids)
        client.send({ type: 'send', id, conversation: ack.conversation, body: { kind: 'text', text: 'flood' } });
      assert.equal((await client.closed).code, 4029);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const acked = client.seen('ack').map((f) => String(f['id']));
      const stored = (await server.hub.storage.allMessages(ack.conversation))
        .map((m) => m.clientId)
        .filter((id) => ids.includes(id));
      assert.deepEqual(stored, acked, `stored ${stored.length} of the flood, acked ${acked.length}`);
    } finally {
      await server.stop();
    }
  });
});
