// A TypeDoc plugin for the docs site (`pnpm run docs`): the guides in docs/*.md become pages titled by their first
// heading and grouped as "Guides", and the snippet builder (examples/server/public/builder/) is copied into the
// site with the widget's CDN build beside it, at the same relative places as on the reference server
// (`builder/` and `cdn/`). A guide links to the builder's source file; in the site that link leads to the copy.
import { cpSync, existsSync } from 'node:fs';
import { Converter, RendererEvent } from 'typedoc';

const root = new URL('..', import.meta.url);
const BUILDER_SOURCE = 'examples/server/public/builder/index.html';
const BUILDER_DIR = new URL('examples/server/public/builder/', root);
const CDN_DIR = new URL('packages/widget/dist/cdn/', root);

/** @param {import('typedoc').CommentDisplayPart[]} parts @param {string} prefix the way from the page to the site root */
function pointAtBuilderCopy(parts, prefix) {
  for (const [i, part] of parts.entries())
    if (part.kind === 'relative-link' && part.text.endsWith(BUILDER_SOURCE))
      parts[i] = { kind: 'text', text: `${prefix}builder/index.html` };
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_CREATE_DOCUMENT, (_context, document) => {
    const text = document.content.map((part) => part.text).join('');
    const title = /^# (.+)$/m.exec(text)?.[1]?.replaceAll('`', '').trim();
    if (title) document.name = title;
    document.frontmatter['group'] ??= 'Guides';
  });

  app.converter.on(Converter.EVENT_RESOLVE_END, (context) => {
    const { project } = context;
    if (project.readme) pointAtBuilderCopy(project.readme, '');
    // Guides are rendered one folder down, in documents/.
    for (const document of project.documents ?? []) pointAtBuilderCopy(document.content, '../');
  });

  app.renderer.on(RendererEvent.END, (event) => {
    if (!existsSync(new URL('parlor.js', CDN_DIR))) {
      app.logger.error('packages/widget/dist/cdn is missing: run `pnpm build` before the docs.');
      return;
    }
    const out = event.outputDirectory;
    cpSync(BUILDER_DIR, `${out}/builder`, { recursive: true });
    cpSync(CDN_DIR, `${out}/cdn`, { recursive: true });
  });
}
