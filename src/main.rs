fn main() -> std::process::ExitCode {
    ecr_port::cli::main()
}

// The mapping worker and `render` allocate and free millions of small JSON values; glibc's
// allocator spends more time on that than the evaluation itself.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
