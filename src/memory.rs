//! How the process uses memory: glibc's allocator tuned at start-up so that
//! the resident set stays small and flat under load (bench/README.md,
//! "Memory under load").
//!
//! - Two malloc arenas instead of eight per core. Each thread that meets a
//!   locked arena makes another, and freed memory stays in the arena it came
//!   from; the blocking threads (as many as the database connections) and the
//!   HTTP workers share two with no loss of throughput.
//! - A fixed threshold of 1 MiB above which allocations are mapped and given
//!   back when freed. glibc's default raises the threshold to the size of
//!   the largest mapped block freed so far, so after the first password hash
//!   (Argon2's 19 MiB of working memory) every later one stayed in the heap.

/// Arenas for the whole process.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const ARENAS: libc::c_int = 2;
/// Allocations from this size up are mapped, and unmapped when freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MAP_FROM: libc::c_int = 1 << 20;

/// Tunes the allocator; call first thing in `main`, before threads start.
/// The environment's `MALLOC_ARENA_MAX` and `MALLOC_MMAP_THRESHOLD_` win,
/// so an operator can still choose.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let set = |name: &str| std::env::var_os(name).is_some();
        // SAFETY: mallopt only sets the allocator's parameters; it is called
        // before the process starts other threads.
        unsafe {
            if !set("MALLOC_ARENA_MAX") {
                libc::mallopt(libc::M_ARENA_MAX, ARENAS);
            }
            if !set("MALLOC_MMAP_THRESHOLD_") {
                libc::mallopt(libc::M_MMAP_THRESHOLD, MAP_FROM);
            }
        }
    }
}
