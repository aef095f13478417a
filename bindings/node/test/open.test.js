'use strict'
// The Store's life (open.rs): opening and its options, the getters, close,
// sync and compact, sync and async; the errors of opening; the file's mode;
// the manual clock stores take.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const { Store, ManualClock } = require('..')
const { storePath, throwsCode, rejectsCode, T0, openAt } = require('./helpers')

test('open options and the getters; sync, syncAsync and close', async () => {
  const { store } = openAt({ prefix: 'sk_live', prefixes: ['sk_test'] })
  assert.equal(store.prefix, 'sk_live')
  assert.deepEqual(store.prefixes, ['sk_live', 'sk_test'])
  assert.equal(store.readOnly, false)
  assert.match(store.path, /\.redb$/)
  store.sync()
  await store.syncAsync()
  store.close()
})

test('real errors: already open, closed, not found, read only, pepper', async () => {
  const path = storePath()
  const store = new Store(path)
  const a = store.issue({ name: 'a' })
  throwsCode(() => new Store(path), 'KEYRACK_ALREADY_OPEN')
  assert.throws(() => new Store(path), /already open/)
  throwsCode(() => store.get('key_0000000000000000000000'), 'KEYRACK_NOT_FOUND')
  try {
    store.revoke('key_0000000000000000000000')
  } catch (e) {
    assert.equal(e.id, 'key_0000000000000000000000')
  }
  // An id mixed up with the secret: the error must not echo the secret.
  assert.throws(() => store.revoke(a.key), (e) => e.code === 'KEYRACK_NOT_FOUND' && !e.message.includes(a.key.slice(3)) && e.id === undefined)
  await rejectsCode(store.revokeAsync('key_0000000000000000000000'), 'KEYRACK_NOT_FOUND')
  store.close()
  store.close() // harmless
  for (const call of [
    () => store.verify(a.key),
    () => store.issue({}),
    () => store.get(a.id),
    () => store.list(),
    () => store.audit(),
    () => store.revoke(a.id),
    () => store.pool('x'),
    () => store.sync(),
  ]) {
    throwsCode(call, 'KEYRACK_CLOSED')
  }
  await rejectsCode(store.issueAsync({}), 'KEYRACK_CLOSED')
  await rejectsCode(store.verifyAsync(a.key), 'KEYRACK_CLOSED')
  await rejectsCode(store.syncAsync(), 'KEYRACK_CLOSED')

  const ro = new Store(path, { readOnly: true })
  assert.equal(ro.readOnly, true)
  assert.equal(ro.verify(a.key).outcome, 'valid')
  throwsCode(() => ro.issue({}), 'KEYRACK_READ_ONLY')
  await rejectsCode(ro.revokeAsync(a.id), 'KEYRACK_READ_ONLY')
  ro.close()

  const peppered = storePath()
  const pepper = Buffer.alloc(32, 7)
  new Store(peppered, { pepper }).close()
  throwsCode(() => new Store(peppered, { pepper: Buffer.alloc(32, 8) }), 'KEYRACK_PEPPER_MISMATCH')
  throwsCode(() => new Store(peppered), 'KEYRACK_PEPPER_MISMATCH')
  throwsCode(() => new Store(storePath(), { pepper: Buffer.alloc(31) }), 'KEYRACK_INVALID_ARGUMENT')
  new Store(peppered, { pepper: new Uint8Array(32).fill(7) }).close()

  const garbage = storePath()
  fs.writeFileSync(garbage, Buffer.alloc(8192, 0x5a))
  assert.throws(() => new Store(garbage), (e) => ['KEYRACK_CORRUPTED', 'KEYRACK_IO', 'KEYRACK_INCOMPATIBLE_VERSION'].includes(e.code))
  throwsCode(() => new Store(storePath(), { create: false }), 'KEYRACK_IO')
})

test('the store file is created with mode 0600', () => {
  const path = storePath()
  new Store(path).close()
  assert.equal(fs.statSync(path).mode & 0o777, 0o600)
})

test('a manual clock moves only when told', () => {
  const clock = new ManualClock(T0)
  assert.equal(clock.now().getTime(), T0.getTime())
  clock.advance(1500)
  assert.equal(clock.now().getTime(), T0.getTime() + 1500)
  clock.set(new Date(0))
  assert.equal(clock.now().getTime(), 0)
  throwsCode(() => clock.advance(-1), 'KEYRACK_INVALID_ARGUMENT')
  throwsCode(() => clock.advance('1'), 'KEYRACK_INVALID_ARGUMENT')
  assert.ok(Math.abs(new ManualClock().now().getTime() - Date.now()) < 60_000)
})

for (const mode of ['sync', 'async']) {
  test(`compact gives space back and keeps every key and counter (${mode})`, async () => {
    const clock = new ManualClock(T0)
    const path = storePath()
    let store = new Store(path, { clock })
    const compact = mode === 'sync' ? async () => store.compact() : () => store.compactAsync()
    const kept = store.issueMany(Array.from({ length: 10 }, (_, i) => ({ name: `kept${i}`, remaining: 100 })))
    for (let n = 0; n < 4; n++) {
      store.issueMany(Array.from({ length: 500 }, (_, i) => ({ name: `tmp${n}.${i}`, expiresIn: 1000 })))
    }
    clock.advance(2000)
    assert.equal(store.purge(), 2000)
    for (let n = 0; n < 3; n++) assert.equal(store.verify(kept[0].key).outcome, 'valid')
    const before = fs.statSync(path).size

    const first = await compact()
    assert.equal(first, true)
    assert.ok(fs.statSync(path).size < before, `${fs.statSync(path).size} < ${before}`)
    assert.equal(typeof (await compact()), 'boolean')
    for (const k of kept) assert.equal(store.verify(k.key).outcome, 'valid')
    store.close()

    // Every key and counter survives compact and a reopen.
    store = new Store(path, { clock })
    assert.equal(store.list().records.length, 10)
    assert.equal(store.get(kept[0].id).uses, 4)
    assert.equal(store.get(kept[0].id).remaining, 96)
    assert.equal(store.verify(kept[9].key).outcome, 'valid')
    store.close()
  })
}
