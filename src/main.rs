// Plans allocate many small, short-lived values (SDK responses above all) from several
// threads; mimalloc does that with a fraction of the C library allocator's CPU time
// (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    shubctl::cli::main()
}
