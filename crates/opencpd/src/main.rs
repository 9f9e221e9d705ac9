//! `opencpd`: the web server and the command line for the same operations.
//!
//! Thin by design: parse the command, open the database, call the store, the transfer
//! crate or the web crate, print. The exit code comes from the outcome: 0 done, 1 the
//! input had problems (nothing written), 2 the command failed.

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("OPENCPD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(cli::run(args)) {
        Ok(code) => code,
        // The reader of our output went away (`opencpd export … | head`): what it wanted
        // it has, so end quietly, as other command-line tools do.
        Err(e) if broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Whether an error comes from writing to a pipe whose reader has closed it.
fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// mimalloc rather than the system's allocator: a submission of a 250-item form makes a
/// few thousand small allocations, and glibc's malloc spent about a sixth of the server's
/// time on them. mimalloc also hands freed memory back to the system (a login's 19 MB
/// argon2 block does not stay with the process).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
