'use strict'
// One writer per file across processes; the addon in worker threads.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { Worker } = require('node:worker_threads')
const { Store } = require('..')
const { storePath } = require('./helpers')

const pkg = path.join(__dirname, '..')

test('a second process gets KEYRACK_ALREADY_OPEN, and reads once the writer closes', () => {
  const file = storePath()
  const store = new Store(file)
  const { id, key } = store.issue({ name: 'shared' })
  const child = (code) => {
    const r = spawnSync(process.execPath, ['-e', code, pkg, file, key], { encoding: 'utf8' })
    assert.equal(r.status, 0, r.stderr)
    return r.stdout.trim()
  }
  const tryOpen = `
    const { Store } = require(process.argv[1])
    try { new Store(process.argv[2]); console.log('opened') } catch (e) { console.log(e.code) }`
  assert.equal(child(tryOpen), 'KEYRACK_ALREADY_OPEN')
  store.close()
  const readOnly = `
    const { Store } = require(process.argv[1])
    const s = new Store(process.argv[2], { readOnly: true })
    console.log(s.verify(process.argv[3]).outcome + ' ' + s.verify(process.argv[3]).record.id)
    s.close()`
  assert.equal(child(readOnly), `valid ${id}`)
})

test('the addon works in worker threads', async () => {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads')
    const { Store } = require(workerData.pkg)
    const s = new Store(workerData.file)
    const i = s.issue({ name: 'w' })
    const v = s.verify(i.key)
    s.close()
    parentPort.postMessage(JSON.stringify(v))`
  const results = await Promise.all(
    [0, 1].map(
      () =>
        new Promise((resolve, reject) => {
          const w = new Worker(code, { eval: true, workerData: { pkg, file: storePath() } })
          w.once('message', resolve)
          w.once('error', reject)
        }),
    ),
  )
  for (const r of results) assert.equal(JSON.parse(r).outcome, 'valid')
})
