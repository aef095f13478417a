//! What the fault tests share: a redb `StorageBackend` that fails the n-th
//! write, sync or read (EIO), tears a write, or fills up (ENOSPC); the crash
//! images it leaves; and (in [`oracle`]) the model of every state the
//! acknowledged writes allow.
#![allow(dead_code)]

pub mod oracle;

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use redb::StorageBackend;

// ---- the fault-injecting storage -------------------------------------------

/// What to break.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The n-th mutation (write or set_len) fails with EIO, writing nothing.
    WriteEio,
    /// The n-th write stores its first half, then fails with EIO.
    WriteTorn,
    /// The n-th sync_data fails with EIO; nothing becomes durable.
    SyncEio,
    /// The n-th read fails with EIO.
    ReadEio,
    /// From the n-th mutation on, the disk is full: every write and every
    /// growth fails with ENOSPC.
    Enospc,
}

#[derive(Clone, Debug)]
pub enum Pending {
    Write(u64, Vec<u8>),
    SetLen(u64),
}

#[derive(Default)]
pub struct Disk {
    /// What reads see: every write that returned.
    pub cur: Vec<u8>,
    /// What a power loss keeps for sure: the bytes as of the last good sync.
    pub durable: Vec<u8>,
    /// Mutations since the last good sync, in order.
    pub pending: Vec<Pending>,
    pub mutations: u64,
    pub syncs: u64,
    pub reads: u64,
    pub plan: Option<(Fault, u64)>,
    pub full: bool,
    pub fired: u64,
}

impl Disk {
    pub fn take_fault(&mut self, kinds: &[Fault], count: u64) -> Option<Fault> {
        match self.plan {
            Some((f, n)) if kinds.contains(&f) && n == count => {
                self.fired += 1;
                Some(f)
            }
            _ => None,
        }
    }
}

pub fn eio() -> std::io::Error {
    std::io::Error::from_raw_os_error(libc::EIO)
}

pub fn enospc() -> std::io::Error {
    std::io::Error::from_raw_os_error(libc::ENOSPC)
}

pub fn apply_write(v: &mut Vec<u8>, offset: u64, data: &[u8]) {
    let end = offset as usize + data.len();
    if v.len() < end {
        v.resize(end, 0);
    }
    v[offset as usize..end].copy_from_slice(data);
}

/// Shared by every handle on one "disk", so the bytes outlive the database.
#[derive(Clone, Default)]
pub struct Shared(Arc<Mutex<Disk>>);

impl Shared {
    pub fn with_bytes(bytes: Vec<u8>) -> Self {
        let s = Shared::default();
        {
            let mut d = s.lock();
            d.cur = bytes.clone();
            d.durable = bytes;
        }
        s
    }
    pub fn lock(&self) -> MutexGuard<'_, Disk> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
    pub fn storage(&self) -> Faulty {
        Faulty(self.clone())
    }
    pub fn arm(&self, fault: Fault, nth: u64) {
        self.lock().plan = Some((fault, nth));
    }
    #[allow(dead_code)]
    pub fn disarm(&self) {
        let mut d = self.lock();
        d.plan = None;
        d.full = false;
    }
    pub fn counts(&self) -> (u64, u64, u64) {
        let d = self.lock();
        (d.mutations, d.syncs, d.reads)
    }
}

pub struct Faulty(Shared);

impl fmt::Debug for Faulty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Faulty")
    }
}

impl StorageBackend for Faulty {
    fn len(&self) -> Result<u64, std::io::Error> {
        Ok(self.0.lock().cur.len() as u64)
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), std::io::Error> {
        let mut d = self.0.lock();
        d.reads += 1;
        let n = d.reads;
        if d.take_fault(&[Fault::ReadEio], n).is_some() {
            return Err(eio());
        }
        let end = offset as usize + out.len();
        match d.cur.get(offset as usize..end) {
            Some(src) => {
                out.copy_from_slice(src);
                Ok(())
            }
            None => Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "read past the end",
            )),
        }
    }

    fn set_len(&self, len: u64) -> Result<(), std::io::Error> {
        let mut d = self.0.lock();
        d.mutations += 1;
        let n = d.mutations;
        match d.take_fault(&[Fault::WriteEio, Fault::WriteTorn, Fault::Enospc], n) {
            Some(Fault::Enospc) => d.full = true,
            Some(_) => return Err(eio()),
            None => {}
        }
        if d.full && len > d.cur.len() as u64 {
            return Err(enospc());
        }
        d.cur.resize(len as usize, 0);
        d.pending.push(Pending::SetLen(len));
        Ok(())
    }

    fn sync_data(&self) -> Result<(), std::io::Error> {
        let mut d = self.0.lock();
        d.syncs += 1;
        let n = d.syncs;
        if d.take_fault(&[Fault::SyncEio], n).is_some() {
            return Err(eio());
        }
        d.durable = d.cur.clone();
        d.pending.clear();
        Ok(())
    }

    fn write(&self, offset: u64, data: &[u8]) -> Result<(), std::io::Error> {
        let mut d = self.0.lock();
        d.mutations += 1;
        let n = d.mutations;
        match d.take_fault(&[Fault::WriteEio, Fault::WriteTorn, Fault::Enospc], n) {
            Some(Fault::Enospc) => d.full = true,
            Some(Fault::WriteTorn) => {
                let half = &data[..data.len() / 2];
                apply_write(&mut d.cur, offset, half);
                d.pending.push(Pending::Write(offset, half.to_vec()));
                return Err(eio());
            }
            Some(_) => return Err(eio()),
            None => {}
        }
        if d.full {
            return Err(enospc());
        }
        apply_write(&mut d.cur, offset, data);
        d.pending.push(Pending::Write(offset, data.to_vec()));
        Ok(())
    }
}

/// A small deterministic generator (splitmix64) for images and bit flips.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The bytes left on the disk after a crash at this instant.
#[derive(Clone, Copy, Debug)]
pub enum Image {
    /// The process died, the machine did not: every write that returned.
    Current,
    /// Power loss: only what the last good sync made durable.
    Durable,
    /// Power loss with some unsynced writes reaching the disk, whole, not at
    /// all, or torn at a 512-byte sector boundary.
    Partial(u64),
}

pub fn image(disk: &Shared, which: Image) -> Vec<u8> {
    let d = disk.lock();
    match which {
        Image::Current => d.cur.clone(),
        Image::Durable => d.durable.clone(),
        Image::Partial(seed) => {
            let mut rng = Rng(seed);
            let mut v = d.durable.clone();
            for p in &d.pending {
                match p {
                    Pending::SetLen(len) => v.resize(*len as usize, 0),
                    Pending::Write(offset, data) => match rng.below(3) {
                        0 => {}
                        1 => apply_write(&mut v, *offset, data),
                        _ => {
                            let sectors = (data.len() / 512) as u64;
                            let cut = (rng.below(sectors + 1) * 512) as usize;
                            apply_write(&mut v, *offset, &data[..cut.min(data.len())]);
                        }
                    },
                }
            }
            v
        }
    }
}
