// The README shipped inside the VSIX (the extension's details page): the repository README for users — without the
// development commands it opens with and without the "Development" part. Measured in code-server 4.139.1: the details
// page's sanitizer keeps only absolute http(s) image sources — a relative `docs/x.png` and a data: URI both lose their
// src and show as broken images — and the VSIX must work offline, where a public URL is broken too. So each screenshot
// becomes one line of text naming it; the images stay in the repository's docs/ folder.
'use strict';
const fs = require('fs');
const path = require('path');

/**
 * @param {string} markdown the repository README
 * @param {(rel: string) => Buffer} readImage reads an image by its relative path
 * @returns {string}
 */
function vsixReadme(markdown, readImage) {
  let text = markdown.replace(/^(# [^\n]+\n)\n```sh\n[\s\S]*?\n```\n\n(?:[^\n]+\n)+\n/, '$1\n');
  const dev = text.search(/^## Development$/m);
  if (dev >= 0) {
    const next = text.slice(dev + 1).search(/^## (?!#)/m);
    text = next >= 0 ? text.slice(0, dev) + text.slice(dev + 1 + next) : text.slice(0, dev);
  }
  return text.replace(/!\[([^\]]*)\]\((docs\/[^)\s]+\.png)\)/g, (_m, alt, rel) => {
    readImage(rel); // a README naming a screenshot that does not exist fails the build
    return `*Screenshot: ${alt} (${rel} in the repository).*`;
  });
}

/** Writes the VSIX README to `out` and returns its path. @param {string} root @param {string} out */
function writeVsixReadme(root, out) {
  const text = vsixReadme(fs.readFileSync(path.join(root, 'README.md'), 'utf8'), (rel) => fs.readFileSync(path.join(root, rel)));
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, text);
  return out;
}

module.exports = { vsixReadme, writeVsixReadme };
