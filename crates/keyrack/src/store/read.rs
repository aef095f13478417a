//! Reading records and events: `get`, `list`, `audit` and their iterators
//! `iter_keys` and `iter_audit`.

use super::*;

/// One page of [`Store::list`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Page {
    /// Records of this page, in id order.
    pub records: Vec<KeyRecord>,
    /// Pass this as `cursor` for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// One page of [`Store::audit`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditPage {
    /// Events of this page, oldest first.
    pub events: Vec<AuditEvent>,
    /// Pass this as `cursor` for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// Every record matching a [`ListOptions`], page after page: what
/// [`Store::iter_keys`] returns. Each page is read when the one before is
/// used up, so records issued meanwhile past the cursor show up too. An error
/// ends the iteration after it is yielded.
#[derive(Debug)]
pub struct Keys {
    store: Store,
    options: ListOptions,
    page: std::vec::IntoIter<KeyRecord>,
    done: bool,
}

impl Iterator for Keys {
    type Item = Result<KeyRecord>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(r) = self.page.next() {
                return Some(Ok(r));
            }
            if self.done {
                return None;
            }
            match self.store.list(&self.options) {
                Ok(page) => {
                    self.done = page.next_cursor.is_none();
                    self.options.cursor = page.next_cursor;
                    self.page = page.records.into_iter();
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

/// Every audit event matching an [`AuditOptions`], oldest first, page after
/// page: what [`Store::iter_audit`] returns. An error ends the iteration after
/// it is yielded.
#[derive(Debug)]
pub struct AuditEvents {
    store: Store,
    options: AuditOptions,
    page: std::vec::IntoIter<AuditEvent>,
    done: bool,
}

impl Iterator for AuditEvents {
    type Item = Result<AuditEvent>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(e) = self.page.next() {
                return Some(Ok(e));
            }
            if self.done {
                return None;
            }
            match self.store.audit(&self.options) {
                Ok(page) => {
                    self.done = page.next_cursor.is_none();
                    self.options.cursor = page.next_cursor;
                    self.page = page.events.into_iter();
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

impl Store {
    /// Every record matching `options` (its `limit` is the page size, its
    /// `cursor` where to start), read one page at a time.
    ///
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// use keyrack::{IssueOptions, ListOptions, Options, Store};
    /// let store = Store::open(dir.path().join("k.redb"), Options::default())?;
    /// for n in 0..5 {
    ///     store.issue(IssueOptions::new(format!("k{n}")).owner("org_1"))?;
    /// }
    /// let names: Vec<String> = store
    ///     .iter_keys(ListOptions::default().owner("org_1").limit(2))
    ///     .map(|r| r.map(|r| r.name))
    ///     .collect::<keyrack::Result<_>>()?;
    /// assert_eq!(names, ["k0", "k1", "k2", "k3", "k4"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn iter_keys(&self, options: ListOptions) -> Keys {
        Keys {
            store: self.clone(),
            options,
            page: Vec::new().into_iter(),
            done: false,
        }
    }

    /// Every audit event matching `options`, oldest first, read one page
    /// (of `options.limit`) at a time.
    pub fn iter_audit(&self, options: AuditOptions) -> AuditEvents {
        AuditEvents {
            store: self.clone(),
            options,
            page: Vec::new().into_iter(),
            done: false,
        }
    }

    /// The record of key `id` (live counters included), or `NotFound`.
    pub fn get(&self, id: &str) -> Result<KeyRecord> {
        self.inner.usable()?;
        validate_id(id)?;
        self.inner.counted(|| {
            let stored = self.inner.with_backend(|b| match b.read()?.record(id)? {
                Some(bytes) => StoredV1::decode(id, &bytes),
                None => Err(Error::not_found(id)),
            })?;
            Ok(self.inner.with_live(stored.to_public()))
        })
    }

    /// One page of records matching the filters, in id order.
    pub fn list(&self, options: &ListOptions) -> Result<Page> {
        self.inner.usable()?;
        if options.limit == 0 || options.limit > 1000 {
            return Err(Error::invalid("limit", "must be between 1 and 1000"));
        }
        if let Some(c) = &options.cursor
            && validate_id(c).is_err()
        {
            return Err(Error::invalid(
                "cursor",
                "not a cursor from a previous page",
            ));
        }
        let now = self.inner.clock.now();
        let mut records = Vec::new();
        let mut more = false;
        let keep = |r: &KeyRecord| {
            options.prefix.as_ref().is_none_or(|p| *p == r.prefix)
                && options.status.is_none_or(|s| r.status_at(now) == s)
                && options
                    .unused_since
                    .is_none_or(|t| r.last_used_at.is_none_or(|u| u < t))
        };
        // The file and the counters in memory as of one moment.
        let steady = self
            .inner
            .flushing
            .read()
            .unwrap_or_else(|p| p.into_inner());
        self.inner.with_backend(|b| {
            let reader = b.read()?;
            let mut take = |id: &str, bytes: &[u8]| -> Result<bool> {
                let r = self
                    .inner
                    .with_live(StoredV1::decode(id, bytes)?.to_public());
                if keep(&r) {
                    if records.len() == options.limit {
                        more = true;
                        return Ok(false);
                    }
                    records.push(r);
                }
                Ok(true)
            };
            match &options.owner {
                Some(owner) => {
                    let mut ids = Vec::new();
                    reader.scan_owner(owner, options.cursor.as_deref(), &mut |id| {
                        ids.push(id.to_owned());
                        Ok(true)
                    })?;
                    for id in ids {
                        if let Some(bytes) = reader.record(&id)?
                            && !take(&id, &bytes)?
                        {
                            break;
                        }
                    }
                }
                None => {
                    reader.scan_records(options.cursor.as_deref(), &mut |id, bytes| {
                        take(id, bytes)
                    })?;
                }
            }
            Ok(())
        })?;
        drop(steady);
        let next_cursor = if more {
            records.last().map(|r| r.id.clone())
        } else {
            None
        };
        Ok(Page {
            records,
            next_cursor,
        })
    }

    /// Audit events matching the filters, oldest first, one page at a time.
    pub fn audit(&self, options: &AuditOptions) -> Result<AuditPage> {
        self.inner.usable()?;
        if options.limit == 0 || options.limit > 10_000 {
            return Err(Error::invalid("limit", "must be between 1 and 10000"));
        }
        let from = match &options.cursor {
            Some(c) => {
                let (a, s) = c
                    .split_once('.')
                    .and_then(|(a, s)| Some((a.parse::<i64>().ok()?, s.parse::<u64>().ok()?)))
                    .ok_or_else(|| Error::invalid("cursor", "not a cursor from a previous page"))?;
                (a, s.saturating_add(1))
            }
            None => (options.since.map_or(i64::MIN, crate::clock::to_millis), 0),
        };
        let mut events = Vec::new();
        let mut more = false;
        self.inner.with_backend(|b| {
            b.read()?.scan_audit(from, &mut |at, seq, bytes| {
                let e = StoredAudit::decode(at, seq, bytes)?;
                if options.id.as_ref().is_some_and(|id| *id != e.id)
                    || options.kind.is_some_and(|k| k != e.kind)
                {
                    return Ok(true);
                }
                if events.len() == options.limit {
                    more = true;
                    return Ok(false);
                }
                events.push(e);
                Ok(true)
            })
        })?;
        let next_cursor = if more {
            events
                .last()
                .map(|e| format!("{}.{}", crate::clock::to_millis(e.at), e.seq))
        } else {
            None
        };
        Ok(AuditPage {
            events,
            next_cursor,
        })
    }
}
