//! The commands of the `bibkit` program: one module per command, with the arguments in
//! [`args`] and what they share in [`common`].

pub(crate) mod args;
mod check;
pub(crate) mod common;
mod convert;
mod dedupe;
mod diff;
mod extract;
mod fmt;
#[cfg(feature = "lsp")]
mod lsp;
mod rekey;

use std::process::ExitCode;

use args::{Cli, Command};

/// Runs the command the arguments name.
pub(crate) fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Convert(args) => convert::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Fmt(args) => fmt::run(&args),
        Command::Extract(args) => extract::run(&args),
        Command::Rekey(args) => rekey::run_rekey(&args),
        Command::Rename(args) => rekey::run_rename(&args),
        Command::Dedupe(args) => dedupe::run(&args),
        Command::Diff(args) => diff::run_diff(&args),
        Command::MergeDriver(args) => diff::run_merge(&args),
        #[cfg(feature = "lsp")]
        Command::Lsp => lsp::run(),
    }
}
