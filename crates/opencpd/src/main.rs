//! `opencpd`: the web server and the command line for the same operations.
//!
//! Thin by design: parse the command, open the database, call the store, the transfer
//! crate or the web crate, print. The exit code comes from the outcome: 0 done, 1 the
//! input had problems (nothing written), 2 the command failed.

mod cli;
mod delivery_cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    return_large_blocks_to_the_system();
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
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// glibc's allocator raises its mmap threshold each time a large block is freed, and from
/// then on keeps such blocks in its arenas: every login's 19 MB argon2 block then stays
/// with the process. A fixed threshold hands large blocks back to the system when freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_large_blocks_to_the_system() {
    // SAFETY: mallopt only sets an allocator parameter; it is called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_blocks_to_the_system() {}
