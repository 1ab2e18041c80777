//! A progress bar on standard error for long scans: files done out of the
//! total, and the file being read. Drawn only on a terminal (unless asked
//! for), at most ten times a second, and erased when the work is done, so
//! piped output and quick runs never see it.

use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use clap::ValueEnum;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum When {
    /// When standard error is a terminal
    #[default]
    Auto,
    Always,
    Never,
}

impl When {
    pub fn enabled(self) -> bool {
        match self {
            When::Auto => io::stderr().is_terminal(),
            When::Always => true,
            When::Never => false,
        }
    }
}

const WIDTH: usize = 30;
const REDRAW: Duration = Duration::from_millis(100);
/// Quick runs finish before the first frame: nothing flickers.
const FIRST_FRAME: Duration = Duration::from_millis(300);

/// Counts finished items; [`Progress::run`] draws while work goes on.
pub struct Progress {
    total: usize,
    done: AtomicUsize,
    finished: AtomicBool,
    wake: (Mutex<()>, Condvar),
    /// Draw even a run shorter than the first frame (`--progress always`).
    eager: bool,
}

impl Progress {
    pub fn new(total: usize, eager: bool) -> Self {
        Progress {
            total,
            done: AtomicUsize::new(0),
            finished: AtomicBool::new(false),
            wake: (Mutex::new(()), Condvar::new()),
            eager,
        }
    }

    pub fn advance(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    /// Stops [`Progress::run`], which erases the bar.
    pub fn finish(&self) {
        self.finished.store(true, Ordering::Release);
        let _guard = self.wake.0.lock();
        self.wake.1.notify_all();
    }

    /// Draws until [`Progress::finish`]; meant for a thread of its own.
    pub fn run(&self) {
        let started = Instant::now();
        // Width of the longest line drawn, which erasing must cover.
        let mut drawn = 0;
        let mut stderr = io::stderr();
        loop {
            let finished = self.finished.load(Ordering::Acquire);
            if drawn > 0 || self.eager || started.elapsed() >= FIRST_FRAME {
                let line = self.line(started.elapsed());
                // Progress is a courtesy: a closed stderr is not an error.
                let _ = write!(stderr, "\r{line}");
                let _ = stderr.flush();
                drawn = drawn.max(line.len());
            }
            if finished {
                break;
            }
            let guard = self.wake.0.lock().unwrap_or_else(|e| e.into_inner());
            if !self.finished.load(Ordering::Acquire) {
                let _ = self.wake.1.wait_timeout(guard, REDRAW);
            }
        }
        if drawn > 0 {
            let _ = write!(stderr, "\r{}\r", " ".repeat(drawn));
            if self.eager {
                // Kept when asked for, so logs show the final count.
                let _ = writeln!(stderr, "\r{}", self.line(started.elapsed()));
            }
            let _ = stderr.flush();
        }
    }

    fn line(&self, elapsed: Duration) -> String {
        let done = self.done.load(Ordering::Relaxed).min(self.total);
        let filled = (done * WIDTH).checked_div(self.total).unwrap_or(WIDTH);
        format!(
            "scanning [{}{}] {done}/{} files {:.1}s",
            "#".repeat(filled),
            "-".repeat(WIDTH - filled),
            self.total,
            elapsed.as_secs_f64(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_shows_the_share_done() {
        let progress = Progress::new(4, true);
        progress.advance();
        let line = progress.line(Duration::from_millis(1500));
        assert_eq!(
            line,
            format!(
                "scanning [{}{}] 1/4 files 1.5s",
                "#".repeat(7),
                "-".repeat(23)
            )
        );
        let empty = Progress::new(0, true);
        assert!(empty.line(Duration::ZERO).contains("0/0 files"));
    }
}
