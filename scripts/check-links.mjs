#!/usr/bin/env node
// Checks the built docs site (docs/api, from `pnpm run docs`): every internal href and src in every HTML page
// must lead to a file of the site, and every #fragment to an element with that id (or name) in it. External
// links (http, https, mailto, data) are not fetched. Exits 1 listing each broken link.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** @param {string} dir @returns {string[]} every file under dir */
function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/** @type {Map<string, Set<string>>} */
const idCache = new Map();
/** @param {string} file @returns {Set<string>} the ids and names an anchor may target in an HTML file */
function ids(file) {
  let found = idCache.get(file);
  if (!found) {
    const html = readFileSync(file, 'utf8');
    found = new Set([...html.matchAll(/\s(?:id|name)="([^"]*)"/g)].map((m) => m[1] ?? ''));
    idCache.set(file, found);
  }
  return found;
}

/**
 * @param {string} site the site's folder
 * @returns {{ pages: number, links: number, broken: string[] }}
 */
export function checkLinks(site) {
  const pages = walk(site).filter((file) => file.endsWith('.html'));
  const broken = [];
  let links = 0;
  for (const page of pages) {
    const html = readFileSync(page, 'utf8');
    for (const [, attribute, raw = ''] of html.matchAll(/\s(href|src)="([^"]*)"/g)) {
      if (/^([a-z][a-z0-9+.-]*:|\/\/)/i.test(raw)) continue; // external, data: or javascript:
      links++;
      const url = raw.replaceAll('&amp;', '&');
      const [path = '', fragment] = url.split('#');
      const target = path === '' ? page : resolve(dirname(page), decodeURIComponent(path.split('?')[0] ?? ''));
      const file = existsSync(target) && statSync(target).isDirectory() ? join(target, 'index.html') : target;
      const where = `${relative(site, page)}: ${attribute}="${raw}"`;
      if (!file.startsWith(site) || !existsSync(file)) broken.push(`${where} (no file ${relative(site, file)})`);
      else if (fragment && file.endsWith('.html') && !ids(file).has(decodeURIComponent(fragment)))
        broken.push(`${where} (no #${fragment} in ${relative(site, file)})`);
    }
  }
  return { pages: pages.length, links, broken };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const site = resolve(process.argv[2] ?? fileURLToPath(new URL('../docs/api', import.meta.url)));
  const { pages, links, broken } = checkLinks(site);
  if (broken.length) {
    console.error(
      `${broken.length} broken internal link(s) in ${relative(process.cwd(), site)}:\n  ${broken.join('\n  ')}`,
    );
    process.exit(1);
  }
  console.log(`links: ${links} internal links in ${pages} pages, none broken.`);
}
