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
