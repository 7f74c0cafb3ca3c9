/**
 * The snippet builder's snippets as a site owner pastes them: the npm and React ones type-check in the Vite and
 * React examples' own TypeScript setups against the real packages, and the script tag carries hostile settings
 * through unchanged without breaking out of its attributes or its inline script.
 */
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import ts from 'typescript';

interface BuilderSettings {
  siteId: string;
  server: string;
  accent: string;
  theme: 'light' | 'dark' | 'auto';
  position: 'right' | 'left';
  greeting: string;
  launcherLabel: string;
  auth: 'anonymous' | 'identified' | 'jwt';
}
interface Snippets {
  DEFAULTS: Readonly<BuilderSettings>;
  scriptTagSnippet(s: BuilderSettings): string;
  npmSnippet(s: BuilderSettings): string;
  reactSnippet(s: BuilderSettings): string;
}

const here = dirname(fileURLToPath(import.meta.url));
const examples = join(here, '../..');
const snippets = (await import(new URL('../public/builder/snippets.js', import.meta.url).href)) as Snippets;

const HOSTILE = {
  greeting: `He said "hi" </script><script>alert(1)</script> & <b>{x}</b>\nline two \\ 'quoted'`,
  launcherLabel: `Chat with Walnut & Co. 'n' "friends" </script>`,
};

/** Every combination a test pastes: each auth mode, with the defaults and with every setting changed. */
const VARIANTS: BuilderSettings[] = (['anonymous', 'identified', 'jwt'] as const).flatMap((auth) => [
  { ...snippets.DEFAULTS, auth },
  {
    ...snippets.DEFAULTS,
    siteId: 'walnut-shop',
    server: 'https://chat.walnut.example/',
    accent: '#0B6E4F',
    theme: 'dark',
    position: 'left',
    ...HOSTILE,
    auth,
  },
]);

/**
 * Type-checks `files` (name → source) as if they were in `project`'s `src/`, with that project's tsconfig, in one
 * program; returns each file's diagnostics.
 */
function typeCheck(project: string, files: Record<string, string>): Record<string, string[]> {
  const config = ts.readConfigFile(join(project, 'tsconfig.json'), (path) => ts.sys.readFile(path));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, project);
  const virtual = new Map(Object.entries(files).map(([name, code]) => [join(project, 'src', name), code]));
  const host = ts.createCompilerHost(parsed.options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) => {
    const code = virtual.get(name);
    return code === undefined
      ? getSourceFile.call(host, name, language, ...rest)
      : ts.createSourceFile(name, code, language);
  };
  host.fileExists = (name) => virtual.has(name) || fileExists.call(host, name);
  host.readFile = (name) => virtual.get(name) ?? readFile.call(host, name);
  const program = ts.createProgram([...virtual.keys()], { ...parsed.options, noEmit: true }, host);
  return Object.fromEntries(
    [...virtual.keys()].map((path) => [
      path.slice(join(project, 'src').length + 1),
      ts
        .getPreEmitDiagnostics(program, program.getSourceFile(path))
        .map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`),
    ]),
  );
}

const label = (s: BuilderSettings, i: number) => `${s.auth}-${i % 2 ? 'changed' : 'defaults'}`;

describe('snippet builder: the snippets work where they are pasted', () => {
  it('the React snippet type-checks in a TypeScript React app, for every auth mode and setting', () => {
    const files = Object.fromEntries(VARIANTS.map((s, i) => [`snippet-${label(s, i)}.tsx`, snippets.reactSnippet(s)]));
    const errors = typeCheck(join(examples, 'react'), files);
    assert.deepEqual(errors, Object.fromEntries(Object.keys(files).map((name) => [name, []])));
  });

  it('the npm snippet type-checks in a TypeScript Vite app, for every auth mode and setting', () => {
    const files = Object.fromEntries(
      VARIANTS.map((s, i) => [`snippet-${label(s, i)}.ts`, `export {};\n${snippets.npmSnippet(s)}`]),
    );
    const errors = typeCheck(join(examples, 'vite'), files);
    assert.deepEqual(errors, Object.fromEntries(Object.keys(files).map((name) => [name, []])));
  });

  it('the type check does catch a wrong snippet', () => {
    const wrong = snippets.reactSnippet(VARIANTS[0]!).replace('<ChatWidget', '<ChatWidget position="top"');
    const errors = typeCheck(join(examples, 'react'), { 'wrong.tsx': wrong })['wrong.tsx'] ?? [];
    assert.ok(
      errors.some((e) => e.startsWith('TS2322')),
      errors.join('\n'),
    );
  });

  it('the script tag keeps hostile settings inside its attributes (anonymous)', () => {
    const s = VARIANTS[1]!;
    const tag = snippets.scriptTagSnippet(s);
    assert.equal(tag.match(/<script\b/g)?.length, 1, tag);
    assert.equal(tag.match(/<\/script>/g)?.length, 1, tag);
    const attribute = (name: string) => {
      const raw = new RegExp(`\\b${name}="([^"]*)"`).exec(tag)?.[1];
      return raw?.replaceAll('&quot;', '"').replaceAll('&lt;', '<').replaceAll('&amp;', '&');
    };
    assert.equal(attribute('data-greeting'), s.greeting);
    assert.equal(attribute('data-launcher-label'), s.launcherLabel);
    assert.equal(attribute('data-position'), 'left');
    assert.equal(attribute('data-theme'), 'dark');
    assert.equal(attribute('data-server'), 'https://chat.walnut.example');
  });

  it('the script tag keeps hostile settings inside its inline script (signed-in visitors)', () => {
    for (const s of VARIANTS.filter((v, i) => v.auth !== 'anonymous' && i % 2)) {
      const tag = snippets.scriptTagSnippet(s);
      assert.equal(tag.match(/<script\b/g)?.length, 2, tag);
      assert.equal(tag.match(/<\/script>/g)?.length, 2, tag);
      const inline = /<script>([\s\S]*?)<\/script>/.exec(tag)?.[1] ?? '';
      // A page's global object, where `window.Parlor` and `Parlor` are the same thing.
      const page: { window?: unknown; Parlor?: { q: [string, unknown[]][] } } = {};
      page.window = page;
      runInNewContext(inline, page);
      const calls = page.Parlor?.q ?? [];
      assert.equal(calls.length, 1);
      const [method, [options]] = calls[0] as [string, [Record<string, unknown>]];
      assert.equal(method, 'init');
      assert.equal(options.greeting, s.greeting);
      assert.equal(options.launcherLabel, s.launcherLabel);
      assert.equal((options.identity as { mode: string }).mode, s.auth);
    }
  });
});
