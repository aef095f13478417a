'use strict'
// keyrack's verify against what a Node user would hand-roll: a SQLite table
// (better-sqlite3, WAL, on disk) keyed by the sha256 of the key, checked for
// revocation, expiry and scopes. 20,000 keys in each, the same run, the same
// random lookups. Prints medians per verify and the ratio. Not a test: the
// numbers depend on the machine.
//
//   cd bindings/node && npm install && npm run build
//   cd benches/node && npm install && node bench_verify.js
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const Database = require('better-sqlite3')
const { Store } = require(process.env.KEYRACK_NODE || '../../bindings/node')

const KEYS = Number(process.env.KEYS || 20000)
const ROUNDS = Number(process.env.ROUNDS || 15)
const PER_ROUND = Number(process.env.PER_ROUND || 20000)

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyrack-bench-'))

// ---- keyrack ------------------------------------------------------------------
const store = new Store(path.join(dir, 'keys.redb'))
const issued = []
for (let i = 0; i < KEYS; i += 1000) {
  const batch = []
  for (let j = i; j < Math.min(KEYS, i + 1000); j++) {
    batch.push({ name: `key ${j}`, owner: `org_${j % 100}`, scopes: ['read', 'write'] })
  }
  issued.push(...store.issueMany(batch))
}
const keys = issued.map((x) => x.key)

// ---- hand-rolled: SQLite + sha256 ----------------------------------------------
const db = new Database(path.join(dir, 'keys.sqlite'))
db.pragma('journal_mode = WAL')
db.pragma('synchronous = NORMAL')
db.exec(`CREATE TABLE api_keys (
  hash BLOB PRIMARY KEY, id TEXT NOT NULL, name TEXT NOT NULL, owner TEXT,
  scopes TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER,
  revoked_at INTEGER, enabled INTEGER NOT NULL DEFAULT 1) WITHOUT ROWID`)
const sha256 = (key) => crypto.createHash('sha256').update(key).digest()
const insert = db.prepare(
  'INSERT INTO api_keys (hash, id, name, owner, scopes, created_at) VALUES (?, ?, ?, ?, ?, ?)',
)
db.transaction(() => {
  issued.forEach((x, i) => insert.run(sha256(x.key), x.id, `key ${i}`, `org_${i % 100}`, 'read write', Date.now()))
})()
const lookup = db.prepare('SELECT * FROM api_keys WHERE hash = ?')
function handRolledVerify(key, scope) {
  if (typeof key !== 'string' || key.length > 256) return 'malformed'
  const row = lookup.get(sha256(key))
  if (!row) return 'not_found'
  if (row.revoked_at !== null) return 'revoked'
  if (!row.enabled) return 'disabled'
  if (row.expires_at !== null && row.expires_at <= Date.now()) return 'expired'
  if (scope && !row.scopes.split(' ').includes(scope)) return 'insufficient_scope'
  return 'valid'
}

// ---- timing -------------------------------------------------------------------
let rng = 42
const nextIndex = () => {
  rng = (rng * 1103515245 + 12345) & 0x7fffffff
  return rng % keys.length
}
const order = Array.from({ length: PER_ROUND }, nextIndex)
const scoped = process.env.SCOPED ? { scopes: ['read'] } : undefined

const contenders = {
  'keyrack verify': () => {
    let ok = 0
    for (const i of order) if (store.verify(keys[i], scoped).valid) ok++
    return ok
  },
  'keyrack verify + record': () => {
    let ok = 0
    for (const i of order) if (store.verify(keys[i], scoped).record.id) ok++
    return ok
  },
  'SQLite + sha256': () => {
    let ok = 0
    for (const i of order) if (handRolledVerify(keys[i], scoped && 'read') === 'valid') ok++
    return ok
  },
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}
const results = {}
for (const name of Object.keys(contenders)) results[name] = []
for (let r = 0; r < ROUNDS + 2; r++) {
  for (const [name, run] of Object.entries(contenders)) {
    const t0 = process.hrtime.bigint()
    const ok = run()
    const ns = Number(process.hrtime.bigint() - t0) / PER_ROUND
    if (ok !== PER_ROUND) throw new Error(`${name}: ${ok} of ${PER_ROUND} valid`)
    if (r >= 2) results[name].push(ns) // two warm-up rounds
  }
}

console.log(`verify, ${KEYS} keys, ${ROUNDS} rounds of ${PER_ROUND} random lookups (median ns per verify)`)
for (const [name, xs] of Object.entries(results)) {
  console.log(`  ${name.padEnd(26)} ${median(xs).toFixed(0).padStart(7)} ns   ${(1e9 / median(xs)).toFixed(0).padStart(9)} /s`)
}
const ratio = median(results['SQLite + sha256']) / median(results['keyrack verify'])
const ratioRecord = median(results['SQLite + sha256']) / median(results['keyrack verify + record'])
console.log(`ratio: keyrack verify is ${ratio.toFixed(1)}x the hand-rolled SQLite + sha256 lookup (target >= 5x)`)
console.log(`       ${ratioRecord.toFixed(1)}x when the record is read too`)

store.close()
db.close()
fs.rmSync(dir, { recursive: true, force: true })
