//! The `klearn` binary: parses the command line and runs one command.

use clap::Parser;

fn main() -> std::process::ExitCode {
    klearn::memory::tune_allocator();
    run()
}

#[actix_web::main]
async fn run() -> std::process::ExitCode {
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
