//! The one way out: the artefact (plan, schema, report) to stdout; diagnostics, progress and
//! errors to stderr. A closed stdout (`shubctl plan | head`) is not an error: the rest of the
//! output is dropped and the command ends as it would have.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use super::config::Colors;
use crate::spec::diagnostics::{Diagnostic, Diagnostics, Severity};

pub struct Printer {
    colors: Colors,
    stdout_tty: bool,
    stderr_tty: bool,
    stdout_closed: AtomicBool,
}

impl Printer {
    pub fn new(colors: Colors) -> Self {
        Printer {
            colors,
            stdout_tty: std::io::stdout().is_terminal(),
            stderr_tty: std::io::stderr().is_terminal(),
            stdout_closed: AtomicBool::new(false),
        }
    }

    pub fn stdout_color(&self) -> bool {
        self.colors.stdout
    }

    /// Writes data to stdout. Once the reader has gone, further data is dropped silently.
    pub fn data(&self, text: &str) {
        if self.stdout_closed.load(Ordering::Relaxed) {
            return;
        }
        let mut out = std::io::stdout().lock();
        if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
            // BrokenPipe is the reader being done; any other failure leaves nothing to say it on.
            let _ = e;
            self.stdout_closed.store(true, Ordering::Relaxed);
        }
    }

    /// A line on stderr.
    pub fn note(&self, line: &str) {
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }

    /// A status line for long live runs, on a terminal only.
    pub fn status(&self, live: bool, what: &str) {
        if live && self.stderr_tty {
            self.note(&format!("{what}…"));
        }
    }

    /// Prints diagnostics, sorted; returns (errors, warnings).
    pub fn diagnostics(&self, diags: Diagnostics) -> (usize, usize) {
        let counts = (diags.errors(), diags.warnings());
        let mut err = std::io::stderr().lock();
        for d in diags.sorted() {
            let _ = writeln!(err, "{}", paint(&d, self.colors.stderr));
        }
        counts
    }

    /// A plan's diagnostics. Its warnings travel in the plan itself (`plan_shown`: it is
    /// printed), so on a terminal showing both streams they are not printed twice.
    pub fn plan_diagnostics(&self, mut diags: Diagnostics, plan_shown: bool) -> (usize, usize) {
        if !repeat_warnings(plan_shown, self.stdout_tty, self.stderr_tty) {
            diags.items.retain(|d| d.severity == Severity::Error);
        }
        self.diagnostics(diags)
    }

    /// An error and its causes, once: `error: what: why: why`.
    pub fn error(&self, e: &dyn std::error::Error) {
        let mut line = e.to_string();
        let mut source = e.source();
        while let Some(s) = source {
            line.push_str(": ");
            line.push_str(&s.to_string());
            source = s.source();
        }
        self.note(&format!("error: {line}"));
    }

    /// A progress bar redrawn on one line, for live runs on a terminal.
    pub fn progress(&self, live: bool, what: &'static str) -> impl Fn(usize, usize) + Sync + use<> {
        let on = live && self.stderr_tty;
        move |done: usize, total: usize| {
            if !on || total == 0 {
                return;
            }
            let width = 30;
            let filled = (done * width / total).min(width);
            eprint!(
                "\r{what} [{}{}] {done}/{total}",
                "#".repeat(filled),
                " ".repeat(width - filled),
            );
            if done >= total {
                eprintln!();
            }
        }
    }
}

/// Whether a plan's warnings go to stderr too: unless the plan that holds them is printed
/// and both streams are the terminal (then they would be read twice, one under the other).
/// Redirected, stderr is where a person still sees them.
fn repeat_warnings(plan_shown: bool, stdout_tty: bool, stderr_tty: bool) -> bool {
    !(plan_shown && stdout_tty && stderr_tty)
}

fn paint(d: &Diagnostic, color: bool) -> String {
    let s = d.to_string();
    if !color {
        return s;
    }
    let (word, code) = match d.severity {
        Severity::Error => ("error", "31"),
        Severity::Warning => ("warning", "33"),
    };
    s.replacen(word, &format!("\x1b[1;{code}m{word}\x1b[0m"), 1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn warnings_are_printed_once_on_a_terminal() {
        // The plan on the terminal holds them: not again on stderr.
        assert!(!super::repeat_warnings(true, true, true));
        // The plan redirected (a file, a PR comment): stderr is where a person sees them.
        assert!(super::repeat_warnings(true, false, true));
        // Commands that do not print the plan (report, snapshot) always say them.
        assert!(super::repeat_warnings(false, true, true));
    }
}
