'use strict'
// Owners' credit pools (pool.rs): setPool and pool, sync and async, spent
// by keys issued with sharedCredits.
const test = require('node:test')
const assert = require('node:assert/strict')
const { throwsCode, openAt } = require('./helpers')

test('setPool and pool, sync and async; shared keys spend the pool', async () => {
  const { store } = openAt()
  const c = store.issue({ name: 'c', owner: 'org', sharedCredits: true })
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
  assert.equal(await store.poolAsync('nobody'), null)
  throwsCode(() => store.setPool('org', { remaining: 1.5 }), 'KEYRACK_INVALID_ARGUMENT')
  store.close()
})

test('setPool keeps the refill when given none; audited as pool_set with an empty id', async () => {
  const { store } = openAt()
  const refill = { amount: 50, every: 60_000 }
  assert.deepEqual(store.setPool('org', { remaining: 5, refill }), { remaining: 5, refill })
  assert.deepEqual(store.setPool('org', { remaining: 9 }), { remaining: 9, refill }, 'no refill given: the pool keeps its own')
  assert.deepEqual(await store.setPoolAsync('org', { remaining: 3 }), { remaining: 3, refill })
  assert.deepEqual(store.pool('org'), { remaining: 3, refill })
  const events = store.audit({ kind: 'pool_set' }).events
  assert.equal(events.length, 3)
  for (const e of events) {
    assert.equal(e.kind, 'pool_set')
    assert.equal(e.id, '')
  }
  store.close()
})

test('addPoolCredits tops up a pool atomically, sync and async, and is audited', async () => {
  const { store } = openAt()
  const c = store.issue({ name: 'c', owner: 'org', sharedCredits: true })
  store.setPool('org', { remaining: 2, refill: { amount: 2, every: 3_600_000 } })
  assert.equal(store.verify(c.key).remaining, 1)
  assert.deepEqual(store.addPoolCredits('org', 10), { remaining: 11, refill: { amount: 2, every: 3_600_000 } })
  assert.equal((await store.addPoolCreditsAsync('org', 4)).remaining, 15)
  assert.equal(store.verify(c.key, { cost: 15 }).outcome, 'valid')
  assert.equal(store.verify(c.key).outcome, 'usage_exceeded')
  assert.equal(store.addPoolCredits('org', 1).remaining, 1)
  assert.equal(store.verify(c.key).outcome, 'valid')
  const events = store.audit({ kind: 'pool_credits_added' }).events
  assert.deepEqual(events.map((e) => [e.kind, e.id]), [['pool_credits_added', ''], ['pool_credits_added', ''], ['pool_credits_added', '']])
  // The refusals: an owner without a pool (field owner), 0 or not a whole
  // number (field credits).
  const field = (fn, name) => assert.throws(fn, (e) => e.code === 'KEYRACK_INVALID_ARGUMENT' && e.field === name)
  field(() => store.addPoolCredits('nobody', 5), 'owner')
  field(() => store.addPoolCredits('', 5), 'owner')
  field(() => store.addPoolCredits(undefined, 5), 'owner')
  field(() => store.addPoolCredits('org', 0), 'credits')
  field(() => store.addPoolCredits('org', 2.5), 'credits')
  field(() => store.addPoolCredits('org'), 'credits')
  await assert.rejects(store.addPoolCreditsAsync('nobody', 5), (e) => e.code === 'KEYRACK_INVALID_ARGUMENT' && e.field === 'owner')
  assert.equal(store.pool('nobody'), null, 'a refused top-up makes no pool')
  assert.equal(store.pool('org').remaining, 0)
  store.close()
})
