fn main() -> std::process::ExitCode {
    shubctl::cli::main()
}
