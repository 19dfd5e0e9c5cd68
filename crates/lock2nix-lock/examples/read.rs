//! Read a lock and print its package count and how long reading took: `cargo run --release --example read -- PATH`.
fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "fixtures/locks/top-1000/uv.lock".into());
    let start = std::time::Instant::now();
    match lock2nix_lock::read_lock(std::path::Path::new(&path)) {
        Ok(lock) => println!("{} packages in {:?}", lock.packages.len(), start.elapsed()),
        Err(e) => eprintln!("error: {e}"),
    }
}
