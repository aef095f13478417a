//! Each verb: open the store, make one core call, print the answer. The
//! rooms are the core's (`keyrack::Store`'s `open`, `verify`, `issue`,
//! `manage`, `read`, `pool`, `transfer`): a verb lives where its core call does.

use std::io::{self, Write};

use keyrack::format;

use crate::cli::{Cli, Command};
use crate::exit::{self, Access, Failure};

mod issue;
mod manage;
mod open;
mod pool;
mod read;
mod transfer;
mod verify;

/// What a verb returns: `Some(code)` for an exit code other than 0 (a verify
/// outcome, a closed pipe), or the failure to report.
type Outcome<T = Option<u8>> = Result<T, Failure>;

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: Cli) -> Result<u8, Failure> {
    match &cli.command {
        Command::Prefixes(a) => open::prefixes(&cli, a),
        Command::Verify(a) => verify::verify(&cli, a),
        Command::Issue(a) => issue::issue(&cli, a),
        Command::Rotate(a) => issue::rotate(&cli, a),
        Command::Revoke(a) => manage::simple(&cli, &a.id, "revoked", keyrack::Store::revoke),
        Command::Enable(a) => manage::simple(&cli, &a.id, "enabled", keyrack::Store::enable),
        Command::Disable(a) => manage::simple(&cli, &a.id, "disabled", keyrack::Store::disable),
        Command::Update(a) => manage::update(&cli, a),
        Command::Credits(a) => manage::credits(&cli, a),
        Command::Purge(a) => manage::purge(&cli, a),
        Command::Show(a) => read::show(&cli, a),
        Command::List(a) => read::list(&cli, a),
        Command::Audit(a) => read::audit(&cli, a),
        Command::Pool(a) => pool::pool(&cli, a),
        Command::Export => transfer::export(&cli),
        Command::Import(a) => transfer::import(&cli, a),
    }
    .map(|code| code.unwrap_or(exit::OK))
}

/// A core error as a message and exit code.
fn core(cli: &Cli, e: keyrack::Error, access: Access) -> Failure {
    exit::from_core(e, &cli.store_path(), access, cli.read_only)
}

/// Writes text and a newline on stdout. A closed pipe (`| head`) ends quietly.
fn emit(text: &str) -> Outcome {
    let mut out = io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Ok(()) => Ok(None),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(Some(exit::FAILURE)),
        Err(e) => Err(Failure::new(
            exit::FAILURE,
            format!("cannot write output: {e}"),
        )),
    }
}

/// Checks an id argument. A full key given where an id belongs is refused
/// without repeating it (it would otherwise land in a `NotFound` message).
fn id_arg(id: &str) -> Outcome<String> {
    if format::parse(id).is_ok() {
        return Err(Failure::usage(
            "that is an API key, not a key id: ids look like key_… (see `keyrack list`); \
             the key was not stored or shown",
        ));
    }
    Ok(id.to_owned())
}
