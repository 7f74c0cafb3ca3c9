/**
 * The two sides of a conversation in real Chromium: the visitor's widget on a host page and the agent console,
 * driven as people use them (click, type, press Enter), and read back from what each screen shows.
 */
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../../../scripts/launch-chromium.mjs';
import { AGENT_TOKEN, until } from './servers.js';

/** Headless Chromium (CHROME_PATH, else Debian's), with background pages kept running: two sides talk at once. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
    args: [
      ...CHROMIUM_ARGS,
      '--disable-dev-shm-usage',
      '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding',
      '--disable-backgrounding-occluded-windows',
    ],
  });
}

/** Collects page errors, console errors and dialogs (an `alert` from a payload shows up here). */
export function watchProblems(page: Page, problems: string[] = []): string[] {
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (msg) => {
    // A socket refused while the network is cut or the server down is the scenario, not a defect.
    if (msg.type() === 'error' && !/WebSocket|ERR_|Failed to load resource/.test(msg.text()))
      problems.push(`console: ${msg.text()}`);
  });
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.type()} ${dialog.message()}`);
    void dialog.dismiss();
  });
  return problems;
}

/** The visitor's widget on a page. Locators pierce the open shadow roots. */
export class Widget {
  constructor(readonly page: Page) {}

  /**
   * Opens the panel with the launcher (unless the tab kept it open) and waits for the composer. After a reload the
   * widget reopens a panel that was open, once its storage check is done: that can land between reading the launcher
   * and clicking it, and the click then closes the panel, as it would for a person. So look again and click again.
   */
  async open(): Promise<void> {
    const launcher = this.page.locator('parlor-chat button[part="launcher"]');
    const deadline = Date.now() + 20_000;
    for (;;) {
      if ((await launcher.getAttribute('aria-expanded', { timeout: 15_000 })) !== 'true') await launcher.click();
      try {
        await this.input.waitFor({ timeout: Math.max(1, Math.min(3_000, deadline - Date.now())) });
        return;
      } catch (error) {
        if (Date.now() >= deadline) throw error;
      }
    }
  }

  get input() {
    return this.page.locator('[part~="input"]');
  }

  /** Types `text` and presses Enter, as a visitor does. */
  async type(text: string): Promise<void> {
    await this.input.fill(text);
    await this.input.press('Enter');
  }

  /** Sends through the widget's client (what the composer calls), for bursts; `gapMs` apart if given. */
  async sendMany(texts: readonly string[], gapMs = 0): Promise<void> {
    await this.page.evaluate(
      async ([list, gap]) => {
        type Chat = { client?: { send(t: string): Promise<string> } };
        const client = document.querySelector<HTMLElement & Chat>('parlor-chat')?.client;
        if (!client) throw new Error('the widget has no client yet');
        for (const text of list) {
          await client.send(text);
          if (gap) await new Promise((resolve) => setTimeout(resolve, gap));
        }
      },
      [texts, gapMs] as const,
    );
  }

  /** The text of every message bubble on screen, in order, with its author role: `visitor: hi`. */
  async shown(): Promise<string[]> {
    return this.page.locator('[part~="message"]').evaluateAll((nodes) =>
      nodes.map((n) => {
        const role = /message-(\w+)/.exec(n.getAttribute('part') ?? '')?.[1] ?? '?';
        const file = n.querySelector('.file-name');
        return `${role}: ${(file ? `[file] ${file.textContent ?? ''}` : (n.textContent ?? '')).trim()}`;
      }),
    );
  }

  /** The client's snapshot, reduced to what a test checks. */
  async state(): Promise<{ connection: string; conversation: string | null; stored: number; pending: number }> {
    return this.page.evaluate(() => {
      type Snapshot = {
        connection: { status: string };
        conversation: { id: string } | null;
        items: { kind: string }[];
      };
      // The element's client: the same object as the CDN build's `Parlor.client`, and there in every way in.
      const s = document
        .querySelector<HTMLElement & { client?: { getSnapshot(): Snapshot } }>('parlor-chat')
        ?.client?.getSnapshot();
      return {
        connection: s?.connection.status ?? 'none',
        conversation: s?.conversation?.id ?? null,
        stored: s?.items.filter((i) => i.kind === 'stored').length ?? 0,
        pending: s?.items.filter((i) => i.kind === 'pending').length ?? 0,
      };
    });
  }

  /** The conversation id, once the first message is stored. */
  conversation(): Promise<string> {
    return until('the visitor’s conversation id', async () => (await this.state()).conversation);
  }
}

/** The agent console at `/agent`. */
export class AgentConsole {
  constructor(readonly page: Page) {}

  /** Opens the console on `serverUrl` and signs in with the agent token. */
  async signIn(serverUrl: string): Promise<void> {
    await this.page.goto(`${serverUrl}/agent`);
    await this.page.getByLabel('Agent token').fill(AGENT_TOKEN);
    await this.page.getByLabel('Agent token').press('Enter');
    await this.page.getByRole('radio', { name: 'Online' }).waitFor({ timeout: 15_000 });
  }

  /** Opens the (first) conversation whose queue row matches `name` (and shows `lastMessage` as its preview). */
  async openConversation(name: RegExp | string, lastMessage?: string): Promise<void> {
    const rows = this.page.getByRole('button', { name });
    await (lastMessage ? rows.filter({ hasText: lastMessage }) : rows).first().click({ timeout: 15_000 });
    await this.log.waitFor();
  }

  get log() {
    return this.page.getByRole('log', { name: 'Transcript' });
  }

  /** The open conversation's visitor panel: identity, context (page, cart, attributes), status. */
  get visitorPanel() {
    return this.page.getByRole('complementary', { name: 'Visitor' });
  }

  /** The attributes the visitor's page shared, as the visitor panel lists them (`{ key: 'shown value' }`). */
  async attributes(): Promise<Record<string, string>> {
    return this.visitorPanel.locator('dl.attributes').evaluate((list) => {
      const pairs: Record<string, string> = {};
      for (const dt of list.querySelectorAll('dt'))
        pairs[dt.textContent ?? ''] = dt.nextElementSibling?.textContent ?? '';
      return pairs;
    });
  }

  /** A message in the open transcript whose text is `text`. */
  message(text: string) {
    return this.log.locator('.msg-text, .msg-file').getByText(text, { exact: true }).first();
  }

  get replyBox() {
    return this.page.getByRole('textbox', { name: 'Reply', exact: true });
  }

  /** Types a reply (with quick replies, comma separated) and presses Enter. */
  async reply(text: string, quickReplies?: string): Promise<void> {
    if (quickReplies) await this.page.getByLabel('Quick replies (optional)').fill(quickReplies);
    await this.replyBox.fill(text);
    await this.replyBox.press('Enter');
  }

  /** Clicks "Load older messages" until the whole transcript is on screen. */
  async loadAll(): Promise<void> {
    const older = this.page.getByRole('button', { name: /older messages/ });
    while (await older.isVisible()) {
      if (await older.isEnabled()) await older.click();
      await this.page.waitForTimeout(50);
    }
  }

  /** Every message in the open transcript, `role: text`, in order (pending replies included as `pending-agent`). */
  async shown(): Promise<string[]> {
    return this.log.locator('.msg').evaluateAll((nodes) =>
      nodes.map((n) => {
        const role = /msg--(\w+)/.exec(n.className)?.[1] ?? 'pending-agent';
        const file = n.querySelector('.msg-file');
        const text = file
          ? `[file] ${(file.textContent ?? '').replace(/^Download /, '')}`
          : [...n.querySelectorAll('.msg-text')].map((p) => p.textContent ?? '').join('\n');
        return `${role}: ${text.trim()}`;
      }),
    );
  }
}

/** Network conditions through the DevTools protocol, per page. */
export async function network(context: BrowserContext, page: Page): Promise<CDPSession> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  return cdp;
}

/** Cuts (`offline`) or restores the page's network, as airplane mode would. */
export async function setOffline(cdp: CDPSession, offline: boolean): Promise<void> {
  await cdp.send('Network.emulateNetworkConditions', {
    offline,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: -1,
  });
}

/** Waits until `list()` equals `expected` (compared as JSON), returning the last value seen otherwise. */
export async function untilShown(
  what: string,
  list: () => Promise<string[]>,
  expected: readonly string[],
  ms = 20_000,
): Promise<string[]> {
  let last: string[] = [];
  try {
    await until(
      what,
      async () => {
        last = await list();
        return JSON.stringify(last) === JSON.stringify(expected);
      },
      ms,
      200,
    );
  } catch {
    // The caller's assertion reports the difference.
  }
  return last;
}
