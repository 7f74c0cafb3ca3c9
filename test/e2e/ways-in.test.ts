/**
 * The same short conversation through each way into a page: the CDN script tag (auto-initialised from its
 * `data-*` attributes), the npm package in a Vite app, the React example (its product page with <ChatWidget/>,
 * and its chat page, a UI of its own on useChat()), and the Shopify storefront fixture (the loader's app embed,
 * with a signed-in customer and a cart). Each runs the built files a site would ship against a real server
 * process: the visitor writes, the agent console sees it with the context that way in provides and answers, the
 * visitor sees the answer, and the server stored each message once, in order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { freePort } from '../../scripts/services.mjs';
import { launchBrowser, untilShown } from './support/browser.js';
import { assertExactlyOnce, openSides, startConversation, type Sides } from './support/scene.js';
import {
  assertAppsBuilt,
  startHostSite,
  startServerProcess,
  storedMessages,
  storedText,
  until,
  type HostSite,
  type ServerProcessOptions,
  type ServerProcess,
} from './support/servers.js';

describe('ways in: the same conversation through each', { timeout: 300_000 }, () => {
  let browser: Browser;
  let host: HostSite;
  const running: { server: ServerProcess; sides: Sides }[] = [];

  /** A server process of its own and both sides, signed in on it. */
  async function setUp(options: ServerProcessOptions): Promise<{ server: ServerProcess; sides: Sides }> {
    const server = await startServerProcess(options);
    const sides = await openSides(browser, server.url);
    running.push({ server, sides });
    return { server, sides };
  }

  before(async () => {
    assertAppsBuilt();
    host = await startHostSite();
    browser = await launchBrowser();
  });
  after(async () => {
    for (const { server, sides } of running) {
      await sides.close();
      await server.dispose();
    }
    await browser?.close();
    await host?.close();
  });

  it('the CDN script tag: settings from its data-* attributes, then a conversation', async () => {
    const { server, sides } = await setUp({ origins: [host.origin] });
    const { page, widget, agent } = sides;
    await page.goto(
      host.cdnPage(server.url, { position: 'left', locale: 'fr', 'launcher-label': 'Une question ?', open: '' }),
    );
    // `data-open`: the panel opens by itself, in French, on the left, under the page's own launcher name.
    await widget.input.waitFor({ timeout: 15_000 });
    const chat = page.locator('parlor-chat');
    assert.deepEqual(
      await chat.evaluate((el) => ['site-id', 'server', 'position', 'locale'].map((a) => el.getAttribute(a))),
      ['e2e', server.url, 'left', 'fr'],
    );
    assert.equal(
      await page.locator('parlor-chat button[part="launcher"]').getAttribute('aria-label'),
      'Une question ?',
    );
    assert.equal(await widget.input.getAttribute('placeholder'), 'Écrivez votre message…');

    const scene = await startConversation(sides, 'Bonjour, livrez-vous en Belgique ?', /Anonymous visitor/);
    await agent.reply('Oui, en trois jours.');
    await assertExactlyOnce(scene, server.url, {
      visitor: ['Bonjour, livrez-vous en Belgique ?'],
      agent: ['Oui, en trois jours.'],
    });
    assert.deepEqual(sides.problems, []);
  });

  it('npm in a Vite app (built): the app’s own button opens the chat, its badge counts the answer', async () => {
    const { server, sides } = await setUp({ origins: [host.origin], site: { id: 'vite-example' } });
    const { page, widget, agent } = sides;
    await page.goto(host.app('vite', server.url));
    const help = page.getByRole('button', { name: 'Ask for help' });
    await page.locator('parlor-chat button[part="launcher"]').waitFor({ timeout: 15_000 });
    await help.click(); // `chat.show()` in the app's main.ts
    await widget.input.waitFor({ timeout: 15_000 });
    const scene = await startConversation(sides, 'Hi from the Vite app', /Anonymous visitor/);

    // The visitor closes the panel; the answer comes in as unread, counted by the app's own listener.
    await widget.input.press('Escape');
    await until('the panel to close', async () => {
      const expanded = await page.locator('parlor-chat button[part="launcher"]').getAttribute('aria-expanded');
      return expanded === 'false';
    });
    await agent.reply('Hello! What can we do for you?');
    await page.locator('#unread').getByText('1 unread').waitFor({ timeout: 15_000 });
    await help.click();
    await assertExactlyOnce(scene, server.url, {
      visitor: ['Hi from the Vite app'],
      agent: ['Hello! What can we do for you?'],
    });
    await until('the badge to clear once read', async () => (await page.locator('#unread').textContent()) === '');
    assert.deepEqual(sides.problems, []);
  });

  it('the React example (built): the cart and product reach the agent once the visitor consents', async () => {
    const { server, sides } = await setUp({ origins: [host.origin], site: { id: 'react-example' } });
    const { page, widget, agent } = sides;
    await page.goto(host.app('react', server.url));
    await page.getByRole('button', { name: 'Add to cart (0)' }).click();
    await page.getByLabel('Share my cart and this page with support').check();
    await widget.open();
    // "Ask about this product" sends through the component's ref.
    await page.getByRole('button', { name: 'Ask about this product' }).click();
    await widget.conversation();
    const scene = await startConversation(sides, 'Does it come in oak?', /Anonymous visitor/);
    const panel = agent.visitorPanel;
    await panel.getByText(/^1 × Walnut desk — €649\.00$/).waitFor({ timeout: 15_000 });
    await panel.getByText('Total: €649.00 (1 item)').waitFor();
    assert.deepEqual(await agent.attributes(), { product: 'walnut-desk' });

    await agent.reply('Walnut only, but we can oil it lighter.');
    await assertExactlyOnce(scene, server.url, {
      visitor: ['A question about the Walnut desk:', 'Does it come in oak?'],
      agent: ['Walnut only, but we can oil it lighter.'],
    });
    // The app's `onMessage` callback heard the answer.
    await page.getByRole('complementary', { name: 'Widget events' }).getByText('message from agent').waitFor();
    assert.deepEqual(sides.problems, []);
  });

  it('the React example’s chat page (built): its own UI on useChat() sends and receives through the server', async () => {
    const { server, sides } = await setUp({ origins: [host.origin], site: { id: 'react-example' } });
    const { page, agent } = sides;
    // This page has no <parlor-chat> to ask: the conversation id comes off the wire, in the server's ack.
    const acked: string[] = [];
    page.on('websocket', (socket) =>
      socket.on('framereceived', ({ payload }) => {
        const frame =
          typeof payload === 'string' ? (JSON.parse(payload) as { type?: string; conversation?: string }) : {};
        if (frame.type === 'ack' && frame.conversation) acked.push(frame.conversation);
      }),
    );
    await page.goto(`${host.app('react', server.url)}#/chat`);
    await page.getByRole('heading', { name: 'Support' }).waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('parlor-chat').count(), 0, 'the custom UI, not the widget');
    const status = page.getByRole('status');
    await status.getByText('Write to start a conversation.').waitFor();

    const question = 'Can I collect the desk from your workshop?';
    const input = page.getByLabel('Your message');
    await input.fill(question);
    await page.getByRole('button', { name: 'Send' }).click();
    await until('the input to clear once the message is queued', async () => (await input.inputValue()) === '');
    await status.getByText(/Connected — agents are online/).waitFor({ timeout: 15_000 });
    const conversation = await until('the server to acknowledge the message', () => acked[0]);
    await agent.openConversation(/Anonymous visitor/, question);
    await agent.message(question).waitFor({ timeout: 15_000 });
    const answer = 'Yes, any weekday from 9 to 5.';
    await agent.reply(answer);

    const expected = [`visitor: ${question}`, `agent: ${answer}`];
    const shown = () =>
      page.locator('ol.log > li').evaluateAll((items) => items.map((li) => `${li.className}: ${li.textContent ?? ''}`));
    assert.deepEqual(await untilShown('the custom UI', shown, expected, 30_000), expected, 'the page shows both, sent');
    const stored = (await storedMessages(server.url, conversation)).map((m) => `${m.role}: ${storedText(m)}`);
    assert.deepEqual(stored, expected, 'the server stored each once, in order');
    assert.deepEqual(new Set(acked), new Set([conversation]), 'one conversation');
    assert.deepEqual(sides.problems, []);
  });

  it('the Shopify storefront: the loader brings the widget, the customer is verified, the cart reaches the agent', async () => {
    // The shop is the server's own fixture, on the server's origin: the port is chosen first to allow it.
    const port = await freePort();
    const shop = 'harbour-e2e.myshopify.com';
    const { server, sides } = await setUp({
      port,
      origins: [`http://127.0.0.1:${port}`],
      testFixtures: true,
      site: {
        id: 'shop-e2e',
        shopify: { shop, proxySecret: 'e2e-shopify-app-secret-0123456789', storefront: true },
      },
    });
    const { page, widget, agent } = sides;
    await page.goto(`${server.url}/fixture/shopify/shop-e2e/products/linen-shirt`);
    await page.locator('#consent-accept').click();
    await page.locator('#login').click(); // the storefront's login, back to the product page as customer 7
    await page.locator('#account').waitFor({ timeout: 15_000 });
    await page.locator('#add-to-cart').click();
    await until('the cart to hold the shirt', async () => (await page.locator('#cart-count').textContent()) === '1');
    await widget.open();

    // The app proxy's JWT names the customer: the console's queue shows them by their Shopify id.
    const scene = await startConversation(sides, 'Does the linen shirt run small?', /shopify:7/);
    const panel = agent.visitorPanel;
    await panel.getByText('Verified (signed token)').waitFor({ timeout: 15_000 });
    await panel.getByText(/^1 × Linen shirt — €49\.00$/).waitFor({ timeout: 15_000 });
    await panel.getByText('Total: €49.00 (1 item)').waitFor();
    assert.deepEqual(await agent.attributes(), {
      signedIn: 'true',
      shop,
      locale: 'en',
      currency: 'EUR',
      pageType: 'product',
    });

    await agent.reply('It runs true to size.');
    await assertExactlyOnce(scene, server.url, {
      visitor: ['Does the linen shirt run small?'],
      agent: ['It runs true to size.'],
    });
    assert.deepEqual(sides.problems, []);
  });
});
