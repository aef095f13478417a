'use strict'
// Replays the shared vectors (tests/vectors/*.json), the one truth for
// behaviour every language runs. verify.json runs twice: with the sync verbs
// and with their ...Async twins.
const test = require('node:test')
const assert = require('node:assert/strict')
const { Store, ManualClock } = require('..')
const { storePath, vectors } = require('./helpers')

test('format.json: valid keys are well formed, invalid ones malformed', () => {
  const f = vectors('format.json')
  const re = new RegExp(f.regex)
  const prefixes = [...new Set(f.valid.map((v) => v.prefix))]
  const store = new Store(storePath(), { prefix: prefixes[0], prefixes })
  try {
    for (const v of f.valid) {
      assert.ok(re.test(v.key), `regex matches ${v.key}`)
      assert.equal(v.key, `${v.prefix}_${v.body}${v.check}`)
      assert.equal(v.hint, `${v.prefix}_${v.body.slice(0, 4)}…`)
      // Well formed and accepted, but never issued by this store.
      assert.equal(store.verify(v.key).outcome, 'not_found', v.key)
    }
    for (const v of f.invalid) {
      assert.equal(store.verify(v.key).outcome, 'malformed', `${v.reason}: ${JSON.stringify(v.key).slice(0, 60)}`)
    }
  } finally {
    store.close()
  }
  for (const p of f.prefixes.valid) {
    new Store(storePath(), { prefix: p }).close()
  }
  for (const p of f.prefixes.invalid) {
    assert.throws(() => new Store(storePath(), { prefix: p }), { code: 'KEYRACK_INVALID_ARGUMENT' }, p)
  }
})

const refill = (r) => r && { amount: r.amount, every: r.every_ms }
const rateLimit = (r) => r && { limit: r.limit, window: r.window_ms }

/** Runs one step; `call(verb, ...args)` is the sync or async verb. */
async function step(s, ctx, call) {
  const { keys, ids, clock } = ctx
  const id = () => ids[s.key]
  switch (s.op) {
    case 'issue': {
      const i = await call('issue', {
        name: s.name,
        owner: s.owner,
        scopes: s.scopes,
        meta: s.meta,
        prefix: s.prefix,
        expiresIn: s.expires_in_ms,
        remaining: s.remaining,
        refill: refill(s.refill),
        rateLimit: rateLimit(s.rate_limit),
        sharedCredits: s.shared_credits,
      })
      keys[s.as] = i.key
      ids[s.as] = i.id
      return
    }
    case 'verify': {
      const key = s.literal !== undefined ? s.literal : keys[s.key]
      const opts = {}
      if (s.scopes) opts.scopes = s.scopes
      if (s.cost !== undefined) opts.cost = s.cost
      const v = await call('verify', key, opts)
      assert.equal(v.outcome, s.expect)
      assert.equal(v.valid, s.expect === 'valid')
      if ('expect_remaining' in s) assert.equal(v.remaining, s.expect_remaining, 'remaining')
      if ('expect_retry_after_ms' in s) assert.equal(v.retryAfter, s.expect_retry_after_ms, 'retryAfter')
      return
    }
    case 'revoke':
    case 'enable':
    case 'disable':
      await call(s.op, id())
      return
    case 'rotate': {
      const i = await call('rotate', id(), { grace: s.grace_ms })
      assert.equal(i.id, id())
      keys[s.as] = i.key
      ids[s.as] = i.id
      return
    }
    case 'update': {
      const changes = {}
      if ('name' in s) changes.name = s.name
      if ('scopes' in s) changes.scopes = s.scopes
      if ('expires_in_ms' in s) changes.expiresIn = s.expires_in_ms
      if ('remaining' in s) changes.remaining = s.remaining
      if ('rate_limit' in s) changes.rateLimit = rateLimit(s.rate_limit)
      if (s.clear_expiry) changes.expiresAt = null
      await call('update', id(), changes)
      return
    }
    case 'set_pool':
      await call('setPool', s.owner, { remaining: s.remaining, refill: refill(s.refill) })
      return
    case 'advance':
      clock.advance(s.ms)
      return
    case 'purge':
      assert.equal(await call('purge', { olderThan: s.older_than_ms }), s.expect_purged)
      return
    case 'get': {
      const r = await call('get', id())
      if ('expect_uses' in s) assert.equal(r.uses, s.expect_uses, 'uses')
      if ('expect_remaining' in s) assert.equal(r.remaining, s.expect_remaining, 'remaining')
      if ('expect_enabled' in s) assert.equal(r.enabled, s.expect_enabled, 'enabled')
      if ('expect_revoked' in s) assert.equal(r.revokedAt !== undefined, s.expect_revoked, 'revoked')
      if (s.expect_denied) {
        const camel = (o) => o.replace(/_([a-z])/g, (_, c) => c.toUpperCase())
        for (const [outcome, count] of Object.entries(s.expect_denied)) {
          assert.equal(r.denied[camel(outcome)], count, `denied.${outcome}`)
        }
      }
      return
    }
    case 'get_unknown':
      await call('get', s.id)
      return
    default:
      throw new Error(`unknown op ${s.op}: update the runner to the schema in tests/vectors/README.md`)
  }
}

const modes = {
  sync: (store) => async (verb, ...args) => store[verb](...args),
  async: (store) => (verb, ...args) => store[`${verb}Async`](...args),
}

for (const [mode, caller] of Object.entries(modes)) {
  test(`verify.json (${mode})`, async (t) => {
    const doc = vectors('verify.json')
    assert.equal(doc.version, 1, 'the runner knows verify.json version 1')
    assert.ok(doc.scenarios.length > 0)
    for (const sc of doc.scenarios) {
      await t.test(sc.name, async () => {
        const clock = new ManualClock(new Date(doc.start_ms))
        const open = sc.open || {}
        const store = new Store(storePath(), { prefix: open.prefix, prefixes: open.prefixes, clock })
        const ctx = { keys: {}, ids: {}, clock }
        const call = caller(store)
        try {
          for (const [i, s] of sc.steps.entries()) {
            const where = `step ${i} ${JSON.stringify(s)}`
            if (s.expect_error) {
              await assert.rejects(
                (async () => step(s, ctx, call))(),
                (e) => e instanceof Error && e.code === `KEYRACK_${s.expect_error}`,
                where,
              )
            } else {
              try {
                await step(s, ctx, call)
              } catch (e) {
                e.message = `${where}: ${e.message}`
                throw e
              }
            }
          }
        } finally {
          store.close()
        }
      })
    }
  })
}
