//! Running the `workforce-sim` binary as a user does, with failures that say what was run
//! and what it printed (the shape of ripgrep's `TestCommand`).

use std::ffi::OsStr;
use std::process::{Command, Output};

/// The binary with its arguments, run from a test.
pub struct TestCommand {
    cmd: Command,
}

impl TestCommand {
    /// `workforce-sim` with no arguments yet.
    pub fn new() -> TestCommand {
        TestCommand {
            cmd: Command::new(env!("CARGO_BIN_EXE_workforce-sim")),
        }
    }

    /// Adds arguments.
    pub fn args<I, S>(&mut self, args: I) -> &mut TestCommand
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.cmd.args(args);
        self
    }

    /// Adds one argument (a path, say).
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut TestCommand {
        self.cmd.arg(arg);
        self
    }

    /// Runs in the folder `dir`.
    pub fn current_dir(&mut self, dir: impl AsRef<std::path::Path>) -> &mut TestCommand {
        self.cmd.current_dir(dir);
        self
    }

    /// Sets an environment variable of the run.
    pub fn env(&mut self, key: &str, value: impl AsRef<OsStr>) -> &mut TestCommand {
        self.cmd.env(key, value);
        self
    }

    /// Runs the command, which must succeed; its standard output.
    pub fn stdout(&mut self) -> String {
        String::from_utf8_lossy(&self.succeeds().stdout).into_owned()
    }

    /// Runs the command, which must succeed; all it printed.
    pub fn succeeds(&mut self) -> Output {
        let out = self.output();
        if !out.status.success() {
            panic!("{}", self.describe("failed", &out));
        }
        out
    }

    /// Runs the command, which must fail with exit code 1 and no panic; its standard error.
    pub fn fails(&mut self) -> String {
        let out = self.output();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        if out.status.code() != Some(1) || stderr.contains("panicked") {
            panic!(
                "{}",
                self.describe("did not fail cleanly (exit 1, no panic)", &out)
            );
        }
        stderr
    }

    /// Runs the command; whatever it did.
    pub fn output(&mut self) -> Output {
        self.cmd
            .output()
            .unwrap_or_else(|e| panic!("cannot run {:?}: {e}", self.cmd))
    }

    fn describe(&self, what: &str, out: &Output) -> String {
        format!(
            "{:?} {what} ({})\n--- stdout\n{}\n--- stderr\n{}",
            self.cmd,
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }
}
