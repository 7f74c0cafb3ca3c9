/**
 * The scene most fault cases start from: a visitor on the shop page with the panel open and a first message
 * sent, and the agent console in its own browser context with that conversation open. Ends with the check
 * every fault case ends with: the server stored each message once, in order, and both screens show exactly that.
 */
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AgentConsole, Widget, untilShown, watchProblems } from './browser.js';
import { storedMessages, storedText, until, type HostSite } from './servers.js';

/** The two people, each in a browser context of their own: a visitor's blank tab and a signed-in agent console. */
export interface Sides {
  visitorContext: BrowserContext;
  agentContext: BrowserContext;
  /** The visitor's tab, still blank: the caller loads the page the visitor comes in by. */
  page: Page;
  widget: Widget;
  agentPage: Page;
  agent: AgentConsole;
  problems: string[];
  close(): Promise<void>;
}

/** Both sides of one conversation. */
export interface Scene extends Sides {
  conversation: string;
}

/** Opens the agent console on `consoleServer`, signed in, and a blank tab for the visitor; both watched for problems. */
export async function openSides(browser: Browser, consoleServer: string): Promise<Sides> {
  const problems: string[] = [];
  const visitorContext = await browser.newContext();
  const agentContext = await browser.newContext();
  const agentPage = await agentContext.newPage();
  watchProblems(agentPage, problems);
  const agent = new AgentConsole(agentPage);
  await agent.signIn(consoleServer);
  const page = await visitorContext.newPage();
  watchProblems(page, problems);
  return {
    visitorContext,
    agentContext,
    page,
    widget: new Widget(page),
    agentPage,
    agent,
    problems,
    async close() {
      await visitorContext.close();
      await agentContext.close();
    },
  };
}

/**
 * The visitor (panel already open) says `first`; the agent opens the conversation from the queue row named
 * `queueName` and sees it. Returns the scene with its conversation id.
 */
export async function startConversation(sides: Sides, first: string, queueName: RegExp | string): Promise<Scene> {
  await sides.widget.type(first);
  const conversation = await sides.widget.conversation();
  // By its preview too: the queue may hold earlier conversations of other visitors under the same name.
  await sides.agent.openConversation(queueName, first);
  await sides.agent.message(first).waitFor({ timeout: 15_000 });
  return { ...sides, conversation };
}

/** Opens both sides on the CDN shop page; the visitor says `first`, the agent opens the conversation. */
export async function openScene(
  browser: Browser,
  host: HostSite,
  widgetServer: string,
  consoleServer: string,
  first: string,
): Promise<Scene> {
  const sides = await openSides(browser, consoleServer);
  await sides.page.goto(host.cdnPage(widgetServer));
  await sides.widget.open();
  return startConversation(sides, first, /Anonymous visitor/);
}

/**
 * Waits until the server stored `count` messages, then asserts: each visitor text and each agent text once,
 * in the order each side sent them, seqs 1..n without gaps, and the widget and the console showing exactly
 * the stored list. Returns the stored list and when the last message was seen stored.
 */
export async function assertExactlyOnce(
  scene: Pick<Scene, 'widget' | 'agent' | 'conversation'>,
  serverUrl: string,
  sent: { visitor: readonly string[]; agent: readonly string[] },
  ms = 90_000,
): Promise<{ stored: string[]; storedAt: number }> {
  const count = sent.visitor.length + sent.agent.length;
  let rows = await storedMessages(serverUrl, scene.conversation);
  try {
    await until(
      `${count} messages stored`,
      async () => (rows = await storedMessages(serverUrl, scene.conversation)).length >= count,
      ms,
      250,
    );
  } catch {
    // the assertions below say what is missing
  }
  const storedAt = Date.now();
  const stored = rows.map((m) => `${m.role}: ${storedText(m)}`);
  const ofRole = (role: string) => rows.filter((m) => m.role === role).map((m) => storedText(m));
  assert.deepEqual(ofRole('visitor'), sent.visitor, 'the visitor’s messages, each once, in order');
  assert.deepEqual(ofRole('agent'), sent.agent, 'the agent’s messages, each once, in order');
  assert.equal(rows.length, count, 'nothing else stored');
  assert.deepEqual(
    rows.map((m) => m.seq),
    rows.map((_, i) => i + 1),
    'seqs 1..n without gaps',
  );
  assert.deepEqual(await untilShown('the widget', () => scene.widget.shown(), stored, 30_000), stored, 'the widget');
  // The console may reconnect (and reload the newest page) after a first look: load older pages on every look.
  const consoleShows = async () => {
    await scene.agent.loadAll();
    return scene.agent.shown();
  };
  assert.deepEqual(await untilShown('the console', consoleShows, stored, 30_000), stored, 'the console');
  return { stored, storedAt };
}

/** Polls the server's storage until the conversation holds at least `count` messages; resolves with the count seen. */
export async function untilStored(
  serverUrl: string,
  conversation: string,
  count: number,
  ms = 60_000,
): Promise<number> {
  let seen = 0;
  await until(
    `${count} messages stored`,
    async () => (seen = (await storedMessages(serverUrl, conversation)).length) >= count,
    ms,
    10,
  );
  return seen;
}

/** `prefix 001` … `prefix n`. */
export const numbered = (prefix: string, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix} ${String(i + 1).padStart(3, '0')}`);
