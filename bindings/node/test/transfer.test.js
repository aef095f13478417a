'use strict'
// Moving records (transfer.rs): export, importJsonLines and its dry run
// checkImportJsonLines, sync and async: records move between stores without
// their secrets, imports are all or nothing, the dry run writes nothing, and
// errors carry the binding's codes. (compact is in open.test.js.)
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const { Store, ManualClock } = require('..')
const { storePath, throwsCode, rejectsCode } = require('./helpers')

const T0 = new Date('2026-01-01T00:00:00Z')
const MODES = ['sync', 'async']

/** The verbs under test, called the sync or the async way. */
const verbs = (store, mode) =>
  mode === 'sync'
    ? { exp: async () => store.export(), imp: async (t) => store.importJsonLines(t), check: async (t) => store.checkImportJsonLines(t) }
    : { exp: () => store.exportAsync(), imp: (t) => store.importJsonLinesAsync(t), check: (t) => store.checkImportJsonLinesAsync(t) }

/** A store with keys in every state, counters and credits; `keys` holds their secrets. */
function populated(clock) {
  const opts = { clock, prefix: 'sk_live', prefixes: ['sk_test'] }
  const store = new Store(storePath(), opts)
  const keys = store.issueMany([
    { name: 'full', description: 'd', owner: 'org_1', scopes: ['read', 'write'], meta: { team: 'infra' }, expiresIn: 3_600_000, remaining: 7, refill: { amount: 7, every: 60_000 }, rateLimit: { limit: 5, window: 1000 } },
    { name: 'test', prefix: 'sk_test' },
    { name: 'shared', owner: 'org_1', sharedCredits: true },
    { name: 'off' },
    { name: 'gone' },
  ])
  store.setPool('org_1', { remaining: 100 })
  assert.equal(store.verify(keys[0].key).outcome, 'valid')
  assert.equal(store.verify(keys[0].key, { scopes: ['admin'] }).outcome, 'insufficient_scope')
  store.disable(keys[3].id)
  store.revoke(keys[4].id)
  clock.advance(1000)
  return { store, keys, opts }
}

for (const mode of MODES) {
  test(`export then importJsonLines moves every record, never a secret (${mode})`, async () => {
    const clock = new ManualClock(T0)
    const { store: a, keys, opts } = populated(clock)
    const b = new Store(storePath(), opts)
    const A = verbs(a, mode)
    const B = verbs(b, mode)

    const text = await A.exp()
    assert.equal(typeof text, 'string')
    const lines = text.split('\n')
    assert.equal(lines.pop(), '', 'every line ends in a newline')
    // One line per record, then one per owner's credit pool.
    assert.equal(lines.length, keys.length + 1)
    assert.deepEqual(JSON.parse(lines.pop()), { pool: 'org_1', remaining: 100, refill: null })
    const parsed = lines.map((l) => JSON.parse(l))
    assert.deepEqual(parsed.map((r) => r.id), keys.map((k) => k.id).sort(), 'one line per record, in id order')
    for (const k of keys) {
      const body = k.key.slice(k.key.indexOf('_', 3) + 1)
      assert.ok(body.length >= 40)
      assert.ok(!text.includes(body.slice(4)), 'no secret in the export')
    }
    assert.equal(parsed.find((r) => r.id === keys[4].id).status, 'revoked')

    assert.equal(b.pool('org_1'), null)
    assert.equal(await B.imp(text), keys.length, 'the count is of records; the pool comes too')
    assert.deepEqual(b.pool('org_1'), a.pool('org_1'))
    for (const k of keys) assert.deepEqual(b.get(k.id), a.get(k.id), k.record.name)
    assert.equal(b.get(keys[0].id).uses, 1)
    assert.equal(b.get(keys[0].id).denied.insufficientScope, 1)
    assert.equal(await B.exp(), text, 'a round trip changes nothing')

    // No secret travelled: the old key is unknown here until rotated.
    const old = keys[0].key
    assert.equal(b.verify(old).outcome, 'not_found')
    const rotated = b.rotate(keys[0].id)
    assert.equal(rotated.id, keys[0].id)
    const v = b.verify(rotated.key, { scopes: ['read'] })
    assert.equal(v.outcome, 'valid')
    assert.equal(v.record.name, 'full')
    assert.equal(b.verify(old).outcome, 'not_found')
    assert.equal(a.verify(old).outcome, 'valid', 'the source store is untouched')
    a.close()
    b.close()
  })

  test(`importJsonLines is all or nothing and names the bad line (${mode})`, async () => {
    const clock = new ManualClock(T0)
    const { store: a, keys, opts } = populated(clock)
    const lines = a.export().trimEnd().split('\n')
    const b = new Store(storePath(), opts)
    const B = verbs(b, mode)
    const ids = () => b.list().records.map((r) => r.id)
    const reject = async (text, line, field) => {
      const before = ids()
      const fail = mode === 'sync' ? () => b.importJsonLines(text) : () => b.importJsonLinesAsync(text)
      const check = (e) => {
        assert.ok(e instanceof Error)
        assert.equal(e.code, 'KEYRACK_INVALID_ARGUMENT', e.message)
        assert.match(e.message, new RegExp(`\\bline ${line}:`), e.message)
        if (field) assert.equal(e.field, field)
        return true
      }
      if (mode === 'sync') assert.throws(fail, check)
      else await assert.rejects(fail(), check)
      assert.deepEqual(ids(), before, 'nothing was imported')
    }

    await reject(`${lines[0]}\n{"id": 1}\n`, 2, 'record')
    assert.deepEqual(ids(), [])
    await reject(`${lines[0]}\nnot json\n${lines[1]}`, 2, 'record')
    // Blank lines count: the bad one is line 4 of the text.
    await reject(`${lines[0]}\n\n${lines[1]}\n{}`, 4, 'record')
    // A line carrying a pasted secret is refused, and the error does not echo it.
    const withKey = JSON.stringify({ ...JSON.parse(lines[1]), key: keys[1].key })
    await reject(`${lines[0]}\n${withKey}`, 2)
    assert.throws(() => b.importJsonLines(withKey), (e) => !e.message.includes(keys[1].key.slice(8)))
    // The same id twice in one text.
    await reject(`${lines[0]}\n${lines[0]}`, 2, 'id')

    // An id the store already has fails the whole import, fresh lines included.
    assert.equal(await B.imp(`${lines[0]}\n`), 1)
    await reject(`${lines[1]}\n${lines[0]}\n`, 2, 'id')
    assert.throws(() => b.importJsonLines(`${lines[1]}\n${lines[0]}\n`), /line 2: .*already exists/)
    throwsCode(() => b.get(JSON.parse(lines[1]).id), 'KEYRACK_NOT_FOUND')
    assert.deepEqual(ids(), [JSON.parse(lines[0]).id])

    // Blank text imports nothing.
    assert.equal(await B.imp(''), 0)
    assert.equal(await B.imp('\n  \n'), 0)
    a.close()
    b.close()
  })
}

test('a store that does not accept the prefix refuses the record', async () => {
  const clock = new ManualClock(T0)
  const { store: a } = populated(clock)
  const text = a.export()
  a.close()
  const other = new Store(storePath(), { clock, prefix: 'kr' })
  assert.throws(() => other.importJsonLines(text), (e) => e.code === 'KEYRACK_INVALID_ARGUMENT' && e.field === 'prefix' && /line 1:/.test(e.message))
  await rejectsCode(other.importJsonLinesAsync(text), 'KEYRACK_INVALID_ARGUMENT')
  assert.equal(other.list().records.length, 0)
  other.close()
})

test('importJsonLines takes a string only, as every verb checks its arguments', async () => {
  const store = new Store(storePath())
  const line = `${JSON.stringify({ id: 'key_0000000000000000000000' })}\n`
  for (const arg of [undefined, null, 42, {}, [line], Buffer.from(line), true, 10n, Symbol('s')]) {
    assert.throws(() => store.importJsonLines(arg), (e) => e.code === 'KEYRACK_INVALID_ARGUMENT' && e.field === 'text', String(typeof arg))
    await assert.rejects(store.importJsonLinesAsync(arg), (e) => e.code === 'KEYRACK_INVALID_ARGUMENT' && e.field === 'text')
  }
  assert.throws(() => store.importJsonLines(), /must be a string|is required/)
  assert.equal(store.list().records.length, 0)
  store.close()
})

test('read-only and closed stores', async () => {
  const path = storePath()
  const store = new Store(path)
  const issued = store.issue({ name: 'a' })
  const text = store.export()
  store.close()

  const ro = new Store(path, { readOnly: true })
  // Reading is allowed.
  assert.equal(ro.export(), text)
  assert.equal(await ro.exportAsync(), text)
  // Importing is a write: a record the store would otherwise take (a fresh
  // id) is refused for being read-only.
  const fresh = text.replace(issued.id, 'key_1111111111111111111111')
  assert.notEqual(fresh, text)
  throwsCode(() => ro.importJsonLines(fresh), 'KEYRACK_READ_ONLY')
  await rejectsCode(ro.importJsonLinesAsync(fresh), 'KEYRACK_READ_ONLY')
  // Compacting rewrites the file: a write, refused, and the file untouched.
  const size = fs.statSync(path).size
  throwsCode(() => ro.compact(), 'KEYRACK_READ_ONLY')
  await rejectsCode(ro.compactAsync(), 'KEYRACK_READ_ONLY')
  assert.equal(fs.statSync(path).size, size)
  assert.equal(ro.verify(issued.key).outcome, 'valid')
  ro.close()

  for (const call of [() => ro.export(), () => ro.compact(), () => ro.importJsonLines(text)]) {
    throwsCode(call, 'KEYRACK_CLOSED')
  }
  await rejectsCode(ro.exportAsync(), 'KEYRACK_CLOSED')
  await rejectsCode(ro.compactAsync(), 'KEYRACK_CLOSED')
  await rejectsCode(ro.importJsonLinesAsync(text), 'KEYRACK_CLOSED')
})

for (const mode of MODES) {
  test(`checkImportJsonLines: the import's dry run, writing nothing (${mode})`, async () => {
    const clock = new ManualClock(T0)
    const { store: a, keys, opts } = populated(clock)
    const text = a.export()
    const lines = text.trimEnd().split('\n')
    const b = new Store(storePath(), opts)
    const B = verbs(b, mode)
    const ids = () => b.list().records.map((r) => r.id)

    assert.deepEqual(await B.check(text), { records: keys.length, pools: 1, alreadyPresent: [] })
    assert.deepEqual(ids(), [], 'a dry run writes nothing')
    assert.equal(b.pool('org_1'), null)
    assert.deepEqual(await B.check(''), { records: 0, pools: 0, alreadyPresent: [] })

    // Ids the store has are reported by line (a real import refuses them).
    const first = JSON.parse(lines[0]).id
    assert.equal(await B.imp(`${lines[0]}\n`), 1)
    assert.deepEqual(await B.check(text), { records: keys.length, pools: 1, alreadyPresent: [{ line: 1, id: first }] })
    assert.deepEqual((await B.check(`\n${lines[1]}\n\n${lines[0]}`)).alreadyPresent, [{ line: 4, id: first }])
    assert.deepEqual(ids(), [first])

    // A refused line throws with its number in `line` and in the message.
    const refused = async (t, line, field) => {
      const check = (e) => {
        assert.ok(e instanceof Error)
        assert.equal(e.code, 'KEYRACK_INVALID_ARGUMENT', e.message)
        assert.equal(typeof e.line, 'number')
        assert.equal(e.line, line, e.message)
        assert.match(e.message, new RegExp(`\\bline ${line}:`))
        if (field) assert.equal(e.field, field)
        return true
      }
      if (mode === 'sync') assert.throws(() => b.checkImportJsonLines(t), check)
      else await assert.rejects(b.checkImportJsonLinesAsync(t), check)
    }
    await refused(`${lines[1]}\nnot json\n`, 2, 'record')
    await refused(`\n\n\n{"id": 1}`, 4, 'record')
    await refused(`${lines[1]}\n${lines[1]}`, 2, 'id')
    const withKey = JSON.stringify({ ...JSON.parse(lines[1]), key: keys[1].key })
    await refused(`${lines[2]}\n${withKey}`, 2)
    assert.throws(() => b.checkImportJsonLines(withKey), (e) => !e.message.includes(keys[1].key.slice(8)))
    // An owner's pool the store already has is refused at its line.
    b.setPool('org_1', { remaining: 5 })
    await refused(text, lines.length)
    assert.deepEqual(b.pool('org_1'), { remaining: 5 })
    assert.deepEqual(ids(), [first])

    // A store failure is no line's fault: no `line`.
    b.close()
    const closed = (e) => e.code === 'KEYRACK_CLOSED' && e.line === undefined
    if (mode === 'sync') assert.throws(() => b.checkImportJsonLines(text), closed)
    else await assert.rejects(b.checkImportJsonLinesAsync(text), closed)
    a.close()
  })
}

test('checkImportJsonLines takes a string only; a read-only store may check', async () => {
  const path = storePath()
  const store = new Store(path)
  for (const arg of [undefined, null, 42, {}, Buffer.from('{}')]) {
    assert.throws(() => store.checkImportJsonLines(arg), (e) => e.code === 'KEYRACK_INVALID_ARGUMENT' && e.field === 'text')
    await assert.rejects(store.checkImportJsonLinesAsync(arg), (e) => e.code === 'KEYRACK_INVALID_ARGUMENT' && e.field === 'text')
  }
  store.issue({ name: 'a' })
  const text = store.export()
  store.close()
  const ro = new Store(path, { readOnly: true })
  assert.equal(ro.checkImportJsonLines(text).alreadyPresent.length, 1)
  ro.close()
})
