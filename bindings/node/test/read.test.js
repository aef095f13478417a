'use strict'
// Reading (read.rs): get, list and audit, sync and async, one page at a
// time; keys() and auditEvents(), the iterables over every page.
const test = require('node:test')
const assert = require('node:assert/strict')
const { AUDIT_KINDS, KeyIterator, AuditEventIterator } = require('..')
const { throwsCode, rejectsCode, T0, openAt } = require('./helpers')

/** a (verified at T0) and c of owner `org`, b with prefix sk_test and d revoked. */
function fixture() {
  const { store, clock } = openAt({ prefix: 'sk_live', prefixes: ['sk_test'] })
  const [a, b] = store.issueMany([{ name: 'a', owner: 'org' }, { name: 'b', prefix: 'sk_test' }])
  const c = store.issue({ name: 'c', owner: 'org', sharedCredits: true })
  const d = store.issue({ name: 'd', expiresAt: new Date(T0.getTime() + 5000) })
  assert.equal(store.verify(a.key).outcome, 'valid')
  store.revoke(b.id)
  store.revoke(d.id)
  return { store, clock, a, b, c, d }
}

test('get and getAsync', async () => {
  const { store, a, b } = fixture()
  assert.equal(store.get(a.id).name, 'a')
  assert.equal(store.get(a.id).uses, 1)
  assert.equal((await store.getAsync(b.id)).prefix, 'sk_test')
  throwsCode(() => store.get('key_0000000000000000000000'), 'KEYRACK_NOT_FOUND')
  await rejectsCode(store.getAsync('key_0000000000000000000000'), 'KEYRACK_NOT_FOUND')
  store.close()
})

test('list pages and filters, sync and async', async () => {
  const { store, a, b, c, d } = fixture()
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
  store.close()
})

test('keys() iterates every matching record, one page of `limit` at a time', () => {
  const { store, a, b, c, d } = fixture()
  const all = store.list({ limit: 1000 }).records.map((r) => r.id)
  const it = store.keys({ limit: 1 })
  assert.ok(it instanceof KeyIterator)
  assert.equal(it[Symbol.iterator](), it, 'an iterable iterator')
  assert.deepEqual([...it].map((r) => r.id), all, 'every record, in id order, across pages')
  const after = it.next()
  assert.equal(after.done, true, 'done stays done')
  assert.equal(after.value, undefined)
  assert.deepEqual([...store.keys()].map((r) => r.id), all)
  const org = []
  for (const r of store.keys({ owner: 'org', limit: 1 })) {
    assert.ok(r.createdAt instanceof Date)
    org.push(r.id)
  }
  assert.deepEqual(org.sort(), [a.id, c.id].sort())
  assert.deepEqual([...store.keys({ status: 'revoked' })].map((r) => r.id).sort(), [b.id, d.id].sort())
  // Start where a page ended, as list does.
  const first = store.list({ limit: 2 })
  assert.deepEqual([...store.keys({ cursor: first.nextCursor })].map((r) => r.id), all.slice(2))
  // Bad options throw at the call; the core's checks on the first step.
  throwsCode(() => store.keys({ status: 'gone' }), 'KEYRACK_INVALID_ARGUMENT')
  throwsCode(() => store.keys({ limit: -1 }), 'KEYRACK_INVALID_ARGUMENT')
  const zero = store.keys({ limit: 0 })
  throwsCode(() => zero.next(), 'KEYRACK_INVALID_ARGUMENT')
  assert.equal(zero.next().done, true, 'an error ends the iteration')
  const open = store.keys()
  store.close()
  throwsCode(() => [...open], 'KEYRACK_CLOSED')
})

test('audit pages and filters, sync and async, never a secret', async () => {
  const { store, clock, a } = fixture()
  store.update(a.id, { name: 'a2' })
  store.disable(a.id)
  store.enable(a.id)
  // The top-ups, pools and prefixes have their own kinds (pool and prefix
  // events carry an empty id).
  store.update(a.id, { remaining: 5 })
  store.addCredits(a.id, 1)
  store.setPool('org', { remaining: 1 })
  store.addPoolCredits('org', 1)
  store.addPrefix('sk_dev')
  store.removePrefix('sk_dev')
  store.rotate(a.id, { grace: 1000 })
  const rot2 = await store.rotateAsync(a.id)
  clock.advance(10_000)
  assert.equal(store.purge(), 2)
  const audit = store.audit({ limit: 1000 })
  const kinds = new Set(audit.events.map((e) => e.kind))
  assert.ok(AUDIT_KINDS.length >= 12)
  for (const k of AUDIT_KINDS) assert.ok(kinds.has(k), k)
  for (const e of audit.events) {
    assert.equal(e.id === '', ['pool_set', 'pool_credits_added', 'prefix_added', 'prefix_removed'].includes(e.kind), e.kind)
  }
  assert.ok(audit.events.every((e) => e.at instanceof Date && typeof e.seq === 'number'))
  const first = await store.auditAsync({ id: a.id, kind: 'rotated', limit: 1 })
  assert.equal(first.events.length, 1)
  assert.ok(first.nextCursor)
  assert.equal(store.audit({ id: a.id, kind: 'rotated', cursor: first.nextCursor }).events.length, 1)
  assert.ok(!JSON.stringify(audit).includes(rot2.key.slice(8)))
  store.close()
})

test('auditEvents() iterates every matching event, oldest first', () => {
  const { store, a } = fixture()
  store.rotate(a.id)
  store.rotate(a.id)
  const all = store.audit({ limit: 1000 }).events
  const it = store.auditEvents({ limit: 2 })
  assert.ok(it instanceof AuditEventIterator)
  const seen = [...it]
  assert.deepEqual(seen, all, 'the same events as audit, across pages')
  assert.ok(seen.every((e) => AUDIT_KINDS.includes(e.kind) && e.at instanceof Date))
  assert.deepEqual([...store.auditEvents({ id: a.id, kind: 'rotated', limit: 1 })].length, 2)
  assert.deepEqual([...store.auditEvents({ since: new Date(T0.getTime() + 1) })], [])
  throwsCode(() => store.auditEvents({ kind: 'eaten' }), 'KEYRACK_INVALID_ARGUMENT')
  const open = store.auditEvents()
  store.close()
  throwsCode(() => open.next(), 'KEYRACK_CLOSED')
})
