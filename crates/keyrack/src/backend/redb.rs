//! The redb file: keyrack's first (and embedded) backend.

use std::fs::OpenOptions;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use redb::{
    Database, DatabaseError, Durability, ReadOnlyDatabase, ReadTransaction, ReadableDatabase,
    ReadableTable, StorageBackend, StorageError, TableDefinition, TableError, WriteTransaction,
};

use super::{AuditVisitor, Backend, Reader, SecretRow, Writer};
use crate::error::{Error, Result};

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("keyrack_meta");
const KEYS: TableDefinition<&str, &[u8]> = TableDefinition::new("keyrack_keys");
const SECRETS: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("keyrack_secrets");
const OWNERS: TableDefinition<(&str, &str), ()> = TableDefinition::new("keyrack_owners");
const POOLS: TableDefinition<&str, &[u8]> = TableDefinition::new("keyrack_pools");
const AUDIT: TableDefinition<(i64, u64), &[u8]> = TableDefinition::new("keyrack_audit");

/// The redb format generation this build writes (redb's own file format).
const REDB_FORMAT: u32 = 3;

enum Db {
    Rw(Database),
    Ro(ReadOnlyDatabase),
}

pub(crate) struct RedbBackend {
    db: Db,
}

/// Opens a database on a caller-supplied redb storage backend.
pub(crate) type StorageOpener =
    Box<dyn FnOnce(&redb::Builder, bool) -> std::result::Result<DbHandle, DatabaseError>>;

/// A database opened for writing or for reading only.
pub(crate) enum DbHandle {
    Rw(Database),
    Ro(ReadOnlyDatabase),
}

/// Builds a [`StorageOpener`] for any backend.
pub(crate) fn opener<S: StorageBackend>(storage: S) -> StorageOpener {
    Box::new(move |builder, read_only| {
        if read_only {
            builder
                .open_read_only_with_backend(storage)
                .map(DbHandle::Ro)
        } else {
            builder.create_with_backend(storage).map(DbHandle::Rw)
        }
    })
}

/// How to open the file.
pub(crate) struct OpenRequest<'a> {
    pub path: &'a Path,
    pub create: bool,
    pub read_only: bool,
    pub check_integrity: bool,
    pub cache_bytes: usize,
    pub storage: Option<StorageOpener>,
}

impl RedbBackend {
    /// Opens (or creates, with mode 0600) the store file. A new store is
    /// built under a temporary name beside `path`, returned as the second
    /// value: the caller publishes it with [`publish`] once its first commit is
    /// durable, so a crash during creation never leaves a half-made file at
    /// `path`.
    pub(crate) fn open(req: OpenRequest<'_>) -> Result<(Self, Option<PathBuf>)> {
        let path = req.path.to_path_buf();
        let mut builder = redb::Builder::new();
        builder.set_check_integrity_on_open(req.check_integrity && !req.read_only);
        builder.set_cache_size(req.cache_bytes);
        let opened = catch_unwind(AssertUnwindSafe(|| -> Result<(Db, Option<PathBuf>)> {
            if let Some(open) = req.storage {
                return match open(&builder, req.read_only) {
                    Ok(DbHandle::Rw(d)) => Ok((Db::Rw(d), None)),
                    Ok(DbHandle::Ro(d)) => Ok((Db::Ro(d), None)),
                    Err(e) => Err(open_error(e, &path, req.read_only)),
                };
            }
            let exists = path.exists();
            if req.read_only {
                if !exists {
                    return Err(missing(&path));
                }
                return builder
                    .open_read_only(&path)
                    .map(|d| (Db::Ro(d), None))
                    .map_err(|e| open_error(e, &path, req.read_only));
            }
            if exists {
                if std::fs::metadata(&path)?.len() == 0 {
                    return Err(Error::Corrupted(format!(
                        "{} is an empty file, not a keyrack store",
                        path.display()
                    )));
                }
                return builder
                    .open(&path)
                    .map(|d| (Db::Rw(d), None))
                    .map_err(|e| open_error(e, &path, req.read_only));
            }
            if !req.create {
                return Err(missing(&path));
            }
            let mut opts = OpenOptions::new();
            opts.read(true).write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            let temp = temp_path(&path);
            let file = opts.open(&temp)?;
            let backend = match redb::backends::FileBackend::new(file) {
                Ok(b) => b,
                Err(e) => {
                    let _ = std::fs::remove_file(&temp);
                    return Err(open_error(e, &path, req.read_only));
                }
            };
            match builder.create_with_backend(backend) {
                Ok(d) => Ok((Db::Rw(d), Some(temp))),
                Err(e) => {
                    let _ = std::fs::remove_file(&temp);
                    Err(open_error(e, &path, req.read_only))
                }
            }
        }));
        match opened {
            Ok(Ok((db, temp))) => {
                if let Db::Rw(d) = &db {
                    let made = d.begin_write().map_err(map).and_then(|mut txn| {
                        txn.set_two_phase_commit(true);
                        RedbBackend::create_tables(&txn)?;
                        txn.commit().map_err(map)
                    });
                    if let Err(e) = made {
                        if let Some(t) = &temp {
                            let _ = std::fs::remove_file(t);
                        }
                        return Err(e);
                    }
                }
                Ok((RedbBackend { db }, temp))
            }
            Ok(Err(e)) => Err(e),
            Err(_) => Err(Error::Corrupted(format!(
                "{} could not be opened: the storage engine rejected its contents",
                path.display()
            ))),
        }
    }

    /// Creates every table, so that later reads always find them.
    pub(crate) fn create_tables(txn: &WriteTransaction) -> Result<()> {
        txn.open_table(META).map_err(map)?;
        txn.open_table(KEYS).map_err(map)?;
        txn.open_table(SECRETS).map_err(map)?;
        txn.open_table(OWNERS).map_err(map)?;
        txn.open_table(POOLS).map_err(map)?;
        txn.open_table(AUDIT).map_err(map)?;
        Ok(())
    }
}

/// `dir/.name.creating-<pid>-<nanos>`: where a new store is built.
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "keyrack".into());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    path.with_file_name(format!(".{name}.creating-{}-{nanos}", std::process::id()))
}

/// Moves a newly made store from `temp` to `path` without ever replacing a
/// file there (a hard link fails if `path` exists), then makes the new name
/// durable. The open handle keeps working: it refers to the same file.
pub(crate) fn publish(temp: &Path, path: &Path) -> Result<()> {
    let linked = std::fs::hard_link(temp, path);
    let _ = std::fs::remove_file(temp);
    match linked {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Error::AlreadyOpen {
                path: path.to_path_buf(),
            });
        }
        Err(e) => return Err(Error::Io(e)),
    }
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

fn missing(path: &Path) -> Error {
    Error::Io(std::io::Error::new(
        std::io::ErrorKind::NotFound,
        format!("no keyrack store at {}", path.display()),
    ))
}

fn open_error(e: DatabaseError, path: &Path, read_only: bool) -> Error {
    match e {
        // A read-only open cannot repair: the writer crashed, and a
        // read-write open recovers the file (nothing is damaged).
        DatabaseError::RepairAborted if read_only => Error::NeedsRecovery {
            path: PathBuf::from(path),
        },
        DatabaseError::DatabaseAlreadyOpen => Error::AlreadyOpen {
            path: PathBuf::from(path),
        },
        DatabaseError::UpgradeRequired(v) => Error::IncompatibleVersion {
            found: u32::from(v),
            supported: REDB_FORMAT,
        },
        DatabaseError::RepairAborted => Error::Corrupted("repair was aborted".into()),
        DatabaseError::Storage(s) => storage(s),
        other => Error::Corrupted(other.to_string()),
    }
}

fn storage(e: StorageError) -> Error {
    match e {
        StorageError::Corrupted(s) => Error::Corrupted(s),
        StorageError::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => {
            Error::Corrupted(io.to_string())
        }
        StorageError::Io(io) => Error::Io(io),
        StorageError::PreviousIo => Error::Io(std::io::Error::other(
            "an earlier write failed; the store refuses writes until it is reopened",
        )),
        StorageError::DatabaseClosed => Error::Closed,
        StorageError::ValueTooLarge(n) => {
            Error::invalid("record", format!("{n} bytes is too large to store"))
        }
        other => Error::Io(std::io::Error::other(other.to_string())),
    }
}

/// Maps any redb error to keyrack's.
pub(crate) fn map(e: impl Into<redb::Error>) -> Error {
    let e: redb::Error = e.into();
    match e {
        redb::Error::DatabaseAlreadyOpen => Error::AlreadyOpen {
            path: PathBuf::new(),
        },
        redb::Error::Corrupted(s) => Error::Corrupted(s),
        redb::Error::UpgradeRequired(v) => Error::IncompatibleVersion {
            found: u32::from(v),
            supported: REDB_FORMAT,
        },
        redb::Error::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => {
            Error::Corrupted(io.to_string())
        }
        redb::Error::Io(io) => Error::Io(io),
        redb::Error::PreviousIo => Error::Io(std::io::Error::other(
            "an earlier write failed; the store refuses writes until it is reopened",
        )),
        redb::Error::DatabaseClosed => Error::Closed,
        redb::Error::ValueTooLarge(n) => {
            Error::invalid("record", format!("{n} bytes is too large to store"))
        }
        redb::Error::TableDoesNotExist(t) => {
            Error::Corrupted(format!("table {t} is missing: not a keyrack store"))
        }
        redb::Error::TableTypeMismatch { .. } | redb::Error::TypeDefinitionChanged { .. } => {
            Error::Corrupted(format!("not a keyrack store: {e}"))
        }
        other => Error::Io(std::io::Error::other(other.to_string())),
    }
}

fn table_error(e: TableError) -> Error {
    map(e)
}

/// A secret row's value: `[valid_until: i64 LE, only when set][id]`, the id
/// packed (16 bytes) or as characters (26). Rows written before ids were
/// packed always hold the time (`i64::MAX` for none) and the characters.
fn encode_secret(row: &SecretRow) -> Vec<u8> {
    let mut v = Vec::with_capacity(8 + 26);
    if let Some(until) = row.valid_until {
        v.extend_from_slice(&until.to_le_bytes());
    }
    v.extend_from_slice(&crate::ids::encode(&row.id));
    v
}

fn decode_secret(bytes: &[u8]) -> Result<SecretRow> {
    let (until, id) = match bytes.len() {
        16 | 26 => (None, bytes),
        24 | 34 => {
            let (t, id) = bytes.split_at(8);
            let t = i64::from_le_bytes(t.try_into().expect("8 bytes"));
            ((t != i64::MAX).then_some(t), id)
        }
        _ => return Err(Error::Corrupted("a secret row has a damaged length".into())),
    };
    Ok(SecretRow {
        id: crate::ids::decode(id)?,
        valid_until: until,
    })
}

// ---- reads, shared by read and write transactions -----------------------------

macro_rules! reader_impl {
    ($ty:ty) => {
        impl Reader for $ty {
            fn meta(&self, key: &str) -> Result<Option<Vec<u8>>> {
                let t = self.txn().open_table(META).map_err(table_error)?;
                Ok(t.get(key).map_err(map)?.map(|v| v.value().to_vec()))
            }

            fn secret(&self, hash: &[u8; 32]) -> Result<Option<SecretRow>> {
                let t = self.txn().open_table(SECRETS).map_err(table_error)?;
                match t.get(hash).map_err(map)? {
                    Some(v) => Ok(Some(decode_secret(v.value())?)),
                    None => Ok(None),
                }
            }

            fn record(&self, id: &str) -> Result<Option<Vec<u8>>> {
                let t = self.txn().open_table(KEYS).map_err(table_error)?;
                Ok(t.get(id).map_err(map)?.map(|v| v.value().to_vec()))
            }

            fn pool(&self, owner: &str) -> Result<Option<Vec<u8>>> {
                let t = self.txn().open_table(POOLS).map_err(table_error)?;
                Ok(t.get(owner).map_err(map)?.map(|v| v.value().to_vec()))
            }

            fn pool_owners(&self) -> Result<Vec<String>> {
                let t = self.txn().open_table(POOLS).map_err(table_error)?;
                let mut owners = Vec::new();
                for item in t.iter().map_err(map)? {
                    owners.push(item.map_err(map)?.0.value().to_owned());
                }
                Ok(owners)
            }

            fn scan_records(
                &self,
                after: Option<&str>,
                visit: &mut dyn FnMut(&str, &[u8]) -> Result<bool>,
            ) -> Result<()> {
                let t = self.txn().open_table(KEYS).map_err(table_error)?;
                let range = match after {
                    Some(a) => {
                        t.range::<&str>((std::ops::Bound::Excluded(a), std::ops::Bound::Unbounded))
                    }
                    None => t.range::<&str>(..),
                }
                .map_err(map)?;
                for item in range {
                    let (k, v) = item.map_err(map)?;
                    if !visit(k.value(), v.value())? {
                        break;
                    }
                }
                Ok(())
            }

            fn scan_owner(
                &self,
                owner: &str,
                after: Option<&str>,
                visit: &mut dyn FnMut(&str) -> Result<bool>,
            ) -> Result<()> {
                let t = self.txn().open_table(OWNERS).map_err(table_error)?;
                let start = match after {
                    Some(a) => std::ops::Bound::Excluded((owner, a)),
                    None => std::ops::Bound::Included((owner, "")),
                };
                for item in t
                    .range::<(&str, &str)>((start, std::ops::Bound::Unbounded))
                    .map_err(map)?
                {
                    let (k, _) = item.map_err(map)?;
                    let (o, id) = k.value();
                    if o != owner || !visit(id)? {
                        break;
                    }
                }
                Ok(())
            }

            fn scan_audit(&self, from: (i64, u64), visit: AuditVisitor<'_>) -> Result<()> {
                let t = self.txn().open_table(AUDIT).map_err(table_error)?;
                for item in t.range(from..).map_err(map)? {
                    let (k, v) = item.map_err(map)?;
                    let (at, seq) = k.value();
                    if !visit(at, seq, v.value())? {
                        break;
                    }
                }
                Ok(())
            }

            fn last_audit(&self) -> Result<Option<(i64, u64)>> {
                let t = self.txn().open_table(AUDIT).map_err(table_error)?;
                Ok(t.last().map_err(map)?.map(|(k, _)| k.value()))
            }

            fn scan_secret_hashes(
                &self,
                visit: &mut dyn FnMut(&[u8; 32]) -> Result<bool>,
            ) -> Result<()> {
                let t = self.txn().open_table(SECRETS).map_err(table_error)?;
                for item in t.iter().map_err(map)? {
                    let (k, _) = item.map_err(map)?;
                    if !visit(k.value())? {
                        break;
                    }
                }
                Ok(())
            }
        }
    };
}

struct RedbReader(ReadTransaction);
impl RedbReader {
    fn txn(&self) -> &ReadTransaction {
        &self.0
    }
}
reader_impl!(RedbReader);

struct RedbWriter<'a>(&'a WriteTransaction);
impl RedbWriter<'_> {
    fn txn(&self) -> &WriteTransaction {
        self.0
    }
}
reader_impl!(RedbWriter<'_>);

impl Writer for RedbWriter<'_> {
    fn put_meta(&mut self, key: &str, value: &[u8]) -> Result<()> {
        let mut t = self.0.open_table(META).map_err(table_error)?;
        t.insert(key, value).map_err(map)?;
        Ok(())
    }
    fn put_secret(&mut self, hash: &[u8; 32], row: &SecretRow) -> Result<()> {
        let mut t = self.0.open_table(SECRETS).map_err(table_error)?;
        t.insert(hash, encode_secret(row).as_slice()).map_err(map)?;
        Ok(())
    }
    fn delete_secret(&mut self, hash: &[u8; 32]) -> Result<()> {
        let mut t = self.0.open_table(SECRETS).map_err(table_error)?;
        t.remove(hash).map_err(map)?;
        Ok(())
    }
    fn put_record(&mut self, id: &str, bytes: &[u8]) -> Result<()> {
        let mut t = self.0.open_table(KEYS).map_err(table_error)?;
        t.insert(id, bytes).map_err(map)?;
        Ok(())
    }
    fn delete_record(&mut self, id: &str) -> Result<()> {
        let mut t = self.0.open_table(KEYS).map_err(table_error)?;
        t.remove(id).map_err(map)?;
        Ok(())
    }
    fn put_owner(&mut self, owner: &str, id: &str) -> Result<()> {
        let mut t = self.0.open_table(OWNERS).map_err(table_error)?;
        t.insert((owner, id), ()).map_err(map)?;
        Ok(())
    }
    fn delete_owner(&mut self, owner: &str, id: &str) -> Result<()> {
        let mut t = self.0.open_table(OWNERS).map_err(table_error)?;
        t.remove((owner, id)).map_err(map)?;
        Ok(())
    }
    fn put_pool(&mut self, owner: &str, bytes: &[u8]) -> Result<()> {
        let mut t = self.0.open_table(POOLS).map_err(table_error)?;
        t.insert(owner, bytes).map_err(map)?;
        Ok(())
    }
    fn put_audit(&mut self, at: i64, seq: u64, bytes: &[u8]) -> Result<()> {
        let mut t = self.0.open_table(AUDIT).map_err(table_error)?;
        t.insert((at, seq), bytes).map_err(map)?;
        Ok(())
    }
}

impl Backend for RedbBackend {
    fn read(&self) -> Result<Box<dyn Reader + '_>> {
        let txn = match &self.db {
            Db::Rw(d) => d.begin_read(),
            Db::Ro(d) => d.begin_read(),
        }
        .map_err(map)?;
        Ok(Box::new(RedbReader(txn)))
    }

    fn write(&self, durable: bool, f: &mut dyn FnMut(&mut dyn Writer) -> Result<()>) -> Result<()> {
        let db = match &self.db {
            Db::Rw(d) => d,
            Db::Ro(_) => return Err(Error::ReadOnly),
        };
        let mut txn = db.begin_write().map_err(map)?;
        if durable {
            // Two-phase commit: with one phase, recovery cannot tell a damaged
            // synced commit from a torn unsynced one and falls back to the
            // commit before, so a bit flip could silently undo an
            // acknowledged revoke. Costs one more fsync per durable write.
            txn.set_two_phase_commit(true);
        } else {
            txn.set_durability(Durability::None)
                .map_err(|e| Error::Io(std::io::Error::other(e.to_string())))?;
        }
        let result = f(&mut RedbWriter(&txn));
        match result {
            Ok(()) => txn.commit().map_err(map),
            Err(e) => {
                txn.abort().map_err(map)?;
                Err(e)
            }
        }
    }

    fn compact(&mut self) -> Result<bool> {
        match &mut self.db {
            Db::Rw(d) => d.compact().map_err(|e| match e {
                redb::CompactionError::Storage(s) => storage(s),
                other => Error::Io(std::io::Error::other(other.to_string())),
            }),
            Db::Ro(_) => Ok(false),
        }
    }

    fn close(self: Box<Self>) -> Result<()> {
        match self.db {
            Db::Rw(d) => d.close().map_err(map),
            Db::Ro(d) => d.close().map_err(map),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "key_0zINCdML6AK8CtA3ETdgCQ";

    #[test]
    fn secret_rows_pack_the_id_and_read_the_older_layout() {
        let row = |valid_until| SecretRow {
            id: ID.into(),
            valid_until,
        };
        assert_eq!(encode_secret(&row(None)).len(), 16);
        assert_eq!(encode_secret(&row(Some(7))).len(), 24);
        for r in [row(None), row(Some(7)), row(Some(-5))] {
            assert_eq!(decode_secret(&encode_secret(&r)).unwrap(), r);
        }
        // Before packing: always the time (i64::MAX for none), then characters.
        let old = |t: i64| [&t.to_le_bytes()[..], ID.as_bytes()].concat();
        assert_eq!(decode_secret(&old(i64::MAX)).unwrap(), row(None));
        assert_eq!(decode_secret(&old(42)).unwrap(), row(Some(42)));
        for bad in [&[0u8; 20][..], &[], &old(1)[..33]] {
            assert!(matches!(decode_secret(bad), Err(Error::Corrupted(_))));
        }
    }
}
