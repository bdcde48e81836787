//! Compile errors of the macros, with spans on the user's tokens.

#![allow(missing_docs)]

#[test]
fn derive_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/entity_*.rs");
}

#[test]
fn transactional_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/tx_*.rs");
}

#[test]
fn repository_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/repo_*.rs");
}

#[test]
fn service_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/service_*.rs");
}

#[test]
fn seeder_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/seeder_*.rs");
}
