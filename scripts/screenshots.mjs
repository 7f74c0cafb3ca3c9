// Screenshots of the widget on the demo page (light, dark, right to left, phone) and of the snippet builder, for
// reviewing changes by eye and for the docs: `pnpm screenshots` (after `pnpm build`) writes docs/screenshots/*.png;
// `pnpm screenshots builder` (or any names) takes only those.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from './launch-chromium.mjs';

const root = new URL('..', import.meta.url);
const port = 8790 + Math.floor(Math.random() * 100);
const dataDir = mkdtempSync(join(tmpdir(), 'parlor-shots-'));
const server = spawn(process.execPath, ['dist/main.js'], {
  cwd: new URL('examples/server/', root),
  env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const base = `http://localhost:${port}`;
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`${base}/health`)).ok) break;
  } catch {
    if (i > 100) throw new Error('the demo server did not start');
  }
  await new Promise((r) => setTimeout(r, 100));
}

const browser = await launchChromium();
const shots = [
  { name: 'light', attrs: {}, viewport: { width: 1280, height: 800 } },
  { name: 'dark', attrs: { theme: 'dark' }, viewport: { width: 1280, height: 800 } },
  { name: 'rtl', attrs: { locale: 'he' }, viewport: { width: 1280, height: 800 } },
  { name: 'mobile', attrs: {}, viewport: { width: 390, height: 844 }, mobile: true },
];
const wanted = process.argv.slice(2);
/** The snippet builder with a few settings changed, the widget following them in the corner. */
async function builderShot() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${base}/builder/`);
  await page.locator('body[data-ready]').waitFor();
  await page.getByLabel('Accent colour').fill('#0b6e4f');
  await page.getByLabel('Bottom left').check();
  await page.getByLabel('Greeting').fill('Hi! Questions about your order?');
  await page.getByLabel('Launcher label').fill('Chat with Walnut & Co.');
  await page.waitForFunction(() => document.querySelector('parlor-chat')?.getAttribute('position') === 'left');
  await page.evaluate(() => scrollTo(0, 0));
  await page.screenshot({ path: new URL('docs/screenshots/builder.png', root).pathname });
  console.log('docs/screenshots/builder.png');
  await context.close();
}

try {
  if (wanted.length === 0 || wanted.includes('builder')) await builderShot();
  for (const shot of shots.filter((s) => wanted.length === 0 || wanted.includes(s.name))) {
    const context = await browser.newContext({
      viewport: shot.viewport,
      isMobile: !!shot.mobile,
      hasTouch: !!shot.mobile,
    });
    const page = await context.newPage();
    await page.goto(base);
    await page.waitForSelector('parlor-chat');
    await page.evaluate((/** @type {Record<string, string>} */ attrs) => {
      const el = document.querySelector('parlor-chat');
      for (const [k, v] of Object.entries(attrs)) el?.setAttribute(k, v);
    }, shot.attrs);
    await page.locator('parlor-chat').locator('button[part~="launcher"]').click();
    const textarea = page.locator('parlor-chat parlor-panel parlor-composer textarea');
    await textarea.waitFor();
    await textarea.fill('Hi! Does the blue jacket come in medium? https://shop.example/jacket');
    await textarea.press('Enter');
    await page.waitForTimeout(1200); // the ack, and the demo's greeting bot
    await textarea.fill('Typing a second question…');
    await page.screenshot({ path: new URL(`docs/screenshots/${shot.name}.png`, root).pathname });
    console.log(`docs/screenshots/${shot.name}.png`);
    await context.close();
  }
} finally {
  await browser.close();
  server.kill();
  rmSync(dataDir, { recursive: true, force: true });
}
