//! # keyrack-cli — the `keyrack` admin command
//!
//! A thin layer over the [`keyrack`] core: every verb opens the store, makes
//! one core call and prints the answer, as aligned text for people or as
//! JSON (`--json`) for scripts. See the crate README for every verb and the
//! exit codes ([`exit`]).
//!
//! ```text
//! keyrack issue --name ci --owner org_42 --scope deploy --expires-in 30d
//! keyrack verify < key.txt      # exit 0 only when valid
//! keyrack revoke key_4Hc9XwQm2Lr8TvBn3Kd7Yp
//! ```
//!
//! Decisions taken here (the design leaves them open):
//! * The file is `--db`, else `$KEYRACK_DB`, else `./keyrack.redb`; only
//!   `issue` creates it (and a first `issue --prefix P` makes `P` the default).
//! * Errors are one line on stderr starting with `keyrack: `; anything in a
//!   message that parses as a key is replaced by its hint.
//! * JSON times are milliseconds since the Unix epoch (the core's serde shape);
//!   text output prints RFC 3339 in UTC.
//! * A run verifies at most once, so it opens the store with a credit lease
//!   of 1: a metered verify reserves exactly its cost, and a run killed
//!   mid-verify forfeits at most that (credits are never oversold).
//! * The default prefix is fixed when the store is created; the accepted
//!   ones change only through `prefixes --accept/--remove` (audited).
#![deny(missing_docs)]

use std::ffi::OsString;

use clap::Parser;

pub mod cli;
pub mod exit;
pub mod output;
pub mod values;
mod verbs;

/// Parses `args` (program name first), runs the verb, prints its output and
/// any error, and returns the process exit code.
pub fn main_with_args<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => return clap_failure(e),
    };
    match verbs::run(cli) {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("{}", failure.line());
            failure.code
        }
    }
}

/// Help and version go to stdout (exit 0); a usage error becomes one line on
/// stderr (exit 2), without clap's usage block and tips.
fn clap_failure(e: clap::Error) -> u8 {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            print!("{}", e.render());
            exit::OK
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            eprint!("{}", e.render());
            exit::USAGE
        }
        _ => {
            let text = e.render().to_string();
            let message: Vec<&str> = text
                .lines()
                .map(str::trim)
                .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
                .filter(|l| !l.is_empty() && !l.starts_with("tip:"))
                .collect();
            let message = message.join(" ");
            let message = message.strip_prefix("error: ").unwrap_or(&message);
            eprintln!("{}", exit::Failure::usage(message).line());
            exit::USAGE
        }
    }
}
