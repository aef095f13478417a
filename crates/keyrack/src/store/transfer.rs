//! Moving records in and out: `export`, `import`, `import_json_lines` and its
//! dry run `check_import_json_lines`, which share one parse and one validation.

use std::collections::HashSet;

use super::*;

/// Why an import was refused: the error, and the line of the text it names
/// (`None` for a store failure such as `Io`, or for [`Store::import`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub struct ImportError {
    /// The 1-based line of the text the refusal is about, blank lines counted.
    pub line: Option<usize>,
    /// What was wrong (`InvalidArgument` for a bad line, naming the field).
    pub error: Error,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(n) => write!(f, "line {n}: {}", self.error),
            None => self.error.fmt(f),
        }
    }
}

/// The error [`Store::import_json_lines`] returns: an `InvalidArgument` whose
/// reason starts with `line N:`, or the store failure itself.
impl From<ImportError> for Error {
    fn from(e: ImportError) -> Error {
        Where::from(e.line).label(e.error)
    }
}

/// What [`Store::check_import_json_lines`] found: the text would import.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImportCheck {
    /// Records in the text.
    pub records: usize,
    /// Owners' pools in the text.
    pub pools: usize,
    /// `(line, id)` of records whose id the store already has: a real import
    /// refuses the first of them.
    pub already_present: Vec<(usize, String)>,
}

/// Where an imported item came from, for the label its errors start with.
#[derive(Clone, Copy, Debug)]
enum Where {
    /// The n-th record (0-based) given to [`Store::import`].
    Record(usize),
    /// A 1-based line of imported text.
    Line(usize),
}

impl From<Option<usize>> for Where {
    fn from(line: Option<usize>) -> Where {
        line.map_or(Where::Record(usize::MAX), Where::Line)
    }
}

impl Where {
    fn line(self) -> Option<usize> {
        match self {
            Where::Line(n) => Some(n),
            Where::Record(_) => None,
        }
    }

    /// Puts the label in front of an `InvalidArgument`'s reason.
    fn label(self, e: Error) -> Error {
        let label = match self {
            Where::Line(n) => format!("line {n}"),
            Where::Record(usize::MAX) => return e,
            Where::Record(n) => format!("record {}", n + 1),
        };
        match e {
            Error::InvalidArgument { field, reason } => Error::InvalidArgument {
                field,
                reason: format!("{label}: {reason}"),
            },
            other => other,
        }
    }

    fn fail(self, error: Error) -> Refusal {
        (self, error)
    }
}

/// A refusal and where it points.
type Refusal = (Where, Error);

/// Parsed, validated input of an import.
#[derive(Default)]
struct Batch {
    records: Vec<(Where, KeyRecord)>,
    pools: Vec<(Where, String, Pool)>,
}

impl Batch {
    /// The strict parse of exported lines, blank lines skipped.
    fn parse(text: &str) -> Result<Batch, Refusal> {
        let mut batch = Batch::default();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let at = Where::Line(i + 1);
            match ExportLine::parse(line).map_err(|e| at.fail(e))? {
                ExportLine::Record(r) => batch.records.push((at, r)),
                ExportLine::Pool { owner, pool } => batch.pools.push((at, owner, pool)),
            }
        }
        Ok(batch)
    }
}

impl Store {
    /// Imports records (for example the lines of `keyrack export`, parsed with
    /// serde) in one transaction: all or none. Records never carry a secret, so
    /// an imported key has none: it verifies as `not_found` until
    /// [`rotate`](Store::rotate) gives it a new one. Counters and credits are
    /// kept as exported. Fails with `InvalidArgument` (naming the field, its
    /// reason starting with `record N:`) on a bad record, an id that already
    /// exists, a prefix the store does not accept, or a repeated id.
    pub fn import(&self, records: Vec<KeyRecord>) -> Result<usize> {
        let batch = Batch {
            records: records
                .into_iter()
                .enumerate()
                .map(|(n, r)| (Where::Record(n), r))
                .collect(),
            pools: Vec::new(),
        };
        self.import_batch(batch).map_err(|(at, e)| at.label(e))
    }

    /// Imports JSON lines as [`export`](Store::export) (and `keyrack export`)
    /// writes them, one record or owner's pool per line (see
    /// [`ExportLine`]), blank lines skipped: all or none, like
    /// [`import`](Store::import). Returns how many records it imported. A
    /// line that is neither, that `import` refuses, or a pool for an owner
    /// that already has one fails with `InvalidArgument` whose reason starts
    /// with `line N:` ([`check_import_json_lines`](Store::check_import_json_lines)
    /// gives the line as a number).
    ///
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// use keyrack::{IssueOptions, Options, Store};
    /// let old = Store::open(dir.path().join("old.redb"), Options::default())?;
    /// let issued = old.issue(IssueOptions::new("ci"))?;
    /// let mut lines = Vec::new();
    /// assert_eq!(old.export(&mut lines)?, 1);
    /// let new = Store::open(dir.path().join("new.redb"), Options::default())?;
    /// assert_eq!(new.import_json_lines(std::str::from_utf8(&lines)?)?, 1);
    /// assert_eq!(new.get(&issued.id)?.name, "ci");
    /// // Records carry no secret: the key works again once rotated.
    /// assert!(!new.verify(issued.key.expose())?.is_valid());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn import_json_lines(&self, text: &str) -> Result<usize> {
        Batch::parse(text)
            .and_then(|batch| self.import_batch(batch))
            .map_err(|(at, e)| at.label(e))
    }

    /// The dry run of [`import_json_lines`](Store::import_json_lines): every
    /// check the import makes (the parse, each field, the store's prefixes,
    /// repeated ids, owners that already have a pool), writing nothing. Ids
    /// the store already has are listed rather than refused. Works on a
    /// read-only store.
    ///
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// use keyrack::{Options, Store};
    /// let store = Store::open(dir.path().join("k.redb"), Options::default())?;
    /// let refused = store.check_import_json_lines("\n{not json").unwrap_err();
    /// assert_eq!(refused.line, Some(2));
    /// assert_eq!(store.check_import_json_lines("")?.records, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check_import_json_lines(&self, text: &str) -> Result<ImportCheck, ImportError> {
        let refused = |(at, error): Refusal| ImportError {
            line: at.line(),
            error,
        };
        self.inner
            .usable()
            .map_err(|e| refused((Where::from(None), e)))?;
        let batch = Batch::parse(text).map_err(refused)?;
        self.validate_batch(&batch).map_err(refused)?;
        let mut check = ImportCheck {
            records: batch.records.len(),
            pools: batch.pools.len(),
            already_present: Vec::new(),
        };
        self.inner
            .with_backend(|b| {
                let r = b.read()?;
                for (at, record) in &batch.records {
                    if r.record(&record.id)?.is_some() {
                        check
                            .already_present
                            .push((at.line().unwrap_or(0), record.id.clone()));
                    }
                }
                for (at, owner, _) in &batch.pools {
                    if r.pool(owner)?.is_some() {
                        return Ok(Err(at.fail(pool_taken(owner))));
                    }
                }
                Ok(Ok(()))
            })
            .map_err(|e| refused((Where::from(None), e)))?
            .map_err(refused)?;
        Ok(check)
    }

    /// Writes every record (never a secret) to `out` as one JSON line each,
    /// in id order, with its `status` at the time of the export, then one
    /// line per owner's credit pool (see [`ExportLine`]); returns how many
    /// records. [`import_json_lines`](Store::import_json_lines) reads them
    /// back.
    pub fn export(&self, out: &mut dyn std::io::Write) -> Result<usize> {
        let now = self.inner.clock.now();
        let mut options = ListOptions::default().limit(1000);
        let mut n = 0;
        loop {
            let page = self.list(&options)?;
            for r in &page.records {
                writeln!(out, "{}", r.to_json_line(now)).map_err(Error::Io)?;
                n += 1;
            }
            match page.next_cursor {
                Some(c) => options.cursor = Some(c),
                None => break,
            }
        }
        let owners = self.inner.with_backend(|b| b.read()?.pool_owners())?;
        for owner in owners {
            if let Some(pool) = self.pool(&owner)? {
                let line = ExportLine::Pool { owner, pool }.to_json_line(now);
                writeln!(out, "{line}").map_err(Error::Io)?;
            }
        }
        out.flush().map_err(Error::Io)?;
        Ok(n)
    }

    /// Every check of an import that needs no transaction.
    fn validate_batch(&self, batch: &Batch) -> Result<(), Refusal> {
        if batch.records.len() > MAX_BATCH {
            return Err(Where::from(None).fail(Error::invalid(
                "records",
                format!("at most {MAX_BATCH} at once"),
            )));
        }
        let mut seen = HashSet::new();
        for (at, r) in &batch.records {
            if validate_id(&r.id).is_err() || !seen.insert(r.id.as_str()) {
                return Err(at.fail(Error::invalid(
                    "id",
                    format!("{:?} is not a fresh key id", r.id),
                )));
            }
            self.validate_record(r).map_err(|e| at.fail(e))?;
        }
        let mut owners = HashSet::new();
        for (at, owner, pool) in &batch.pools {
            validate_pool(owner, pool.refill.as_ref()).map_err(|e| at.fail(e))?;
            if !owners.insert(owner.as_str()) {
                return Err(at.fail(pool_taken(owner)));
            }
        }
        Ok(())
    }

    /// Imports a validated batch in one durable transaction.
    fn import_batch(&self, batch: Batch) -> Result<usize, Refusal> {
        self.validate_batch(&batch)?;
        let mut refused = None;
        let result = self.inner.write(true, |t| {
            for (at, r) in &batch.records {
                if t.w.record(&r.id)?.is_some() {
                    let e = Error::invalid("id", format!("{} already exists in this store", r.id));
                    refused = Some(*at);
                    return Err(e);
                }
                let stored = StoredV1::from_record(r, t.now);
                t.w.put_record(&r.id, &stored.encode())?;
                if let Some(owner) = &r.owner {
                    t.w.put_owner(owner, &r.id)?;
                }
                t.audit(
                    AuditKind::Issued,
                    &r.id,
                    "imported (no secret until rotated)",
                )?;
            }
            for (at, owner, pool) in &batch.pools {
                if t.w.pool(owner)?.is_some() {
                    refused = Some(*at);
                    return Err(pool_taken(owner));
                }
                let p = StoredPool {
                    remaining: pool.remaining,
                    refill: pool.refill.as_ref().map(refill_pair),
                    refilled_at: t.now,
                };
                t.w.put_pool(owner, &p.encode())?;
                let (owner, state) = (owner.clone(), pool_state(Some(&p)));
                t.after.push(Box::new(move |store: &Inner| {
                    store.live.changed();
                    let pool = store.live.pool_for(&owner, || pool_state(None));
                    *pool.lock().unwrap_or_else(|p| p.into_inner()) = state;
                }));
            }
            Ok(batch.records.len())
        });
        result.map_err(|e| (refused.unwrap_or(Where::from(None)), e))
    }
}

fn pool_taken(owner: &str) -> Error {
    Error::invalid("pool", format!("owner {owner:?} already has a pool"))
}
