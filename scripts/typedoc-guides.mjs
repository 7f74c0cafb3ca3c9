// A TypeDoc plugin for the docs site (`pnpm run docs`): the guides in docs/*.md become pages titled by their first
// heading and grouped as "Guides"; headings also get the anchors GitHub gives them, so links written for GitHub
// work in the site; and the snippet builder (examples/server/public/builder/) is copied into the site with the
// widget's CDN build beside it, at the same relative places as on the reference server (`builder/`, `cdn/`).
// A guide links to the builder's source file; in the site that link leads to the copy.
import { cpSync, existsSync } from 'node:fs';
import { Converter, ReflectionKind, RendererEvent } from 'typedoc';

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

/** @param {string} heading @returns {string} the anchor GitHub gives a Markdown heading */
function githubSlug(heading) {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/**
 * A markdown-it loader: every heading keeps TypeDoc's id and also gets the one GitHub would give it, when they
 * differ ("6. Visitor frames: client → server" is `#6-visitor-frames-client--server` on GitHub).
 * @param {any} parser
 */
function githubAnchors(parser) {
  const render =
    parser.renderer.rules.heading_open ??
    ((
      /** @type {any[]} */ tokens,
      /** @type {number} */ idx,
      /** @type {any} */ options,
      /** @type {unknown} */ _env,
      /** @type {any} */ self,
    ) => self.renderToken(tokens, idx, options));
  parser.renderer.rules.heading_open = (
    /** @type {any[]} */ tokens,
    /** @type {number} */ idx,
    /** @type {any[]} */ ...rest
  ) => {
    const html = render(tokens, idx, ...rest);
    const text = (tokens[idx + 1]?.children ?? [])
      .filter((/** @type {any} */ t) => t.type === 'text' || t.type === 'code_inline')
      .map((/** @type {any} */ t) => t.content)
      .join('');
    const github = githubSlug(text);
    return github && github !== tokens[idx].attrGet('id') ? `${html}<a id="${github}" aria-hidden="true"></a>` : html;
  };
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_CREATE_DOCUMENT, (_context, document) => {
    const text = document.content.map((part) => part.text).join('');
    const title = /^# (.+)$/m.exec(text)?.[1]?.replaceAll('`', '').trim();
    if (title) document.name = title;
    document.frontmatter['group'] ??= 'Guides';
  });

  // Before TypeDoc builds its Markdown parser (high priority: it does so on this event too; options set at load
  // are read again after plugins load), and before any page is rendered, so the builder's bare HTML file is never
  // copied into media/.
  app.renderer.on(
    RendererEvent.BEGIN,
    (event) => {
      app.options.setValue('markdownItLoader', githubAnchors);
      const { project } = event;
      if (project.readme) pointAtBuilderCopy(project.readme, '');
      // Guides are rendered one folder down, in documents/.
      for (const document of project.getReflectionsByKind(ReflectionKind.Document))
        if (document.isDocument()) pointAtBuilderCopy(document.content, '../');
    },
    1000,
  );

  app.renderer.on(RendererEvent.END, (event) => {
    if (!existsSync(new URL('parlor.js', CDN_DIR))) {
      app.logger.error('packages/widget/dist/cdn is missing: run `pnpm build` before the docs.');
      return;
    }
    cpSync(BUILDER_DIR, `${event.outputDirectory}/builder`, { recursive: true });
    cpSync(CDN_DIR, `${event.outputDirectory}/cdn`, { recursive: true });
  });
}
