//! Fingerprints the migrations, so test databases migrated into a template
//! are rebuilt whenever a migration changes.

use std::fs;
use std::path::Path;

fn visit(dir: &Path, files: &mut Vec<(String, Vec<u8>)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            visit(&path, files);
        } else if let Ok(bytes) = fs::read(&path) {
            files.push((path.display().to_string(), bytes));
        }
    }
}

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    let mut files = Vec::new();
    visit(Path::new("migrations"), &mut files);
    files.sort();
    // FNV-1a, 64 bit: enough to tell versions of a few files apart.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (name, bytes) in &files {
        for b in name.as_bytes().iter().chain(bytes) {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    let out = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into());
    let _ = fs::write(Path::new(&out).join("migrations_fingerprint.txt"), format!("{hash:016x}"));
}
