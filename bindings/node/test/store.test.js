'use strict'
// Every verb and outcome, sync and async; errors and their codes; bad input;
// secrets kept out of inspect, JSON and errors; the file's mode.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const util = require('node:util')
const keyrack = require('..')
const { Store, ManualClock, extractKey, outcomeInfo, errorCodes } = keyrack
const { storePath, throwsCode, rejectsCode } = require('./helpers')

const T0 = new Date('2026-01-01T00:00:00Z')
const open = (opts = {}) => {
  const clock = new ManualClock(T0)
  const store = new Store(storePath(), { clock, ...opts })
  return { store, clock }
}
const ALL_OUTCOMES = [
  'valid', 'malformed', 'not_found', 'revoked', 'disabled', 'expired',
  'insufficient_scope', 'rate_limited', 'usage_exceeded', 'missing',
]

test('issue returns the secret once, hidden from inspect and JSON', () => {
  const { store } = open()
  const issued = store.issue({ name: 'ci', owner: 'org_42', scopes: ['deploy'], meta: { team: 'infra' } })
  assert.match(issued.key, /^kr_[0-9A-Za-z]{49}$/)
  assert.match(issued.id, /^key_[0-9A-Za-z]{22}$/)
  assert.equal(issued.record.id, issued.id)
  assert.equal(issued.record.hint, `${issued.key.slice(0, 7)}…`)
  assert.deepEqual(issued.record.scopes, ['deploy'])
  assert.deepEqual(issued.record.meta, { team: 'infra' })
  assert.equal(issued.record.owner, 'org_42')
  assert.equal(issued.record.status, 'active')
  assert.ok(issued.record.createdAt instanceof Date)
  assert.equal(issued.record.createdAt.getTime(), T0.getTime())
  const body = issued.key.slice(3)
  for (const shown of [util.inspect(issued, { depth: 9 }), JSON.stringify(issued), String(Object.keys(issued))]) {
    assert.ok(!shown.includes(body), `secret leaked: ${shown}`)
  }
  assert.deepEqual(Object.keys(issued).sort(), ['id', 'record'])
  const v = store.verify(issued.key)
  for (const shown of [util.inspect(v, { depth: 9 }), JSON.stringify(v), util.inspect(v.record)]) {
    assert.ok(!shown.includes(body), `secret leaked: ${shown}`)
  }
  assert.equal(JSON.parse(JSON.stringify(v)).record.id, issued.id)
  assert.match(util.inspect(v), /outcome: 'valid'/)
  store.close()
})

test('every outcome, from verify and verifyAsync', async () => {
  for (const mode of ['sync', 'async']) {
    const { store, clock } = open()
    const verify = (key, opts) => (mode === 'sync' ? store.verify(key, opts) : store.verifyAsync(key, opts))
    const expect = async (key, opts, outcome) => {
      const v = await verify(key, opts)
      assert.equal(v.constructor.name, 'Verification')
      assert.equal(v.outcome, outcome, `${mode}: ${outcome}`)
      assert.equal(v.valid, outcome === 'valid')
      assert.equal(v.httpStatus, outcomeInfo(outcome).httpStatus)
      assert.equal(v.message, outcomeInfo(outcome).message)
      return v
    }
    const a = store.issue({ name: 'a', scopes: ['read'], expiresIn: 60_000 })
    const v = await expect(a.key, undefined, 'valid')
    assert.equal(v.record.id, a.id)
    assert.equal(v.httpStatus, 200)
    const m = await expect('kr_nope', undefined, 'malformed')
    assert.equal(m.record, undefined)
    // Well formed, unknown: flip one body character and fix nothing else -> bad check -> malformed;
    // a key of another store is well formed and unknown here.
    const other = open()
    const stranger = other.store.issue({}).key
    other.store.close()
    await expect(stranger, undefined, 'not_found')
    await expect(a.key, { scopes: ['write'] }, 'insufficient_scope')
    store.disable(a.id)
    await expect(a.key, undefined, 'disabled')
    store.enable(a.id)
    clock.advance(60_000)
    await expect(a.key, undefined, 'expired')
    store.revoke(a.id)
    await expect(a.key, undefined, 'revoked')
    const limited = store.issue({ rateLimit: { limit: 1, window: 1000 } })
    await expect(limited.key, undefined, 'valid')
    const rl = await expect(limited.key, undefined, 'rate_limited')
    assert.ok(rl.retryAfter > 0 && rl.retryAfter <= 1000, `retryAfter ${rl.retryAfter}`)
    const metered = store.issue({ remaining: 2 })
    assert.equal((await expect(metered.key, { cost: 2 }, 'valid')).remaining, 0)
    await expect(metered.key, undefined, 'usage_exceeded')
    assert.deepEqual(outcomeInfo('missing'), { httpStatus: 401, message: 'API key is required' })
    store.close()
  }
  for (const o of ALL_OUTCOMES) assert.ok([200, 401, 403, 429].includes(outcomeInfo(o).httpStatus), o)
  throwsCode(() => outcomeInfo('VALID'), 'KEYRACK_INVALID_ARGUMENT')
})

test('management verbs, sync and async', async () => {
  const { store, clock } = open({ prefix: 'sk_live', prefixes: ['sk_test'] })
  assert.equal(store.prefix, 'sk_live')
  assert.deepEqual(store.prefixes, ['sk_live', 'sk_test'])
  assert.equal(store.readOnly, false)
  const [a, b] = store.issueMany([{ name: 'a', owner: 'org' }, { name: 'b', prefix: 'sk_test' }])
  assert.ok(a.key.startsWith('sk_live_') && b.key.startsWith('sk_test_'))
  assert.ok(!JSON.stringify([a, b]).includes(a.key.slice(8)))
  const [c] = await store.issueManyAsync([{ name: 'c', owner: 'org', sharedCredits: true }])
  const d = await store.issueAsync({ name: 'd', expiresAt: new Date(T0.getTime() + 5000) })
  assert.equal(d.record.expiresAt.getTime(), T0.getTime() + 5000)

  assert.equal(store.get(a.id).name, 'a')
  assert.equal((await store.getAsync(b.id)).prefix, 'sk_test')

  let r = store.update(a.id, { name: 'a2', description: 'x', scopes: ['r'], meta: { k: 'v' }, remaining: 5, rateLimit: { limit: 3, window: 1000 } })
  assert.equal(r.name, 'a2')
  assert.equal(r.description, 'x')
  assert.equal(r.remaining, 5)
  assert.deepEqual(r.rateLimit, { limit: 3, window: 1000 })
  r = await store.updateAsync(a.id, { description: null, remaining: null, rateLimit: null, expiresIn: 1000 })
  assert.equal(r.description, undefined)
  assert.equal(r.remaining, undefined)
  assert.equal(r.rateLimit, undefined)
  assert.equal(r.expiresAt.getTime(), T0.getTime() + 1000)
  r = store.update(a.id, { expiresAt: null, refill: { amount: 10, every: 60_000 } })
  assert.equal(r.expiresAt, undefined)
  assert.deepEqual(r.refill, { amount: 10, every: 60_000 })

  assert.equal(store.disable(a.id).enabled, false)
  assert.equal((await store.enableAsync(a.id)).enabled, true)
  assert.equal((await store.disableAsync(a.id)).status, 'disabled')
  assert.equal(store.enable(a.id).status, 'active')

  const rot = store.rotate(a.id, { grace: 1000 })
  assert.equal(rot.id, a.id)
  assert.notEqual(rot.key, a.key)
  assert.equal(store.verify(a.key).outcome, 'valid', 'old secret in grace')
  assert.equal(store.verify(rot.key).outcome, 'valid')
  const rot2 = await store.rotateAsync(a.id)
  assert.equal(store.verify(rot.key).outcome, 'expired', 'grace 0 ends it at once')
  assert.equal(store.verify(rot2.key).outcome, 'valid')

  assert.equal(store.revoke(b.id).status, 'revoked')
  assert.ok((await store.revokeAsync(d.id)).revokedAt instanceof Date)

  const page1 = store.list({ limit: 2 })
  assert.equal(page1.records.length, 2)
  assert.ok(page1.nextCursor)
  const page2 = await store.listAsync({ limit: 2, cursor: page1.nextCursor })
  assert.equal(page2.records.length, 2)
  assert.equal(page2.nextCursor, undefined)
  const ids = [...page1.records, ...page2.records].map((x) => x.id)
  assert.deepEqual([...ids].sort(), [a.id, b.id, c.id, d.id].sort())
  assert.deepEqual(store.list({ owner: 'org' }).records.map((x) => x.id).sort(), [a.id, c.id].sort())
  assert.deepEqual(store.list({ prefix: 'sk_test' }).records.map((x) => x.id), [b.id])
  assert.deepEqual(store.list({ status: 'revoked' }).records.map((x) => x.id).sort(), [b.id, d.id].sort())
  // a was verified at T0: not "unused since T0".
  assert.deepEqual(store.list({ unusedSince: T0 }).records.map((x) => x.id).sort(), [b.id, c.id, d.id].sort())
  assert.equal(store.list({ unusedSince: new Date(T0.getTime() + 1) }).records.length, 4)

  assert.equal(store.pool('org'), null)
  assert.deepEqual(store.setPool('org', { remaining: 1 }), { remaining: 1 })
  assert.deepEqual(await store.setPoolAsync('org', { remaining: 2, refill: { amount: 2, every: 3_600_000 } }), {
    remaining: 2,
    refill: { amount: 2, every: 3_600_000 },
  })
  assert.equal(store.verify(c.key).remaining, 1)
  assert.equal(store.verify(c.key).outcome, 'valid')
  assert.equal((await store.poolAsync('org')).remaining, 0)
  assert.equal(store.verify(c.key).outcome, 'usage_exceeded')

  clock.advance(10_000)
  assert.equal(store.purge({ olderThan: 60_000 }), 0)
  assert.equal(await store.purgeAsync(), 2)
  throwsCode(() => store.get(b.id), 'KEYRACK_NOT_FOUND')

  const audit = store.audit({ limit: 1000 })
  const kinds = new Set(audit.events.map((e) => e.kind))
  for (const k of ['issued', 'revoked', 'rotated', 'updated', 'enabled', 'disabled', 'purged']) assert.ok(kinds.has(k), k)
  assert.ok(audit.events.every((e) => e.at instanceof Date && typeof e.seq === 'number'))
  const first = await store.auditAsync({ id: a.id, kind: 'rotated', limit: 1 })
  assert.equal(first.events.length, 1)
  assert.ok(first.nextCursor)
  assert.equal(store.audit({ id: a.id, kind: 'rotated', cursor: first.nextCursor }).events.length, 1)
  assert.ok(!JSON.stringify(audit).includes(rot2.key.slice(8)))

  store.sync()
  await store.syncAsync()
  store.close()
})

test('errors carry a stable code for every core ErrorKind', () => {
  const codes = errorCodes()
  // The TypeScript union in index.d.ts lists the same codes (test/types.ts
  // checks it at compile time against this very list).
  const expected = [
    'KEYRACK_INVALID_ARGUMENT', 'KEYRACK_NOT_FOUND', 'KEYRACK_ALREADY_OPEN', 'KEYRACK_WRONG_PROCESS',
    'KEYRACK_PEPPER_MISMATCH', 'KEYRACK_INCOMPATIBLE_VERSION', 'KEYRACK_CORRUPTED', 'KEYRACK_READ_ONLY',
    'KEYRACK_IO', 'KEYRACK_CLOSED',
  ]
  assert.deepEqual(codes, expected, 'a core ErrorKind was added or renamed: update ErrorCode in src/lib.rs')
  // The generated index.d.ts unions agree with the runtime lists.
  const dts = fs.readFileSync(require.resolve('../index.d.ts'), 'utf8')
  const union = (name) => [...dts.match(new RegExp(`export type ${name} = ([^\\n]*)`))[1].matchAll(/'([^']*)'/g)].map((m) => m[1])
  assert.deepEqual(union('ErrorCode'), codes)
  assert.deepEqual(union('Outcome'), ALL_OUTCOMES)
  for (const code of codes) {
    assert.throws(() => keyrack.sampleError(code), (e) => {
      assert.ok(e instanceof Error)
      assert.equal(e.code, code)
      assert.ok(e.message.length > 10, e.message)
      return true
    })
  }
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
  ]) {
    throwsCode(call, 'KEYRACK_CLOSED')
  }
  await rejectsCode(store.issueAsync({}), 'KEYRACK_CLOSED')
  await rejectsCode(store.verifyAsync(a.key), 'KEYRACK_CLOSED')

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

test('bad input gives malformed or a coded error, never a crash', async () => {
  const { store } = open()
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

test('extractKey reads Node headers and Fetch Headers', () => {
  assert.equal(extractKey({ 'x-api-key': 'kr_a' }), 'kr_a')
  assert.equal(extractKey({ 'X-API-KEY': ' kr_b ' }), 'kr_b')
  assert.equal(extractKey({ authorization: 'Bearer kr_c' }), 'kr_c')
  assert.equal(extractKey({ authorization: 'api-key kr_d' }), 'kr_d')
  assert.equal(extractKey({ authorization: 'Basic abc' }), null)
  assert.equal(extractKey({ authorization: 'Bearer kr_e', 'x-api-key': 'kr_f' }), 'kr_f')
  assert.equal(extractKey({ 'x-api-key': ['kr_g', 'kr_h'] }), 'kr_g')
  assert.equal(extractKey({ 'x-api-key': undefined, accept: '*/*' }), null)
  assert.equal(extractKey({}), null)
  assert.equal(extractKey(undefined), null)
  assert.equal(extractKey(new Headers({ 'X-Api-Key': 'kr_i' })), 'kr_i')
  assert.equal(extractKey(new Headers({ Authorization: 'Bearer kr_j' })), 'kr_j')
  assert.equal(extractKey(new Headers()), null)
  // A real request through node:http.
  const { IncomingMessage } = require('node:http')
  const req = new IncomingMessage(null)
  req.headers = { authorization: 'Api-Key kr_k' }
  assert.equal(extractKey(req.headers), 'kr_k')
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

test('async verbs run off the main thread and keep their order of effects', async () => {
  const { store } = open()
  const issued = await Promise.all(Array.from({ length: 20 }, (_, i) => store.issueAsync({ name: `k${i}` })))
  assert.equal(new Set(issued.map((x) => x.id)).size, 20)
  const outcomes = await Promise.all(issued.map((x) => store.verifyAsync(x.key)))
  assert.ok(outcomes.every((v) => v.valid))
  await Promise.all(issued.map((x) => store.revokeAsync(x.id)))
  assert.ok(issued.every((x) => store.verify(x.key).outcome === 'revoked'))
  store.close()
})
