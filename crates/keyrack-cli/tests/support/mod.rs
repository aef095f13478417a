//! Runs the built `keyrack` binary in a private directory.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

/// What one run printed and returned.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The stdout as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?} / {:?}", self.stdout, self.stderr))
    }

    /// Asserts success and returns self.
    pub fn ok(self) -> Self {
        assert_eq!(self.code, 0, "expected success: {self:?}");
        self
    }

    /// Asserts exit `code` with exactly one `keyrack: …` line on stderr.
    pub fn fails(self, code: i32) -> Self {
        assert_eq!(self.code, code, "{self:?}");
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one line on stderr: {self:?}");
        assert!(lines[0].starts_with("keyrack: "), "{self:?}");
        self
    }
}

/// A temporary directory with a store path in it.
pub struct Env {
    pub dir: TempDir,
}

impl Env {
    pub fn new() -> Self {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("keys.redb")
    }

    /// A command in the directory, with no inherited `KEYRACK_*` variables.
    pub fn bare(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_keyrack"));
        c.current_dir(self.dir.path())
            .env_remove("KEYRACK_DB")
            .env_remove("KEYRACK_PEPPER");
        c
    }

    /// A command on this env's store (`--db`).
    pub fn cmd(&self) -> Command {
        let mut c = self.bare();
        c.arg("--db").arg(self.db());
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        run(self.cmd().args(args))
    }

    pub fn run_stdin(&self, args: &[&str], stdin: &str) -> Run {
        run(self.cmd().args(args).write_stdin(stdin.to_owned()))
    }

    /// Issues a key; returns (id, key).
    pub fn issue(&self, extra: &[&str]) -> (String, String) {
        let mut args = vec!["issue", "--json", "--name", "test"];
        args.extend_from_slice(extra);
        let v = self.run(&args).ok().json();
        (
            v["id"].as_str().unwrap().to_owned(),
            v["key"].as_str().unwrap().to_owned(),
        )
    }

    /// The verify exit code of `key`.
    pub fn verify_code(&self, key: &str) -> i32 {
        self.run(&["verify", key]).code
    }

    /// The store file's bytes (to prove a file that would not open is untouched).
    pub fn bytes(&self) -> Vec<u8> {
        std::fs::read(self.db()).unwrap()
    }

    /// Every record and audit event (to prove a refused verb changed nothing).
    pub fn snapshot(&self) -> String {
        let records = self.run(&["export"]).ok().stdout;
        let events = self.run(&["audit", "--json"]).ok().stdout;
        format!("{records}\n{events}")
    }

    pub fn exists(&self, name: &str) -> bool {
        self.dir.path().join(name).exists()
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

pub fn run(c: &mut Command) -> Run {
    let out = c.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}
