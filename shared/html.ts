/**
 * Text for HTML content and attribute values (what people typed goes into pages and mails). Braces
 * too: HTML we render can be a template (the instance's mail layout is Handlebars/Mustache-style), and
 * as entities what a tenant typed can never form a tag such as `{{{content}}}` or `{{#each}}`, while
 * it still reads the same in a browser or mail client.
 */
export const escapeHtml = (s: string) => s.replace(/[&<>"'{}]/g, (c) => `&#${c.charCodeAt(0)};`);

/** Text of HTML that may escape it any way it likes (&amp;, &#38;, &#x26;). */
export const decodeEntities = (html: string) =>
  html
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[name] ?? '');
