'use strict'
// Runs every ```js block of README.md, so the documented examples stay true.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { tempDir } = require('./helpers')

const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8')
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1])

test('README has examples', () => assert.ok(blocks.length >= 4))

const AsyncFunction = (async () => {}).constructor
for (const [i, code] of blocks.entries()) {
  test(`README example ${i + 1}`, async () => {
    // `require('keyrack')` means this package.
    const req = (name) => require(name === 'keyrack' ? path.join(__dirname, '..') : name)
    const run = new AsyncFunction('require', 'assert', 'path', 'dir', code)
    await run(req, assert, path, tempDir())
  })
}
