'use strict'
// Errors: a stable code for every kind the core lists (ERROR_CODES, from
// ErrorKind::ALL), the generated unions in index.d.ts agreeing with the
// core's lists, and bad input answered with malformed or a coded error.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const keyrack = require('..')
const { Store, ManualClock, errorCodes, ERROR_CODES, OUTCOMES, AUDIT_KINDS } = keyrack
const { storePath, throwsCode, rejectsCode, openAt } = require('./helpers')

test('errors carry a stable code for every core ErrorKind', () => {
  const codes = errorCodes()
  assert.deepEqual(codes, [...ERROR_CODES], 'errorCodes() is a copy of ERROR_CODES')
  assert.ok(Object.isFrozen(ERROR_CODES) && Object.isFrozen(OUTCOMES) && Object.isFrozen(AUDIT_KINDS))
  assert.ok(ERROR_CODES.every((c) => /^KEYRACK_[A-Z_]+$/.test(c)), String(ERROR_CODES))
  assert.ok(ERROR_CODES.includes('KEYRACK_INVALID_ARGUMENT') && ERROR_CODES.includes('KEYRACK_CLOSED'))
  assert.equal(new Set(ERROR_CODES).size, ERROR_CODES.length)
  // The generated index.d.ts unions (hand-kept in src/lib.rs for TypeScript)
  // agree with the core's lists; test/types.ts checks them at compile time.
  const dts = fs.readFileSync(require.resolve('../index.d.ts'), 'utf8')
  const union = (name) => [...dts.match(new RegExp(`export type ${name} = ([^\\n]*)`))[1].matchAll(/'([^']*)'/g)].map((m) => m[1])
  assert.deepEqual(union('ErrorCode'), [...ERROR_CODES], 'a core ErrorKind was added or renamed: update ErrorCode in src/lib.rs')
  assert.deepEqual(union('Outcome'), [...OUTCOMES], 'a core Outcome was added or renamed: update Outcome in src/lib.rs')
  assert.deepEqual(union('AuditKind'), [...AUDIT_KINDS], 'a core AuditKind was added or renamed: update AuditKind in src/lib.rs')
  for (const code of codes) {
    assert.throws(() => keyrack.sampleError(code), (e) => {
      assert.ok(e instanceof Error)
      assert.equal(e.code, code)
      assert.ok(e.message.length > 10, e.message)
      return true
    })
  }
})

test('bad input gives malformed or a coded error, never a crash', async () => {
  const { store } = openAt()
  const huge = 'k'.repeat(10_000_000)
  for (const key of [undefined, null, 42, {}, [], ['kr_x'], true, Symbol('s'), 10n, () => 1, '', huge, 'kr_\0abc', `kr_${'a'.repeat(49)}\0`, '\ud800', 'ключ']) {
    assert.equal(store.verify(key).outcome, 'malformed', String(typeof key))
    assert.equal((await store.verifyAsync(key)).outcome, 'malformed')
  }
  // Around the longest key the core reads (256 bytes), in ASCII and multibyte text.
  const real = store.issue({}).key
  for (const key of ['x'.repeat(253), 'x'.repeat(254), 'x'.repeat(256), 'x'.repeat(257), 'é'.repeat(127), 'é'.repeat(129), `${real}${'é'.repeat(100)}`, `${real}\0`, ` ${real}`]) {
    assert.equal(store.verify(key).outcome, 'malformed', `${key.length} chars`)
  }
  assert.equal(store.verify(real).outcome, 'valid')
  const bad = (fn) => throwsCode(fn, 'KEYRACK_INVALID_ARGUMENT')
  bad(() => store.verify('kr_x', 'scopes'))
  bad(() => store.verify('kr_x', { scopes: 'read' }))
  bad(() => store.verify('kr_x', { cost: -1 }))
  bad(() => store.verify('kr_x', { cost: 1.5 }))
  bad(() => store.verify('kr_x', { cost: NaN }))
  bad(() => store.issue('name'))
  bad(() => store.issue({ name: 5 }))
  bad(() => store.issue({ name: 'x'.repeat(1_000_000) }))
  bad(() => store.issue({ name: 'nul\0name' }))
  bad(() => store.issue({ scopes: ['has space'] }))
  bad(() => store.issue({ scopes: [''] }))
  bad(() => store.issue({ meta: { k: 1 } }))
  bad(() => store.issue({ remaining: -1 }))
  bad(() => store.issue({ remaining: 2 ** 60 }))
  bad(() => store.issue({ expiresIn: Infinity }))
  bad(() => store.issue({ expiresIn: 10, expiresAt: new Date() }))
  bad(() => store.issue({ expiresAt: new Date(NaN) }))
  bad(() => store.issue({ expiresAt: '2030-01-01' }))
  bad(() => store.issue({ prefix: 'nope' }))
  bad(() => store.issue({ sharedCredits: true }))
  bad(() => store.issue({ rateLimit: { limit: 0, window: 1000 } }))
  bad(() => store.issue({ refill: { amount: 1 } }))
  bad(() => store.issueMany())
  bad(() => store.issueMany('x'))
  bad(() => store.issueMany([{ name: 1 }]))
  bad(() => store.get())
  bad(() => store.get(42))
  bad(() => store.update())
  bad(() => store.revoke({}))
  bad(() => store.rotate())
  bad(() => store.rotate('key_0000000000000000000000', { grace: -5 }))
  bad(() => store.list({ limit: 0 }))
  bad(() => store.list({ status: 'gone' }))
  bad(() => store.list({ cursor: 'nope' }))
  bad(() => store.audit({ kind: 'eaten' }))
  bad(() => store.audit({ since: 5 }))
  bad(() => store.setPool('org'))
  bad(() => store.setPool('org', { remaining: -1 }))
  bad(() => store.setPool('', { remaining: 1 }))
  bad(() => store.purge({ olderThan: -1 }))
  bad(() => new Store())
  bad(() => new Store(42))
  bad(() => new Store(storePath(), 'opts'))
  bad(() => new Store(storePath(), { prefix: 'Bad' }))
  bad(() => new Store(storePath(), { clock: {} }))
  bad(() => new Store(storePath(), { clock: store }))
  bad(() => new ManualClock('yesterday'))
  const i = store.issue({ name: 'ok' })
  bad(() => store.update(i.id))
  bad(() => store.update(i.id, { expiresIn: 5, expiresAt: null }))
  bad(() => store.update(i.id, { scopes: [5] }))
  // Async verbs reject (not throw) on bad arguments.
  await rejectsCode(store.issueAsync({ remaining: -1 }), 'KEYRACK_INVALID_ARGUMENT')
  await rejectsCode(store.getAsync(5), 'KEYRACK_INVALID_ARGUMENT')
  await rejectsCode(store.listAsync({ limit: 5000 }), 'KEYRACK_INVALID_ARGUMENT')
  // A key in the wrong place never shows up in the error.
  assert.throws(() => store.issue({ name: 'x', scopes: i.key }), (e) => !e.message.includes(i.key))
  assert.throws(() => store.verify(i.key, i.key), (e) => !e.message.includes(i.key))
  // Missing options are defaults.
  assert.equal(store.issue().record.name, '')
  assert.equal(store.list().records.length, 3)
  assert.equal(store.verify(i.key, null).outcome, 'valid')
  store.close()
})
