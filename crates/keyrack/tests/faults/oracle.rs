//! The oracle: every state of the file the acknowledged writes allow, what a
//! store shows of one, and a run that checks each answer against them.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, UNIX_EPOCH};

use keyrack::{Clock, ErrorKind, ListOptions, Options, Outcome, Store};

use super::Shared;

// ---- the oracle -------------------------------------------------------------

/// One key as the acknowledged writes left it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyModel {
    pub name: String,
    pub revoked: bool,
    pub enabled: bool,
    /// The current secret (`None` when a rotation that failed may have made
    /// one nobody saw).
    pub current: Option<String>,
    /// The secret rotated out last, and whether its grace is still running.
    pub previous: Option<(Option<String>, bool)>,
    /// Secrets rotated out before that: gone from the file.
    pub gone: Vec<String>,
}

/// One state the file may be in.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Model {
    pub keys: BTreeMap<String, KeyModel>,
    /// Records written by issues that failed (their ids were never returned).
    pub unknown: usize,
}

impl Model {
    pub fn issue(&mut self, id: &str, name: &str, secret: &str) {
        self.keys.insert(
            id.to_owned(),
            KeyModel {
                name: name.to_owned(),
                revoked: false,
                enabled: true,
                current: Some(secret.to_owned()),
                previous: None,
                gone: Vec::new(),
            },
        );
    }
    pub fn key(&mut self, id: &str) -> &mut KeyModel {
        self.keys
            .get_mut(id)
            .expect("the workload only touches known keys")
    }
    pub fn rotate(&mut self, id: &str, new: Option<&str>, grace_runs: bool) {
        let k = self.key(id);
        if let Some((Some(s), _)) = k.previous.take() {
            k.gone.push(s);
        }
        k.previous = Some((k.current.take(), grace_runs));
        k.current = new.map(str::to_owned);
    }

    /// `purge(0)`: revoked records go, and so do rotated-out secrets whose
    /// grace is over.
    pub fn purge(&mut self) {
        self.keys.retain(|_, k| !k.revoked);
        for k in self.keys.values_mut() {
            if let Some((s, false)) = &k.previous {
                if let Some(s) = s {
                    k.gone.push(s.clone());
                }
                k.previous = None;
            }
        }
    }

    pub fn expect(&self, secret: &str) -> Outcome {
        for k in self.keys.values() {
            let base = if k.current.as_deref() == Some(secret) {
                Outcome::Valid
            } else if let Some((Some(s), runs)) = &k.previous
                && s == secret
            {
                if *runs {
                    Outcome::Valid
                } else {
                    Outcome::Expired
                }
            } else {
                continue;
            };
            return if k.revoked {
                Outcome::Revoked
            } else if !k.enabled {
                Outcome::Disabled
            } else {
                base
            };
        }
        Outcome::NotFound
    }

    pub fn secrets(&self) -> impl Iterator<Item = &String> {
        self.keys.values().flat_map(|k| {
            k.current
                .iter()
                .chain(k.previous.iter().filter_map(|p| p.0.as_ref()))
                .chain(k.gone.iter())
        })
    }
}

/// What a store shows of a model: records by id, the record count, and the
/// outcome of every secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    pub records: BTreeMap<String, Option<(String, bool, bool)>>,
    pub total: usize,
    pub outcomes: BTreeMap<String, Outcome>,
}

pub fn expected(m: &Model, ids: &BTreeSet<String>, secrets: &BTreeSet<String>) -> Observation {
    Observation {
        records: ids
            .iter()
            .map(|id| {
                let r = m
                    .keys
                    .get(id)
                    .map(|k| (k.name.clone(), k.revoked, k.enabled));
                (id.clone(), r)
            })
            .collect(),
        total: m.keys.len() + m.unknown,
        outcomes: secrets.iter().map(|s| (s.clone(), m.expect(s))).collect(),
    }
}

pub fn observe(
    store: &Store,
    ids: &BTreeSet<String>,
    secrets: &BTreeSet<String>,
) -> keyrack::Result<Observation> {
    let mut records = BTreeMap::new();
    for id in ids {
        let r = match store.get(id) {
            Ok(r) => Some((r.name, r.revoked_at.is_some(), r.enabled)),
            Err(e) if e.kind() == ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        records.insert(id.clone(), r);
    }
    let mut total = 0;
    let mut cursor = None;
    loop {
        let mut o = ListOptions::default().limit(1000);
        if let Some(c) = cursor.take() {
            o = o.cursor(c);
        }
        let page = store.list(&o)?;
        total += page.records.len();
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let mut outcomes = BTreeMap::new();
    for s in secrets {
        outcomes.insert(s.clone(), store.verify(s)?.outcome);
    }
    Ok(Observation {
        records,
        total,
        outcomes,
    })
}

// ---- one run of the workload under one fault ---------------------------------

pub const GRACE: Duration = Duration::from_secs(3600);

pub fn clock() -> Clock {
    Clock::manual(UNIX_EPOCH + Duration::from_secs(1_767_225_600))
}

pub fn options(clock: &Clock) -> Options {
    // The background flusher would write at wall-clock moments and make the
    // sweep depend on timing: keep it out of the way (close still flushes).
    Options::default()
        .clock(clock.clone())
        .flush_interval(Duration::from_secs(86_400))
}

/// What one run saw.
#[derive(Default)]
pub struct Tally {
    pub failed_calls: u64,
    pub uncertain_writes: u64,
    pub images: u64,
    /// Images of a store whose creation failed that do not open.
    pub unopenable: u64,
    pub violations: Vec<String>,
}

pub struct Run {
    pub disk: Shared,
    pub clock: Clock,
    pub store: Option<Store>,
    pub worlds: Vec<Model>,
    pub tally: Tally,
    pub label: String,
    /// Whether creating the store was ever acknowledged.
    pub created: bool,
}

/// How a write changes a model.
pub type Change<'a> = &'a dyn Fn(&mut Model);

impl Run {
    pub fn violation(&mut self, what: String) {
        self.tally
            .violations
            .push(format!("{}: {what}", self.label));
    }

    /// Checks that an error is a storage error, as the caller must be told.
    pub fn typed(&mut self, step: &str, e: &keyrack::Error) {
        self.tally.failed_calls += 1;
        if !matches!(e.kind(), ErrorKind::Io | ErrorKind::Corrupted) {
            self.violation(format!("{step}: unexpected error kind {:?}: {e}", e.kind()));
        }
    }

    /// Records a write: acknowledged → every world has it; failed → it may or
    /// may not be in the file.
    pub fn wrote(&mut self, ok: bool, change: Change<'_>) {
        let mut next: Vec<Model> = Vec::new();
        for w in &self.worlds {
            let mut a = w.clone();
            change(&mut a);
            if !ok {
                next.push(w.clone());
            }
            next.push(a);
        }
        if !ok {
            self.tally.uncertain_writes += 1;
        }
        next.sort();
        next.dedup();
        assert!(next.len() <= 64, "{}: oracle blew up", self.label);
        self.worlds = next;
    }

    /// In-process verify: an outcome some world allows, or a typed error.
    pub fn verify(&mut self, step: &str, secret: &str) {
        let Some(store) = self.store.clone() else {
            return;
        };
        match store.verify(secret) {
            Ok(v) => {
                let allowed: BTreeSet<Outcome> =
                    self.worlds.iter().map(|w| w.expect(secret)).collect();
                if !allowed.contains(&v.outcome) {
                    self.violation(format!(
                        "{step}: verify said {:?}, allowed {allowed:?}",
                        v.outcome
                    ));
                }
            }
            Err(e) => self.typed(step, &e),
        }
    }

    pub fn ids_and_secrets(&self) -> (BTreeSet<String>, BTreeSet<String>) {
        let ids = self
            .worlds
            .iter()
            .flat_map(|w| w.keys.keys().cloned())
            .collect();
        let secrets = self
            .worlds
            .iter()
            .flat_map(|w| w.secrets().cloned())
            .collect();
        (ids, secrets)
    }

    /// Compares a store's contents with the worlds; returns the matching ones.
    pub fn check_store(&mut self, what: &str, store: &Store) -> Option<Vec<Model>> {
        let (ids, secrets) = self.ids_and_secrets();
        match observe(store, &ids, &secrets) {
            Ok(seen) => {
                let matching: Vec<Model> = self
                    .worlds
                    .iter()
                    .filter(|w| expected(w, &ids, &secrets) == seen)
                    .cloned()
                    .collect();
                if matching.is_empty() {
                    let first = expected(&self.worlds[0], &ids, &secrets);
                    self.violation(format!(
                        "{what}: the store shows a state no acknowledged history allows\n  \
                         seen: {seen:?}\n  one allowed: {first:?}\n  ({} allowed)",
                        self.worlds.len()
                    ));
                    None
                } else {
                    Some(matching)
                }
            }
            Err(e) => {
                self.typed(what, &e);
                None
            }
        }
    }

    pub fn reopen(&mut self) -> bool {
        if let Some(s) = self.store.take()
            && let Err(e) = s.close()
        {
            self.typed("close", &e);
        }
        match Store::open_on_storage(self.disk.storage(), "faulty", options(&self.clock)) {
            Ok(s) => {
                self.store = Some(s);
                true
            }
            Err(e) => {
                self.typed("reopen", &e);
                false
            }
        }
    }
}
