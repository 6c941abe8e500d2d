//! Rebuilds the crate when a migration is added or changed: the migrations
//! are embedded at compile time (`migrate.rs`), and a new directory alone
//! would not make cargo compile the crate again.

fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
