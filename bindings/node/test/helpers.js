'use strict'
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const assert = require('node:assert/strict')

let root = null
/** A fresh directory under one per-process root, removed when the process exits. */
function tempDir() {
  if (root === null) {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'keyrack-node-'))
    process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }))
  }
  return fs.mkdtempSync(path.join(root, 'd-'))
}

let n = 0
/** A path for a new store file. */
function storePath() {
  return path.join(tempDir(), `store-${n++}.redb`)
}

/** Asserts that `fn` throws (or rejects with) an Error with `code`. */
function throwsCode(fn, code) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof Error, 'an Error')
    assert.equal(e.code, code, e.message)
    assert.ok(e.message.length > 0)
    return true
  })
}

async function rejectsCode(promise, code) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof Error, 'an Error')
    assert.equal(e.code, code, e.message)
    return true
  })
}

const T0 = new Date('2026-01-01T00:00:00Z')
/** A new store on a manual clock at T0. */
function openAt(opts = {}) {
  const { Store, ManualClock } = require('..')
  const clock = new ManualClock(T0)
  const store = new Store(storePath(), { clock, ...opts })
  return { store, clock }
}

/** Asserts that `fn` throws the TypeError of an unknown option named `name`. */
function throwsUnknown(fn, name) {
  assert.throws(fn, (e) => unknownOption(e, name))
}

async function rejectsUnknown(promise, name) {
  await assert.rejects(promise, (e) => unknownOption(e, name))
}

function unknownOption(e, name) {
  assert.ok(e instanceof TypeError, `a TypeError, got ${e}`)
  assert.equal(e.code, 'KEYRACK_INVALID_ARGUMENT')
  assert.equal(e.field, name)
  assert.ok(e.message.includes(name), e.message)
  return true
}

const repoRoot = path.resolve(__dirname, '..', '..', '..')
const vectors = (name) => JSON.parse(fs.readFileSync(path.join(repoRoot, 'tests', 'vectors', name), 'utf8'))

module.exports = { tempDir, storePath, throwsCode, rejectsCode, throwsUnknown, rejectsUnknown, vectors, repoRoot, T0, openAt }
