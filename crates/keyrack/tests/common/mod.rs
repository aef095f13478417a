#![allow(dead_code)]
use std::path::PathBuf;
use std::time::{Duration, UNIX_EPOCH};

use keyrack::{Clock, Options, Store};

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub clock: Clock,
}

impl Fixture {
    pub fn new() -> Self {
        Fixture {
            dir: tempfile::tempdir().unwrap(),
            clock: Clock::manual(UNIX_EPOCH + Duration::from_secs(1_767_225_600)),
        }
    }
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("keys.redb")
    }
    pub fn options(&self) -> Options {
        Options::default().clock(self.clock.clone())
    }
    pub fn open(&self) -> Store {
        Store::open(self.path(), self.options()).unwrap()
    }
}
