//! `export` and `import`: records and pools as JSON lines, never a secret.
//! Every check of an import is the core's (`Store::check_import_json_lines`);
//! this file only reads the input and words the answer.

use std::io::{self, Read};
use std::path::Path;

use keyrack::{ImportError, Options};
use serde_json::json;

use super::open::{closing, open, with_store};
use super::{Outcome, core, emit};
use crate::cli::{Cli, ImportArgs};
use crate::exit::{self, Access, Failure};

pub(super) fn export(cli: &Cli) -> Outcome {
    with_store(cli, Access::Read, |s| {
        match s.export(&mut io::stdout().lock()) {
            Ok(_) => Ok(None),
            Err(keyrack::Error::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => {
                Ok(Some(exit::FAILURE))
            }
            Err(e) => Err(core(cli, e, Access::Read)),
        }
    })
}

/// The import's text: the file, or stdin for none or `-`.
fn read_input(file: Option<&Path>) -> Outcome<String> {
    let mut text = String::new();
    let read = match file {
        None => io::stdin().lock().read_to_string(&mut text),
        Some(p) if p == Path::new("-") => io::stdin().lock().read_to_string(&mut text),
        Some(p) => std::fs::File::open(p)
            .and_then(|mut f| f.read_to_string(&mut text))
            .map_err(|e| io::Error::new(e.kind(), format!("cannot read {}: {e}", p.display()))),
    };
    read.map_err(|e| Failure::new(exit::FAILURE, format!("{e}; nothing was imported")))?;
    Ok(text)
}

/// A refused import, named by the line the core gives: `line N: field:
/// reason; nothing was imported`. A line that is not a record or pool at all
/// (field `record`) reads `line N: reason`; a store failure is reported as
/// any other.
fn refused(cli: &Cli, access: Access, line: Option<usize>, error: keyrack::Error) -> Failure {
    match error {
        keyrack::Error::InvalidArgument { field, reason } => {
            let at = line.map_or(String::new(), |n| format!("line {n}: "));
            let what = if field == "record" {
                reason
            } else {
                format!("{field}: {reason}")
            };
            Failure::usage(format!("{at}{what}; nothing was imported"))
        }
        other => core(cli, other, access),
    }
}

pub(super) fn import(cli: &Cli, a: &ImportArgs) -> Outcome {
    let access = if a.dry_run {
        Access::Read
    } else {
        Access::Write
    };
    // Open first: a missing, held or damaged store is reported before the input.
    let store = open(cli, false, access, Options::default())?;
    closing(cli, &store, access, |s| {
        let text = read_input(a.file.as_deref())?;
        // The core's dry run makes every check the import makes, so a bad
        // line is named (by number) before anything is written.
        let check = s
            .check_import_json_lines(&text)
            .map_err(|ImportError { line, error, .. }| refused(cli, access, line, error))?;
        let present: Vec<&str> = check
            .already_present
            .iter()
            .map(|(_, id)| id.as_str())
            .collect();
        let (records, pools) = (check.records, check.pools);
        if a.dry_run {
            return if cli.json {
                emit(
                    &json!({ "checked": records, "pools": pools, "already_present": present, "imported": 0 })
                        .to_string(),
                )
            } else {
                emit(&format!(
                    "{records} records and {pools} pools checked, {} already in the store; \
                     nothing imported (dry run)",
                    present.len()
                ))
            };
        }
        if let Some((n, id)) = check.already_present.first() {
            return Err(Failure::usage(format!(
                "line {n}: id {id} is already in the store; nothing was imported"
            )));
        }
        // After a clean check on the store this process holds, only a store
        // failure is left; a refusal still says nothing was imported.
        let imported = s
            .import_json_lines(&text)
            .map_err(|e| refused(cli, access, None, e))?;
        if cli.json {
            emit(
                &json!({ "checked": records, "pools": pools, "already_present": present, "imported": imported })
                    .to_string(),
            )
        } else {
            emit(&format!(
                "{imported} records and {pools} pools imported. The records carry no secret: \
                 each key works again only after `keyrack rotate ID` gives it a new one."
            ))
        }
    })
}
