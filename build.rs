//! The front end is embedded from `static/`; the embedding macro notices
//! edits to files it knows, but not files added or removed, so a change to
//! the folder rebuilds the crate.
fn main() {
    println!("cargo:rerun-if-changed=static");
}
