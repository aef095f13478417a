'use strict'
// Verifying (verify.rs): every outcome from verify and verifyAsync, the key
// found in request headers (verifyHeaders, extractKey), outcomeInfo;
// read-only handles that refuse to spend.
const test = require('node:test')
const assert = require('node:assert/strict')
const util = require('node:util')
const { Store, extractKey, outcomeInfo, OUTCOMES } = require('..')
const { storePath, throwsCode, rejectsCode, openAt } = require('./helpers')

test('every outcome, from verify and verifyAsync', async () => {
  for (const mode of ['sync', 'async']) {
    const { store, clock } = openAt()
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
    const other = openAt()
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
  // Every outcome the core lists has an HTTP answer.
  assert.ok(OUTCOMES.includes('valid') && OUTCOMES.includes('missing'))
  for (const o of OUTCOMES) assert.ok([200, 401, 403, 429].includes(outcomeInfo(o).httpStatus), o)
  throwsCode(() => outcomeInfo('VALID'), 'KEYRACK_INVALID_ARGUMENT')
})

test('a Verification shows its fields, never a secret', () => {
  const { store } = openAt()
  const issued = store.issue({ name: 'ci' })
  const body = issued.key.slice(3)
  const v = store.verify(issued.key)
  for (const shown of [util.inspect(v, { depth: 9 }), JSON.stringify(v), util.inspect(v.record)]) {
    assert.ok(!shown.includes(body), `secret leaked: ${shown}`)
  }
  assert.equal(JSON.parse(JSON.stringify(v)).record.id, issued.id)
  assert.match(util.inspect(v), /outcome: 'valid'/)
  store.close()
})

test('verifyHeaders finds the key in Node and Fetch headers; none is missing', async () => {
  for (const mode of ['sync', 'async']) {
    const { store } = openAt()
    const check = (headers, opts) => (mode === 'sync' ? store.verifyHeaders(headers, opts) : store.verifyHeadersAsync(headers, opts))
    const { id, key } = store.issue({ name: 'web', scopes: ['read'], remaining: 10 })
    const valid = async (headers, opts) => {
      const v = await check(headers, opts)
      assert.equal(v.constructor.name, 'Verification')
      assert.equal(v.outcome, 'valid', JSON.stringify(headers))
      assert.equal(v.record.id, id)
      return v
    }
    await valid({ 'x-api-key': key })
    await valid({ 'X-API-KEY': key })
    await valid({ authorization: `Bearer ${key}` })
    await valid({ authorization: `Api-Key ${key}` })
    await valid({ 'x-api-key': [key, 'kr_other'] })
    await valid(new Headers({ Authorization: `Bearer ${key}` }))
    // Six valid verifies above spent 6 of 10 credits; this one costs 2.
    assert.equal((await valid({ 'x-api-key': key }, { scopes: ['read'], cost: 2 })).remaining, 2)
    assert.equal((await check({ 'x-api-key': key }, { scopes: ['write'] })).outcome, 'insufficient_scope')
    // The options are verify's, and refused the same way.
    assert.throws(() => store.verifyHeaders({ 'x-api-key': key }, { scope: ['read'] }), TypeError)
    for (const none of [{}, { accept: '*/*' }, { authorization: 'Basic abc' }, { authorization: 'Bearer ' }, { 'x-api-key': undefined }, new Headers(), undefined, null, 42]) {
      const v = await check(none)
      assert.equal(v.outcome, 'missing', util.inspect(none))
      assert.equal(v.valid, false)
      assert.equal(v.httpStatus, 401)
      assert.equal(v.message, 'API key is required')
      assert.equal(v.record, undefined)
    }
    for (const bad of [{ 'x-api-key': 'kr_nope' }, { authorization: `Bearer ${key.slice(0, -1)}x` }, { 'x-api-key': `${key}x` }]) {
      assert.equal((await check(bad)).outcome, 'malformed', JSON.stringify(bad))
    }
    store.revoke(id)
    assert.equal((await check({ authorization: `Bearer ${key}` })).outcome, 'revoked')
    store.close()
    if (mode === 'sync') throwsCode(() => store.verifyHeaders({}), 'KEYRACK_CLOSED')
    else await rejectsCode(store.verifyHeadersAsync({ 'x-api-key': key }), 'KEYRACK_CLOSED')
  }
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

test('read-only handles refuse to spend (KEYRACK_READ_ONLY) and check with cost 0', async () => {
  const file = storePath()
  let store = new Store(file)
  const metered = store.issue({ name: 'm', remaining: 3 })
  const limited = store.issue({ name: 'l', rateLimit: { limit: 1, window: 60_000 } })
  const plain = store.issue({ name: 'p' })
  const owner = store.issue({ name: 's', owner: 'org', sharedCredits: true })
  store.setPool('org', { remaining: 3 })
  store.close()
  const a = new Store(file, { readOnly: true })
  const b = new Store(file, { readOnly: true })
  for (const ro of [a, b]) {
    for (const k of [metered, limited, owner]) {
      throwsCode(() => ro.verify(k.key), 'KEYRACK_READ_ONLY')
      throwsCode(() => ro.verify(k.key, { cost: 2 }), 'KEYRACK_READ_ONLY')
      await rejectsCode(ro.verifyAsync(k.key), 'KEYRACK_READ_ONLY')
      throwsCode(() => ro.verifyHeaders({ 'x-api-key': k.key }), 'KEYRACK_READ_ONLY')
      assert.equal(ro.verify(k.key, { cost: 0 }).outcome, 'valid')
      assert.equal((await ro.verifyAsync(k.key, { cost: 0 })).outcome, 'valid')
    }
    assert.equal(ro.verify(plain.key).outcome, 'valid')
    assert.equal(ro.verify('kr_not-a-key').outcome, 'malformed', 'a bad key is still an outcome')
  }
  a.close()
  b.close()
  store = new Store(file)
  assert.equal(store.get(metered.id).remaining, 3, 'nothing was spent')
  assert.equal(store.pool('org').remaining, 3)
  assert.equal(store.verify(limited.key).outcome, 'valid')
  assert.equal(store.verify(limited.key).outcome, 'rate_limited')
  store.close()
})
