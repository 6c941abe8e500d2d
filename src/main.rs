//! The `klearn` binary: parses the command line and runs one command.

use clap::Parser;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    let cli = klearn::cli::Cli::parse();
    klearn::telemetry::init();
    match klearn::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("klearn: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
