//! What a C caller pays over Rust for one verify: the median of
//! `Store::verify` and of `keyrack_verify` (+ reading the outcome and
//! `keyrack_verification_free`) called through `libkeyrack.so`, in one run.
//!
//! Run with `cargo bench -p keyrack-c`: it first runs `cargo build --release
//! -p keyrack-c` for the `libkeyrack.so` it loads (`KEYRACK_C_LIB=path`
//! skips that and loads the given library). Rounds of Rust and C calls
//! alternate so that drift affects both alike. Target: at most 100 ns.

use std::ffi::{CString, c_char, c_void};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use keyrack::{IssueOptions, Options, Outcome, Store};

const CALLS_PER_ROUND: usize = 20_000;
const ROUNDS: usize = 61;

type Open = unsafe extern "C" fn(*const c_char, *const c_void, *mut *mut c_void) -> u32;
type OptsNew = unsafe extern "C" fn(*const c_char, *mut *mut c_void) -> u32;
type Issue = unsafe extern "C" fn(*const c_void, *const c_void, *mut *mut c_void) -> u32;
type Take = unsafe extern "C" fn(*mut c_void, *mut *mut c_char, *mut usize) -> u32;
type Verify = unsafe extern "C" fn(*const c_void, *const c_char, usize, *mut *mut c_void) -> u32;
type Outcome_ = unsafe extern "C" fn(*const c_void) -> u32;
type Free = unsafe extern "C" fn(*mut c_void);

fn lib_path() -> PathBuf {
    if let Some(p) = std::env::var_os("KEYRACK_C_LIB") {
        return p.into();
    }
    // Cargo does not build a cdylib for a bench target: build (or refresh) it.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let built = std::process::Command::new(cargo)
        .args(["build", "--quiet", "--release", "-p", "keyrack-c"])
        .status()
        .expect("run cargo build --release -p keyrack-c");
    assert!(built.success(), "cargo build --release -p keyrack-c failed");
    // target/<profile>/deps/verify_overhead-<hash> -> target/<profile>/libkeyrack.so
    let exe = std::env::current_exe().expect("bench executable path");
    exe.parent()
        .and_then(|d| d.parent())
        .expect("target dir")
        .join("libkeyrack.so")
}

unsafe fn sym<T: Copy>(lib: *mut c_void, name: &str) -> T {
    let c = CString::new(name).unwrap();
    // SAFETY: `lib` is a live dlopen handle; the caller names the right type.
    let p = unsafe { libc::dlsym(lib, c.as_ptr()) };
    assert!(!p.is_null(), "{name} not found in libkeyrack.so");
    // SAFETY: function pointers and data pointers have the same size here.
    unsafe { std::mem::transmute_copy(&p) }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list` and friends
    }
    let dir = tempfile::tempdir().expect("temp dir");

    // Rust side.
    let store = Store::open(dir.path().join("rust.redb"), Options::default()).expect("open");
    let issued = store.issue(IssueOptions::new("bench")).expect("issue");
    let rust_key = issued.key.expose().to_owned();
    assert_eq!(store.verify(&rust_key).unwrap().outcome, Outcome::Valid);

    // C side, through the shared library as a C program would call it.
    let path = lib_path();
    let cpath = CString::new(path.to_str().expect("UTF-8 path")).unwrap();
    // SAFETY: loading our own library; symbols are used with their C types.
    let (c_store, c_key, c_len, verify, outcome, vfree) = unsafe {
        let lib = libc::dlopen(cpath.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL);
        assert!(
            !lib.is_null(),
            "cannot load {} (run `cargo build --release -p keyrack-c`)",
            path.display()
        );
        let open: Open = sym(lib, "keyrack_store_open");
        let opts_new: OptsNew = sym(lib, "keyrack_issue_options_new");
        let issue: Issue = sym(lib, "keyrack_issue");
        let take: Take = sym(lib, "keyrack_issued_take_key");
        let issued_free: Free = sym(lib, "keyrack_issued_free");
        let verify: Verify = sym(lib, "keyrack_verify");
        let outcome: Outcome_ = sym(lib, "keyrack_verification_outcome");
        let vfree: Free = sym(lib, "keyrack_verification_free");
        let file = CString::new(dir.path().join("c.redb").to_str().unwrap()).unwrap();
        let (mut s, mut o, mut i, mut k, mut n) = (
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0usize,
        );
        assert_eq!(open(file.as_ptr(), std::ptr::null(), &mut s), 0);
        assert_eq!(opts_new(c"bench".as_ptr(), &mut o), 0);
        assert_eq!(issue(s, o, &mut i), 0);
        assert_eq!(take(i, &mut k, &mut n), 0);
        issued_free(i);
        (
            s as *const c_void,
            k as *const c_char,
            n,
            verify,
            outcome,
            vfree,
        )
    };
    let c_once = || {
        let mut v = std::ptr::null_mut();
        // SAFETY: live store and key from the library itself.
        unsafe {
            let rc = verify(c_store, black_box(c_key), c_len, &mut v);
            let o = outcome(v);
            vfree(v);
            rc + o
        }
    };
    assert_eq!(
        c_once(),
        1,
        "C verify should be KEYRACK_OK + KEYRACK_OUTCOME_VALID"
    );

    let mut rust_ns = Vec::with_capacity(ROUNDS);
    let mut c_ns = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS + 1 {
        let t = Instant::now();
        for _ in 0..CALLS_PER_ROUND {
            black_box(store.verify(black_box(&rust_key)).unwrap().outcome);
        }
        let r = t.elapsed().as_nanos() as f64 / CALLS_PER_ROUND as f64;
        let t = Instant::now();
        for _ in 0..CALLS_PER_ROUND {
            black_box(c_once());
        }
        let c = t.elapsed().as_nanos() as f64 / CALLS_PER_ROUND as f64;
        if round > 0 {
            // round 0 warms caches up
            rust_ns.push(r);
            c_ns.push(c);
        }
    }
    let diffs: Vec<f64> = c_ns.iter().zip(&rust_ns).map(|(c, r)| c - r).collect();
    let (r, c, d) = (median(rust_ns), median(c_ns), median(diffs));
    println!("verify, {ROUNDS} rounds of {CALLS_PER_ROUND} calls (median ns per call)");
    println!("  rust Store::verify          {r:>8.1} ns");
    println!("  C    keyrack_verify (+free)  {c:>8.1} ns");
    println!(
        "  C overhead                  {:>8.1} ns (median of per-round differences {d:.1} ns; target <= 100 ns)",
        c - r
    );
    store.close().expect("close");
}
