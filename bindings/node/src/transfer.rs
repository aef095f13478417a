//! Moving records between stores: `export`, `importJsonLines` and its dry
//! run `checkImportJsonLines`, each with its `…Async` twin.

use napi::bindgen_prelude::*;
use napi::{Env, Unknown};
use napi_derive::napi;

use crate::convert::{num, required};
use crate::open::Store;
use crate::task::Op;

/// What `checkImportJsonLines` found: the text would import.
#[napi(object, object_from_js = false)]
pub struct ImportCheck {
    /// Records in the text.
    pub records: f64,
    /// Owners' credit pools in the text.
    pub pools: f64,
    /// Records whose id the store already has, by line: a real import
    /// refuses the first of them (and with it the whole text).
    pub already_present: Vec<AlreadyPresent>,
}

/// A record of the text whose id the store already has.
#[napi(object, object_from_js = false)]
pub struct AlreadyPresent {
    /// The 1-based line of the text, blank lines counted.
    pub line: f64,
    /// The record's id.
    pub id: String,
}

impl ImportCheck {
    fn from_core(c: keyrack::ImportCheck) -> Self {
        ImportCheck {
            records: num(c.records as u64),
            pools: num(c.pools as u64),
            already_present: c
                .already_present
                .into_iter()
                .map(|(line, id)| AlreadyPresent {
                    line: num(line as u64),
                    id,
                })
                .collect(),
        }
    }
}

impl Store {
    fn export_op(&self) -> Op<String> {
        let store = self.inner.clone();
        Op::new(move || {
            let mut out = Vec::new();
            store.export(&mut out)?;
            // The core writes JSON text, so this conversion cannot fail.
            Ok(String::from_utf8(out).map_err(|e| keyrack::Error::Io(std::io::Error::other(e)))?)
        })
    }

    fn import_json_lines_op(&self, text: Option<Unknown>) -> Op<f64> {
        let store = self.inner.clone();
        Op::from(
            required::<String>(text, "text", "a string").map_err(Into::into),
            move |text| Ok(num(store.import_json_lines(&text)? as u64)),
        )
    }

    fn check_import_json_lines_op(&self, text: Option<Unknown>) -> Op<ImportCheck> {
        let store = self.inner.clone();
        Op::from(
            required::<String>(text, "text", "a string").map_err(Into::into),
            move |text| {
                Ok(ImportCheck::from_core(
                    store.check_import_json_lines(&text)?,
                ))
            },
        )
    }
}

#[napi]
impl Store {
    /// Every record, in id order, as JSON lines: one record per line, each
    /// line ending in a newline, with its `status` at the time of the export;
    /// then one line per owner's credit pool. Never a secret: `importJsonLines` reads the text back into another
    /// store, where the keys verify as `not_found` until rotated.
    #[napi]
    pub fn export(&self, env: Env) -> Result<String> {
        self.export_op().sync(&env)
    }

    /// `export` on the libuv pool.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn export_async(&self) -> AsyncTask<Op<String>> {
        self.export_op().promise()
    }

    /// Imports the JSON lines of `export` (blank lines skipped) in one
    /// transaction, all or none; returns how many records were imported. The
    /// records carry no secret: each key verifies as `not_found` until
    /// `rotate` gives it a new one. Counters and credits are kept as exported.
    /// A bad line, an id already in the store, a repeated id or a prefix the
    /// store does not accept throws `KEYRACK_INVALID_ARGUMENT` whose message
    /// names the line (`line N: …`).
    #[napi]
    pub fn import_json_lines(
        &self,
        env: Env,
        #[napi(ts_arg_type = "string")] text: Unknown,
    ) -> Result<f64> {
        self.import_json_lines_op(Some(text)).sync(&env)
    }

    /// `importJsonLines` on the libuv pool.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn import_json_lines_async(
        &self,
        #[napi(ts_arg_type = "string")] text: Unknown,
    ) -> AsyncTask<Op<f64>> {
        self.import_json_lines_op(Some(text)).promise()
    }

    /// The dry run of `importJsonLines`: every check the import makes, and
    /// nothing written. Returns what the text holds and which of its records
    /// the store already has (`alreadyPresent`, which a real import refuses).
    /// A line the import would refuse throws `KEYRACK_INVALID_ARGUMENT` with
    /// `err.line` (1-based, blank lines counted) and `err.field`; a store
    /// failure (`KEYRACK_CLOSED`, …) throws without `line`.
    #[napi]
    pub fn check_import_json_lines(
        &self,
        env: Env,
        #[napi(ts_arg_type = "string")] text: Unknown,
    ) -> Result<ImportCheck> {
        self.check_import_json_lines_op(Some(text)).sync(&env)
    }

    /// `checkImportJsonLines` on the libuv pool.
    #[napi(ts_return_type = "Promise<ImportCheck>")]
    pub fn check_import_json_lines_async(
        &self,
        #[napi(ts_arg_type = "string")] text: Unknown,
    ) -> AsyncTask<Op<ImportCheck>> {
        self.check_import_json_lines_op(Some(text)).promise()
    }
}
