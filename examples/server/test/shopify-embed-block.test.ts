/**
 * The theme app extension's app embed, `examples/shopify/blocks/parlor-chat.liquid`, rendered by a real
 * template engine with what the storefront platform provides registered on it: its output must be JSON the
 * loader reads, stay inside its `<script>` whatever the merchant types, and be exactly what the storefront
 * fixture (`src/shopify/storefront-page.ts`) serves, so the browser and e2e tests run against the block's
 * real output.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Drop, Liquid, Tag, TokenKind, type TagToken, type TopLevelToken } from 'liquidjs';
import { embedBlock, embedConfig, type EmbedInputs } from '../src/shopify/storefront-page.js';

const BLOCK = new URL('../../shopify/blocks/parlor-chat.liquid', import.meta.url);

/** Where the platform's `asset_url` points for this extension (any URL; the fixture gets the same one). */
const assetUrl = (name: string) => `https://cdn.storefront.test/extensions/parlor/assets/${name}`;

/** A `color` setting as the platform hands it over: an object, not a string (hence the block's `append: ''`). */
class ColorDrop extends Drop {
  constructor(readonly hex: string) {
    super();
  }
  override valueOf(): string {
    return this.hex;
  }
}

/**
 * The platform's `json` filter, where the engine's differs in what the block depends on: nil becomes `null`
 * (the engine's prints nothing, which would leave `"greeting": ,`), and `<`, `>`, `&`, U+2028 and U+2029 come
 * out as `\u` escapes, as the platform's JSON encoder writes them (its product JSON reads
 * `"\u003cp\u003e…"`), so no value can close the `<script>` around it. The engine's own escapes none of them.
 * Anything but a plain value throws: what the platform prints for its objects is not modelled here.
 */
function platformJson(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
    throw new Error(`json of an object (${String(value)}): the block should hand json a plain value`);
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** An engine with the storefront's additions; `escapeJson: false` keeps the engine's own escaping. */
function storefrontEngine(options: { escapeJson: boolean } = { escapeJson: true }) {
  const schemas: string[] = [];
  const engine = new Liquid({ strictFilters: true });
  // `{% schema %}…{% endschema %}`: the block's settings for the theme editor. It renders nothing.
  engine.registerTag(
    'schema',
    class extends Tag {
      constructor(token: TagToken, remain: TopLevelToken[], liquid: Liquid) {
        super(token, remain, liquid);
        let body = '';
        for (let next = remain.shift(); next; next = remain.shift()) {
          if (next.kind === TokenKind.Tag && (next as TagToken).name === 'endschema') {
            schemas.push(body);
            return;
          }
          body += next.getText();
        }
        throw new Error('{% schema %} not closed');
      }
      render(): void {}
    },
  );
  engine.registerFilter('asset_url', (name: string) => assetUrl(name));
  if (options.escapeJson) engine.registerFilter('json', platformJson);
  const templates = engine.parse(readFileSync(BLOCK, 'utf8'));
  return { engine, templates, schemas };
}

const { engine, templates, schemas } = storefrontEngine();
const schema = JSON.parse(schemas[0] ?? 'null') as {
  settings: { id?: string; type: string; default?: string; options?: { value: string }[] }[];
};
const setting = (id: string) => schema.settings.find((s) => s.id === id);
const DEFAULTS = Object.fromEntries(
  schema.settings.flatMap((s) => (s.id && s.default !== undefined ? [[s.id, s.default]] : [])),
);

/** The objects the platform gives the block for these inputs (the fixture's mirror takes the same inputs). */
function platformObjects(inputs: EmbedInputs) {
  const settings: Record<string, unknown> = { ...DEFAULTS, ...inputs.settings };
  if (typeof settings['accent'] === 'string') settings['accent'] = new ColorDrop(settings['accent']);
  const metafield = (value: string | undefined) => (value === undefined ? undefined : { value });
  return {
    app: {
      metafields: {
        parlor: { site_id: metafield(inputs.metafields.site_id), server: metafield(inputs.metafields.server) },
      },
    },
    block: { settings },
    template: { name: inputs.template },
    shop: { permanent_domain: inputs.shop },
    request: { locale: { iso_code: inputs.locale }, design_mode: inputs.designMode },
    cart: { currency: { iso_code: inputs.currency } },
    customer: inputs.customerId === null ? null : { id: Number(inputs.customerId) },
    routes: { root_url: inputs.root },
  };
}

const render = (inputs: EmbedInputs, using = engine, parsed = templates): string =>
  using.renderSync(parsed, platformObjects(inputs)) as string;

/**
 * The block's two parts, cut as the HTML parser cuts them: a script element ends at the first `</script`, so
 * a value that closed it would leave broken JSON here.
 */
function parseBlock(html: string): { config: Record<string, unknown>; loader: string | undefined } | null {
  if (html.trim() === '') return null;
  const json = /<script type="application\/json" data-parlor-shopify>([\s\S]*?)<\/script/i.exec(html)?.[1];
  assert.ok(json !== undefined, `no JSON config in ${html}`);
  const loader = /<script src="([^"]*)" defer><\/script>/.exec(html)?.[1];
  return { config: JSON.parse(json) as Record<string, unknown>, loader };
}

const string = (v: unknown) => typeof v === 'string';
/**
 * What the loader reads from the block (`LoaderConfig` in packages/shopify-loader/src/config.ts), key by key.
 * Its `readConfig` reads the DOM, so it is not imported here. It treats `''` as unset, but not null: a null
 * greeting or label would reach the widget as the text "null".
 */
const LOADER_READS: Record<string, (v: unknown) => boolean> = {
  siteId: (v) => string(v) && v !== '',
  server: (v) => string(v) && /^https?:\/\//.test(v as string),
  widget: (v) => string(v) && /^https?:\/\//.test(v as string),
  shop: string,
  locale: string,
  currency: string,
  customer: (v) => v === null || (string(v) && /^\d+$/.test(v as string)),
  root: string,
  proxy: (v) => string(v) && /^\/.*[^/]$/.test(v as string),
  accent: string,
  position: (v) => v === '' || v === 'left' || v === 'right',
  greeting: string,
  label: string,
  editor: (v) => typeof v === 'boolean',
};

function assertLoaderReads(config: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(config)) {
    const accepts = LOADER_READS[key];
    assert.ok(accepts, `the loader reads no "${key}"`);
    assert.ok(accepts(value), `the loader cannot take ${key}: ${JSON.stringify(value)}`);
  }
  // The block leaves the widget's URL to the loader's default, `<server>/cdn/parlor.js`.
  for (const key of Object.keys(LOADER_READS))
    assert.ok(key in config || key === 'widget', `the block leaves out "${key}"`);
}

const GUEST: EmbedInputs = {
  settings: {},
  metafields: { site_id: 'harbour', server: 'https://chat.example.com' },
  template: 'product',
  shop: 'harbour.myshopify.com',
  locale: 'en',
  currency: 'EUR',
  customerId: null,
  root: '/',
  designMode: false,
};

/** Every case the block is rendered for; each must match the fixture's mirror. */
const CASES: Record<string, EmbedInputs> = {
  guest: GUEST,
  customer: { ...GUEST, customerId: '7' },
  'product only, on a product page': { ...GUEST, settings: { show_on: 'product' } },
  'product only, on the home page': { ...GUEST, template: 'index', settings: { show_on: 'product' } },
  'not the cart, on the cart': { ...GUEST, template: 'cart', settings: { show_on: 'not_cart' } },
  'not the cart, on a product page': { ...GUEST, settings: { show_on: 'not_cart' } },
  'no site id': { ...GUEST, metafields: { server: 'https://chat.example.com' } },
  'an empty site id setting': {
    ...GUEST,
    metafields: {},
    settings: { site_id: '', server: 'https://chat.example.com' },
  },
  'a blank site id setting': {
    ...GUEST,
    metafields: {},
    settings: { site_id: '  ', server: 'https://chat.example.com' },
  },
  'no server': { ...GUEST, metafields: { site_id: 'harbour' } },
  'settings only': { ...GUEST, metafields: {}, settings: { site_id: 'own', server: 'https://own.example' } },
  'metafields and settings': {
    ...GUEST,
    settings: {
      site_id: 'own',
      server: 'https://own.example',
      accent: '#112233',
      position: 'left',
      greeting: 'Ahoy',
      launcher_label: 'Talk',
    },
  },
  'theme editor, French': { ...GUEST, locale: 'fr', root: '/fr', designMode: true },
  hostile: {
    ...GUEST,
    settings: {
      greeting: `</script><script>alert(1)</script> "quoted" 'single' \\ line\u2028sep\u2029 <!-- <![CDATA[ &amp;`,
      launcher_label: `"><img src=x onerror=alert(1)>`,
    },
  },
};

describe('the app embed block, rendered', () => {
  it('compares with blank as the platform does: nil, empty and whitespace are blank', () => {
    const blankOf = (v: unknown) =>
      engine.parseAndRenderSync('{% if v == blank %}blank{% else %}set{% endif %}', { v });
    assert.deepEqual([undefined, null, '', '  ', 'x'].map(blankOf), ['blank', 'blank', 'blank', 'blank', 'set']);
  });

  it('has a schema whose settings are the ones the block reads, with the values it compares against', () => {
    assert.equal(schemas.length, 1);
    const read = engine
      .fullVariablesSync(templates)
      .filter((v) => v.startsWith('block.settings.'))
      .map((v) => v.slice('block.settings.'.length));
    const ids = schema.settings.flatMap((s) => (s.id ? [s.id] : []));
    assert.deepEqual([...new Set(read)].sort(), [...ids].sort(), 'read by the block = declared in the schema');
    assert.deepEqual(
      setting('show_on')?.options?.map((o) => o.value),
      ['all', 'product', 'not_cart'],
    );
    assert.deepEqual(
      setting('position')?.options?.map((o) => o.value),
      ['right', 'left'],
    );
    assert.equal(setting('accent')?.type, 'color');
  });

  it('renders a guest on a product page: the config, then the loader, deferred', () => {
    const html = render(GUEST);
    assert.deepEqual(parseBlock(html), {
      config: {
        siteId: 'harbour',
        server: 'https://chat.example.com',
        shop: 'harbour.myshopify.com',
        locale: 'en',
        currency: 'EUR',
        customer: null,
        root: '/',
        proxy: '/apps/parlor',
        accent: '#3b3bd4',
        position: 'right',
        // Unset text settings come out empty, which the loader reads as unset: the server's greeting and
        // the widget's launcher label in the visitor's language.
        greeting: '',
        label: '',
        editor: false,
      },
      loader: assetUrl('parlor-shopify.js'),
    });
    assert.equal(html.match(/<script/g)?.length, 2);
  });

  it('gives a logged-in customer id as a string', () => {
    assert.equal(parseBlock(render(CASES['customer']!))?.config['customer'], '7');
  });

  it('renders nothing where show_on leaves the page out, and everywhere else', () => {
    assert.equal(render(CASES['product only, on the home page']!).trim(), '');
    assert.equal(render(CASES['not the cart, on the cart']!).trim(), '');
    assert.ok(parseBlock(render(CASES['product only, on a product page']!)));
    assert.ok(parseBlock(render(CASES['not the cart, on a product page']!)));
    assert.ok(parseBlock(render({ ...GUEST, template: 'cart' })), 'all pages, the cart too');
  });

  it('renders nothing without a site id or a server', () => {
    for (const name of ['no site id', 'an empty site id setting', 'a blank site id setting', 'no server'])
      assert.equal(render(CASES[name]!).trim(), '', name);
  });

  it("takes the site id and server from the app's metafields over the block's settings", () => {
    const both = parseBlock(render(CASES['metafields and settings']!))?.config;
    assert.equal(both?.['siteId'], 'harbour');
    assert.equal(both?.['server'], 'https://chat.example.com');
    const settingsOnly = parseBlock(render(CASES['settings only']!))?.config;
    assert.equal(settingsOnly?.['siteId'], 'own');
    assert.equal(settingsOnly?.['server'], 'https://own.example');
  });

  it('keeps hostile settings inside the JSON script, read back unchanged', () => {
    const inputs = CASES['hostile']!;
    const html = render(inputs);
    assert.equal(html.match(/<script/gi)?.length, 2, 'no script element of the merchant’s');
    assert.equal(html.match(/<\/script/gi)?.length, 2);
    assert.doesNotMatch(html, /<!--|<!\[CDATA\[|[\u2028\u2029]/);
    const config = parseBlock(html)?.config;
    assert.equal(config?.['greeting'], inputs.settings.greeting);
    assert.equal(config?.['label'], inputs.settings.launcher_label);
  });

  it("relies on the platform's json filter for that: with the engine's own, the greeting closes the script", () => {
    const plain = storefrontEngine({ escapeJson: false });
    const html = render(CASES['hostile']!, plain.engine, plain.templates);
    assert.equal(html.match(/<\/script/gi)?.length, 4);
    assert.throws(() => parseBlock(html), SyntaxError);
  });

  it('renders JSON the loader reads, in every case', () => {
    for (const [name, inputs] of Object.entries(CASES)) {
      const block = parseBlock(render(inputs));
      if (block) assert.doesNotThrow(() => assertLoaderReads(block.config), name);
    }
  });

  it('is what the storefront fixture serves for the same inputs: same keys, same values, same loader', () => {
    for (const [name, inputs] of Object.entries(CASES)) {
      const liquid = parseBlock(render(inputs));
      const config = embedConfig(inputs);
      assert.deepEqual(config, liquid?.config ?? null, name);
      if (config) assert.deepEqual(parseBlock(embedBlock(config, assetUrl('parlor-shopify.js'))), liquid, name);
    }
  });
});
