//! The UI's TypeScript bindings must match the Rust types.

use std::path::PathBuf;

#[test]
fn bindings_are_current() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/bindings.ts");
    let fresh = tandem_app::bindings::typescript();
    if std::env::var_os("TANDEM_BLESS").is_some() {
        std::fs::write(&path, &fresh).expect("write bindings.ts");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "ui/src/lib/bindings.ts is stale: run `TANDEM_BLESS=1 cargo test -p tandem-app --test bindings` and commit it"
    );
}
