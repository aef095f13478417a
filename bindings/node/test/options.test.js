'use strict'
// Every options object refuses a property that names no option, with a
// TypeError naming it (code KEYRACK_INVALID_ARGUMENT, field the property's
// path), sync and async, nested objects included; the known options still
// work; a property that looks like a secret is not echoed.
const test = require('node:test')
const assert = require('node:assert/strict')
const { Store, ManualClock } = require('..')
const { storePath, throwsUnknown, rejectsUnknown, openAt } = require('./helpers')

test('open refuses an unknown option', () => {
  const path = storePath()
  throwsUnknown(() => new Store(path, { prefx: 'zz' }), 'prefx')
  throwsUnknown(() => new Store(path, { readonly: true }), 'readonly')
  throwsUnknown(() => new Store(path, { prefix: 'zz', flushinterval: 5 }), 'flushinterval')
  throwsUnknown(() => new Store(path, { creditlease: 5 }), 'creditlease')
  throwsUnknown(() => new Store(path, { credit_lease: 5 }), 'credit_lease')
  // Nothing was opened: the file is free for a store with good options.
  const clock = new ManualClock()
  const ok = new Store(path, { prefix: 'zz', prefixes: ['zy'], readOnly: false, create: true, clock, leeway: 0, flushInterval: 1000, cacheCapacity: 10, creditLease: 50, pepper: undefined })
  assert.equal(ok.prefix, 'zz')
  ok.close()
})

test('every verb that takes options refuses an unknown one, sync and async', async () => {
  const { store } = openAt()
  const { id, key } = store.issue({ name: 'x', owner: 'org' })
  const sync = [
    [() => store.issue({ name: 'x', expiresin: 5 }), 'expiresin'],
    [() => store.issue({ name: 'x', rate_limit: { limit: 1, window: 1 } }), 'rate_limit'],
    [() => store.issue({ refill: { amount: 1, every: 1000, evry: 5 } }), 'refill.evry'],
    [() => store.issue({ rateLimit: { limit: 1, windw: 1000 } }), 'rateLimit.windw'],
    [() => store.issueMany([{ name: 'a' }, { name: 'b', scope: ['r'] }]), '[1].scope'],
    [() => store.verify(key, { scope: ['read'] }), 'scope'],
    [() => store.verifyHeaders({ 'x-api-key': key }, { costs: 1 }), 'costs'],
    [() => store.update(id, { nam: 'y' }), 'nam'],
    [() => store.update(id, { description: null, expires: null }), 'expires'],
    [() => store.update(id, { refill: { amount: 1, every: 1000, x: 1 } }), 'refill.x'],
    [() => store.rotate(id, { graceMs: 5 }), 'graceMs'],
    [() => store.purge({ olderthan: 5 }), 'olderthan'],
    [() => store.list({ owners: 'org' }), 'owners'],
    [() => store.keys({ statuses: 'active' }), 'statuses'],
    [() => store.audit({ kinds: 'issued' }), 'kinds'],
    [() => store.auditEvents({ ID: id }), 'ID'],
    [() => store.setPool('org', { remaining: 1, refil: null }), 'refil'],
  ]
  for (const [call, name] of sync) throwsUnknown(call, name)
  const async = [
    [store.issueAsync({ expiresin: 5 }), 'expiresin'],
    [store.issueManyAsync([{ nme: 'a' }]), '[0].nme'],
    [store.verifyAsync(key, { scope: ['read'] }), 'scope'],
    [store.verifyHeadersAsync({}, { scope: [] }), 'scope'],
    [store.updateAsync(id, { nam: 'y' }), 'nam'],
    [store.rotateAsync(id, { grac: 1 }), 'grac'],
    [store.purgeAsync({ age: 1 }), 'age'],
    [store.listAsync({ limt: 1 }), 'limt'],
    [store.auditAsync({ curser: 'x' }), 'curser'],
    [store.setPoolAsync('org', { remaning: 1 }), 'remaning'],
  ]
  // Every rejection gets its handler at once (awaiting them one by one would
  // leave the later ones unhandled for a while).
  await Promise.all(async.map(([promise, name]) => rejectsUnknown(promise, name)))
  // Nothing was written by a refused call.
  assert.equal(store.list().records.length, 1)
  assert.equal(store.get(id).name, 'x')
  assert.equal(store.pool('org'), null)
  // The message lists the options the object takes, as JavaScript spells them.
  assert.throws(() => store.issue({ expiresin: 5 }), /expiresIn.*rateLimit|rateLimit.*expiresIn/)
  store.close()
})

test('known options, undefined values and non-enumerable extras still pass', () => {
  const { store } = openAt()
  const opts = { name: 'x', owner: undefined, expiresIn: 60_000, rateLimit: { limit: 5, window: 1000 }, refill: undefined }
  Object.defineProperty(opts, 'hidden', { value: 1, enumerable: false })
  const i = store.issue(opts)
  assert.equal(i.record.name, 'x')
  assert.equal(store.verify(i.key, { scopes: [], cost: 0 }).outcome, 'valid')
  assert.equal(store.update(i.id, { name: 'y', description: null, expiresAt: null }).name, 'y')
  assert.equal(store.list({ owner: undefined, limit: 10 }).records.length, 1)
  store.close()
})

test('a property that looks like a secret is not echoed', () => {
  const { store } = openAt()
  const { key } = store.issue({})
  assert.throws(() => store.issue({ [key]: true }), (e) => {
    assert.ok(e instanceof TypeError)
    assert.ok(!e.message.includes(key.slice(3)), e.message)
    assert.ok(!String(e.field).includes(key.slice(3)))
    return true
  })
  store.close()
})
