fn main() -> std::process::ExitCode {
    ecr_port::cli::main()
}
