//! One version number, in the workspace's Cargo.toml: every package of every
//! language must carry it (or inherit it), so a release cannot ship a Python
//! wheel, an npm package and a C library that disagree.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn toml(rel: &str) -> toml::Table {
    read(rel)
        .parse()
        .unwrap_or_else(|e| panic!("{rel} is not TOML: {e}"))
}

fn json(rel: &str) -> serde_json::Value {
    serde_json::from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel} is not JSON: {e}"))
}

fn workspace_version() -> String {
    toml("Cargo.toml")["workspace"]["package"]["version"]
        .as_str()
        .expect("[workspace.package] version")
        .to_owned()
}

#[test]
fn every_crate_inherits_the_workspace_version() {
    let ws = toml("Cargo.toml");
    let members = ws["workspace"]["members"].as_array().expect("members");
    assert!(members.len() >= 5, "{members:?}");
    for m in members {
        let m = m.as_str().expect("member path");
        let manifest = toml(&format!("{m}/Cargo.toml"));
        let v = &manifest["package"]["version"];
        let inherits = v
            .as_table()
            .and_then(|t| t.get("workspace"))
            .and_then(toml::Value::as_bool)
            == Some(true);
        assert!(
            inherits || v.as_str() == Some(&workspace_version()),
            "{m}/Cargo.toml has version {v}, not the workspace's"
        );
    }
    let dep = &ws["workspace"]["dependencies"]["keyrack"]["version"];
    assert_eq!(
        dep.as_str(),
        Some(workspace_version().as_str()),
        "workspace dependency on keyrack"
    );
    assert_eq!(env!("CARGO_PKG_VERSION"), workspace_version());
}

#[test]
fn the_npm_package_carries_the_workspace_version() {
    let v = workspace_version();
    let pkg = json("bindings/node/package.json");
    assert_eq!(pkg["version"], v.as_str(), "bindings/node/package.json");
    let lock = json("bindings/node/package-lock.json");
    assert_eq!(lock["version"], v.as_str(), "package-lock.json version");
    assert_eq!(
        lock["packages"][""]["version"],
        v.as_str(),
        "package-lock.json root package"
    );
}

#[test]
fn the_python_package_takes_its_version_from_cargo() {
    let py = toml("bindings/python/pyproject.toml");
    let project = py["project"].as_table().expect("[project]");
    match project.get("version") {
        Some(v) => assert_eq!(
            v.as_str(),
            Some(workspace_version().as_str()),
            "pyproject version"
        ),
        None => {
            let dynamic = project["dynamic"].as_array().expect("dynamic");
            assert!(
                dynamic.iter().any(|d| d.as_str() == Some("version")),
                "pyproject.toml must take its version from Cargo.toml (dynamic = [\"version\"])"
            );
        }
    }
}

#[test]
fn the_c_header_names_the_workspace_version_when_it_has_one() {
    let header = read("include/keyrack.h");
    for line in header.lines() {
        let Some(rest) = line.strip_prefix("#define KEYRACK_VERSION ") else {
            continue;
        };
        assert_eq!(
            rest.trim(),
            format!("\"{}\"", workspace_version()),
            "include/keyrack.h"
        );
    }
}
