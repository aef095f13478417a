//! The `keyrack` binary: see the crate docs of `keyrack_cli`.

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(keyrack_cli::main_with_args(std::env::args_os()))
}
