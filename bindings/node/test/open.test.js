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

test('addPrefix and removePrefix, sync and async; opening never changes the accepted set', async () => {
  const path = storePath()
  const clock = new ManualClock(T0)
  let store = new Store(path, { clock, prefix: 'sk_live' })
  assert.deepEqual(store.addPrefix('sk_test'), ['sk_live', 'sk_test'])
  assert.deepEqual(store.addPrefix('sk_test'), ['sk_live', 'sk_test'], 'adding one it accepts changes nothing')
  assert.deepEqual(await store.addPrefixAsync('sk_dev'), ['sk_live', 'sk_test', 'sk_dev'])
  assert.deepEqual(store.prefixes, ['sk_live', 'sk_test', 'sk_dev'])
  const t = store.issue({ prefix: 'sk_test' })
  const d = store.issue({ prefix: 'sk_dev' })
  assert.equal(store.verify(d.key).outcome, 'valid')
  assert.deepEqual(await store.removePrefixAsync('sk_dev'), ['sk_live', 'sk_test'])
  assert.equal(store.verify(d.key).outcome, 'malformed', 'a removed prefix no longer verifies')
  const refused = (fn) => assert.throws(fn, (e) => e.code === 'KEYRACK_INVALID_ARGUMENT' && e.field === 'prefix')
  refused(() => store.removePrefix('sk_live')) // the store's default
  refused(() => store.removePrefix('sk_dev')) // not accepted
  refused(() => store.addPrefix('Bad'))
  refused(() => store.addPrefix(5))
  await assert.rejects(store.removePrefixAsync('sk_live'), (e) => e.field === 'prefix')
  const events = store.audit({ kind: 'prefix_added' }).events.concat(store.audit({ kind: 'prefix_removed' }).events)
  assert.deepEqual(events.map((e) => [e.kind, e.id]), [['prefix_added', ''], ['prefix_added', ''], ['prefix_removed', '']])
  store.close()

  // Reopening: `prefix` picks this handle's issue prefix among the accepted
  // ones; one the store does not accept is refused (use addPrefix), and no
  // open rewrites the set.
  store = new Store(path, { clock, prefix: 'sk_test' })
  assert.equal(store.prefix, 'sk_test')
  assert.deepEqual(store.prefixes, ['sk_live', 'sk_test'])
  assert.match(store.issue({}).key, /^sk_test_/)
  refused(() => store.removePrefix('sk_test')) // this handle issues with it
  store.close()
  assert.throws(() => new Store(path, { clock, prefix: 'sk_new' }), (e) => e.code === 'KEYRACK_INVALID_ARGUMENT' && e.field === 'prefix' && /addPrefix|add_prefix/.test(e.message))
  assert.throws(() => new Store(path, { clock, prefixes: ['sk_other'] }), (e) => e.code === 'KEYRACK_INVALID_ARGUMENT' && e.field === 'prefixes')
  store = new Store(path, { clock })
  assert.equal(store.prefix, 'sk_live')
  assert.deepEqual(store.prefixes, ['sk_live', 'sk_test'])
  assert.equal(store.verify(t.key).outcome, 'valid')
  store.close()
})

test('health: ok and no last error on a healthy store, typed as documented', async () => {
  const { store } = openAt()
  const h = store.health()
  assert.deepEqual(h, { ok: true, lastError: null })
  assert.deepEqual(Object.keys(h).sort(), ['lastError', 'ok'])
  const { key } = store.issue({ remaining: 5 })
  assert.equal(store.verify(key).outcome, 'valid')
  store.sync()
  await store.syncAsync()
  assert.deepEqual(store.health(), { ok: true, lastError: null })
  store.close()
  assert.deepEqual(store.health(), { ok: true, lastError: null }, 'health reads memory: a closed store answers too')
})

test('creditLease: an open option (at least 1); a clean close forfeits no credit', () => {
  const path = storePath()
  const clock = new ManualClock(T0)
  let store = new Store(path, { clock, creditLease: 2 })
  const { id, key } = store.issue({ remaining: 10 })
  for (let i = 0; i < 5; i++) assert.equal(store.verify(key).outcome, 'valid')
  store.close()
  store = new Store(path, { clock, creditLease: 1000 })
  assert.equal(store.get(id).remaining, 5)
  store.close()
  for (const bad of [0, -1, 1.5]) {
    assert.throws(() => new Store(storePath(), { creditLease: bad }), (e) => e.code === 'KEYRACK_INVALID_ARGUMENT' && e.field === 'creditLease', String(bad))
  }
  throwsCode(() => new Store(storePath(), { creditLease: '5' }), 'KEYRACK_INVALID_ARGUMENT')
})

test('a read-only open after a writer crashed is KEYRACK_NEEDS_RECOVERY until a read-write open recovers it', async () => {
  const file = storePath()
  const { spawn } = require('node:child_process')
  const code = `
    const { Store } = require(process.argv[1])
    const s = new Store(process.argv[2])
    s.issue({ name: 'k' })
    console.log('ready')
    setTimeout(() => {}, 60_000)`
  const child = spawn(process.execPath, ['-e', code, require('node:path').join(__dirname, '..'), file], { stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (b) => String(b).includes('ready') && resolve())
    child.once('exit', () => reject(new Error('the writer exited early')))
  })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGKILL')
  await exited
  try {
    // redb may find the file clean; when it does not, the error says how to recover.
    const ro = new Store(file, { readOnly: true })
    assert.equal(ro.list().records.length, 1)
    ro.close()
  } catch (e) {
    assert.equal(e.code, 'KEYRACK_NEEDS_RECOVERY', e.message)
    assert.match(e.message, /read-write/)
  }
  new Store(file).close()
  const ro = new Store(file, { readOnly: true })
  assert.equal(ro.list().records.length, 1)
  ro.close()
})
