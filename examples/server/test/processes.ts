/**
 * Real server processes for the scale-out tests: `src/main.ts` run by Node (through tsx, reading the
 * workspace sources), configured only by environment variables, as an operator would run it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENT_TOKEN, Client, ORIGIN, uuidv7, testSites } from './harness.js';

const SERVER_DIR = fileURLToPath(new URL('..', import.meta.url));

/** A server process. */
export interface ServerProcess {
  name: string;
  port: number;
  wsUrl: string;
  child: ChildProcess;
  /** What the process printed (stdout and stderr), for failure messages. */
  output(): string;
  /** SIGKILL: no shutdown, no goodbye, as a crash or an OOM kill. */
  kill(): Promise<void>;
  /** SIGTERM: the graceful shutdown (1012 to every socket), then waits for the exit. */
  stop(): Promise<void>;
}

/** Starts `src/main.ts` with DATABASE_URL and REDIS_URL (and any `extra` variables); resolves once it listens. */
export async function startProcess(
  name: string,
  env: { DATABASE_URL: string; REDIS_URL: string },
  extra: Record<string, string> = {},
) {
  const dataDir = mkdtempSync(join(tmpdir(), `parlor-${name}-`));
  const sitesFile = join(dataDir, 'sites.json');
  writeFileSync(
    sitesFile,
    JSON.stringify({ sites: testSites(), agents: [{ id: 'ada', name: 'Ada', token: AGENT_TOKEN, sites: ['*'] }] }),
  );
  const child = spawn(process.execPath, ['--conditions=@parlor/source', '--import', 'tsx', 'src/main.ts'], {
    cwd: SERVER_DIR,
    env: {
      ...process.env,
      ...env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      PARLOR_SITES_FILE: sitesFile,
      LOG_LEVEL: 'warn',
      MAX_CONNECTIONS_PER_IP: '1000',
      ...extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 20 s:\n${output}`)), 20_000);
    const check = () => {
      const match = /health\s+http:\/\/localhost:(\d+)\/health/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout.on('data', check);
    void exited.then(() => reject(new Error(`${name} exited at start-up:\n${output}`)));
  });
  const server: ServerProcess = {
    name,
    port,
    wsUrl: `ws://127.0.0.1:${port}`,
    child,
    output: () => output,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}

type Frame = { type: string; [key: string]: unknown };

/** A visitor on `server` (anonymous, or returning with `token`); resolves after the welcome. */
export async function visitorOn(server: ServerProcess, token?: string) {
  const client = new Client(`${server.wsUrl}/v1/connect`, ORIGIN);
  await client.opened;
  client.send({ type: 'hello', v: 1, site: 'shop', auth: { mode: 'anonymous', ...(token ? { token } : {}) } });
  const welcome = await client.next<
    Frame & {
      visitor: { id: string; token: string };
      site: { presence: string };
      conversation: { id: string; lastSeq: number } | null;
    }
  >('welcome', 10_000);
  return { client, welcome };
}

/** The agent Ada's console on `server`; resolves after the welcome. */
export async function agentOn(server: ServerProcess) {
  const client = new Client(`${server.wsUrl}/v1/agent`, `http://127.0.0.1:${server.port}`);
  await client.opened;
  client.send({ type: 'hello', v: 1, auth: { mode: 'agent', token: AGENT_TOKEN } });
  await client.next('welcome', 10_000);
  return client;
}

/** A message frame's content. */
export interface WireMessage {
  seq: number;
  id: string;
  conversation: string;
  author: { role: string };
  body: { text?: string };
}

/** Waits until `client` has received `message` frames for every id in `ids` (in any order), and returns them. */
export async function messagesWithIds(client: Client, ids: readonly string[], ms = 15_000): Promise<WireMessage[]> {
  const want = new Set(ids);
  const got: WireMessage[] = [];
  const deadline = Date.now() + ms;
  while (want.size) {
    const frame = await client.next<{ message: WireMessage }>('message', Math.max(1, deadline - Date.now()));
    got.push(frame.message);
    want.delete(frame.message.id);
  }
  return got;
}

/** A `send` frame with a fresh client id. */
export function sendFrame(text: string, conversation?: string) {
  const id = uuidv7();
  return { id, frame: { type: 'send', id, body: { kind: 'text', text }, ...(conversation ? { conversation } : {}) } };
}
