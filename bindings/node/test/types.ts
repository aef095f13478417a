// Compiled by test.sh with `tsc --noEmit --strict`: the generated index.d.ts
// must type a real program, and its unions must match these exhaustive lists.
import * as http from 'node:http'
import {
  Store,
  ManualClock,
  type Verification,
  extractKey,
  outcomeInfo,
  errorCodes,
  OUTCOMES,
  ERROR_CODES,
  AUDIT_KINDS,
  STATUSES,
  KeyIterator,
  type Health,
  type Fault,
  type Pool,
  type AuditEvent,
  type ImportCheck,
  type ListOptions,
  type Outcome,
  type ErrorCode,
  type Issued,
  type KeyRecord,
  type KeyStatus,
  type AuditKind,
  type Page,
  type IssueOptions,
  type UpdateOptions,
} from '..'

// Adding or removing a member of a union breaks the build here.
const STATUS_OF: Record<Outcome, number> = {
  valid: 200,
  malformed: 401,
  not_found: 401,
  revoked: 403,
  disabled: 403,
  expired: 401,
  insufficient_scope: 403,
  rate_limited: 429,
  usage_exceeded: 429,
  missing: 401,
}
const CODES: Record<ErrorCode, true> = {
  KEYRACK_INVALID_ARGUMENT: true,
  KEYRACK_NOT_FOUND: true,
  KEYRACK_ALREADY_OPEN: true,
  KEYRACK_WRONG_PROCESS: true,
  KEYRACK_PEPPER_MISMATCH: true,
  KEYRACK_INCOMPATIBLE_VERSION: true,
  KEYRACK_CORRUPTED: true,
  KEYRACK_READ_ONLY: true,
  KEYRACK_IO: true,
  KEYRACK_CLOSED: true,
  KEYRACK_NEEDS_RECOVERY: true,
}
const EVERY_STATUS: KeyStatus[] = ['active', 'revoked', 'disabled', 'expired']
const KINDS: AuditKind[] = [
  'issued',
  'revoked',
  'rotated',
  'updated',
  'enabled',
  'disabled',
  'purged',
  'credits_added',
  'pool_set',
  'pool_credits_added',
  'prefix_added',
  'prefix_removed',
]

function authorize(store: Store, req: http.IncomingMessage, scope: string): { status: number; body: string } {
  const key: string | null = extractKey(req.headers)
  if (key === null) {
    const { httpStatus, message } = outcomeInfo('missing')
    return { status: httpStatus, body: message }
  }
  const v: Verification = store.verify(key, { scopes: [scope] })
  if (!v.valid) return { status: v.httpStatus, body: v.message }
  const record: KeyRecord | undefined = v.record
  return { status: 200, body: record?.owner ?? 'anonymous' }
}

async function main(path: string): Promise<void> {
  const clock = new ManualClock(new Date())
  const store = new Store(path, { prefix: 'sk_live', prefixes: ['sk_test'], pepper: Buffer.alloc(32), clock, creditLease: 100 })
  const accepted: string[] = store.addPrefix('sk_dev').concat(await store.removePrefixAsync('sk_dev'), await store.addPrefixAsync('sk_ci'), store.removePrefix('sk_ci'))
  const health: Health = store.health()
  const fault: Fault | null = health.lastError
  const faultAt: Date | undefined = fault?.at
  const faultCode: ErrorCode | undefined = fault?.code
  const background: boolean = fault?.background ?? false
  console.log(accepted, health.ok, faultAt, faultCode, fault?.message, background)
  const options: IssueOptions = { name: 'ci', owner: 'org', scopes: ['deploy'], expiresIn: 60_000, rateLimit: { limit: 10, window: 1000 } }
  const issued: Issued = store.issue(options)
  const many: Issued[] = await store.issueManyAsync([{ name: 'a' }, { name: 'b', expiresAt: new Date(Date.now() + 1000) }])
  const outcome: Outcome = store.verify(issued.key).outcome
  const retry: number | undefined = store.verify(issued.key).retryAfter
  const change: UpdateOptions = { description: null, remaining: 5, expiresAt: null }
  const updated: KeyRecord = await store.updateAsync(issued.id, change)
  const created: Date = updated.createdAt
  const rotated: Issued = await store.rotateAsync(issued.id, { grace: 1000 })
  const page: Page = await store.listAsync({ owner: 'org', status: 'active', limit: 10 })
  const next: string | undefined = page.nextCursor
  const purged: number = await store.purgeAsync({ olderThan: 0 })
  const events = (await store.auditAsync({ kind: 'issued' })).events.map((e) => `${e.at.toISOString()} ${e.kind} ${e.id}`)
  const lines: string = await store.exportAsync()
  const imported: number = store.importJsonLines(lines) + (await store.importJsonLinesAsync(store.export()))
  const compacted: boolean = store.compact() || (await store.compactAsync())
  const filter: ListOptions = { owner: 'org', limit: 50 }
  const all: KeyIterator = store.keys(filter)
  const owners: Array<string | undefined> = []
  for (const r of all) owners.push(r.owner)
  const names: string[] = [...store.keys()].map((r: KeyRecord) => r.name)
  const audited: AuditEvent[] = Array.from(store.auditEvents({ kind: 'rotated', limit: 10 }))
  const fromHeaders: Verification = store.verifyHeaders(req().headers, { scopes: ['deploy'] })
  const fromFetch: Verification = await store.verifyHeadersAsync(new Headers({ 'x-api-key': issued.key }))
  const check: ImportCheck = store.checkImportJsonLines(lines)
  const firstPresent: number | undefined = (await store.checkImportJsonLinesAsync(lines)).alreadyPresent[0]?.line
  console.log(owners, names, audited, fromHeaders.outcome, fromFetch.valid, check.records, check.pools, firstPresent)
  const pool = store.setPool('org', { remaining: 10 })
  const toppedUp: Pool = store.addPoolCredits('org', 5)
  const toppedUpAsync: Pool = await store.addPoolCreditsAsync('org', 5)
  const credited: KeyRecord = store.addCredits(issued.id, 5)
  const creditedAsync: KeyRecord = await store.addCreditsAsync(issued.id, 5)
  console.log(toppedUp.remaining, toppedUpAsync.refill, credited.remaining, creditedAsync.remaining)
  const same = store.pool('org')?.remaining === pool.remaining
  clock.advance(1000)
  store.close()
  try {
    store.verify(rotated.key)
  } catch (e) {
    const code = (e as Error & { code: ErrorCode }).code
    if (!(code in CODES)) throw e
  }
  const codes: ErrorCode[] = errorCodes()
  // The core's lists, typed by the unions.
  const outcomes: ReadonlyArray<Outcome> = OUTCOMES
  const everyCode: ReadonlyArray<ErrorCode> = ERROR_CODES
  const everyKind: ReadonlyArray<AuditKind> = AUDIT_KINDS
  const everyStatus: ReadonlyArray<KeyStatus> = STATUSES
  console.log(outcomes, everyCode, everyKind, everyStatus)
  console.log(outcome, retry, created, next, purged, events, same, many.length, codes, STATUS_OF, EVERY_STATUS, KINDS, imported, compacted)
}

function req(): http.IncomingMessage {
  return new http.IncomingMessage(null as never)
}

void main
void authorize
