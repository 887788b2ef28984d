//! What the cluster commands show on stderr while they work. On a terminal: one live area
//! (`VERB [done/total]`, failures, elapsed, releases per phase, the slowest release in flight)
//! redrawn by indicatif's steady tick, with a line above it per finished release. Otherwise:
//! plain lines, one per phase change and per finished release. `--quiet`: nothing. Never
//! stdout: diff text and `--output json` go there.
//!
//! [`Board`] is the state behind the area, pure and tested with fixed instants; [`Display`]
//! feeds it the engine's [`Progress`] events and the render phase's steps.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::engine::diff::UnitDiff;
use crate::engine::{JobEnd, Outcome, Progress};

use super::GlobalArgs;

/// The phase shown for a queued release (its job has no slot yet, or waits for its needs).
const QUEUED: &str = "queued";

/// A release whose job is running.
#[derive(Debug, Clone)]
struct Flight {
    release: String,
    phase: String,
    since: Instant,
}

/// The state of one run: the current stage's counts and the releases in flight.
#[derive(Debug, Clone)]
pub(super) struct Board {
    started: Instant,
    total: usize,
    done: usize,
    failed: usize,
    skipped: usize,
    /// In start order; a release name can be in flight twice (same name, two namespaces).
    flights: Vec<Flight>,
}

impl Board {
    pub(super) fn new(now: Instant) -> Board {
        Board { started: now, total: 0, done: 0, failed: 0, skipped: 0, flights: Vec::new() }
    }

    /// A new stage of `total` releases (render, diff, sync): counts restart, elapsed does not.
    pub(super) fn start(&mut self, total: usize) {
        self.total = total;
        self.done = 0;
        self.failed = 0;
        self.skipped = 0;
        self.flights.clear();
    }

    pub(super) fn begin(&mut self, release: &str, phase: &str, now: Instant) {
        self.flights.push(Flight { release: release.to_string(), phase: phase.to_string(), since: now });
    }

    /// A phase change; a release not seen starting (no `begin`) starts now.
    pub(super) fn phase(&mut self, release: &str, phase: &str, now: Instant) {
        match self.flights.iter_mut().rev().find(|f| f.release == release) {
            Some(f) => f.phase = phase.to_string(),
            None => self.begin(release, phase, now),
        }
    }

    /// A release leaves flight without finishing the stage (rendered, its diff comes next).
    pub(super) fn land(&mut self, release: &str) {
        if let Some(i) = self.flights.iter().position(|f| f.release == release) {
            self.flights.remove(i);
        }
    }

    /// A release finished: `failed` or `skipped` counts it as such too.
    pub(super) fn done(&mut self, release: &str, failed: bool, skipped: bool) {
        if let Some(i) = self.flights.iter().position(|f| f.release == release) {
            self.flights.remove(i);
        }
        self.done += 1;
        self.failed += usize::from(failed);
        self.skipped += usize::from(skipped);
    }

    /// Releases per phase: the queued first, then the phases in flight by name (a stable order,
    /// so the line does not jump around between redraws).
    pub(super) fn phase_counts(&self) -> Vec<(String, usize)> {
        let mut by_phase: BTreeMap<&str, usize> = BTreeMap::new();
        for f in &self.flights {
            *by_phase.entry(phase_key(&f.phase)).or_default() += 1;
        }
        let queued = self.total.saturating_sub(self.done + self.flights.len());
        let mut out = Vec::new();
        if queued > 0 {
            out.push((QUEUED.to_string(), queued));
        }
        out.extend(by_phase.into_iter().map(|(p, n)| (p.to_string(), n)));
        out
    }

    /// The release in flight the longest: name, phase and how long.
    pub(super) fn slowest(&self, now: Instant) -> Option<(&str, &str, Duration)> {
        let f = self.flights.iter().min_by_key(|f| f.since)?;
        Some((f.release.as_str(), phase_key(&f.phase), now.saturating_duration_since(f.since)))
    }

    /// The area's first line: `VERB [done/total] · N failed · elapsed`.
    pub(super) fn head(&self, verb: &str, now: Instant) -> String {
        let mut out = format!("{verb} [{}/{}]", self.done, self.total);
        if self.failed > 0 {
            out.push_str(&format!(" · {} failed", self.failed));
        }
        if self.skipped > 0 {
            out.push_str(&format!(" · {} skipped", self.skipped));
        }
        out.push_str(&format!(" · {}", clock(now.saturating_duration_since(self.started))));
        out
    }

    /// The area's second line: releases per phase and the slowest in flight.
    pub(super) fn phases(&self, now: Instant) -> String {
        let counts: Vec<String> = self.phase_counts().into_iter().map(|(p, n)| format!("{p} {n}")).collect();
        let mut out = counts.join(" · ");
        if let Some((release, phase, took)) = self.slowest(now) {
            out.push_str(&format!(" — slowest: {} ({phase}, {})", shorten(release, 48), seconds(took)));
        }
        out
    }
}

/// What a phase is counted as: the text before any `:` (`presync hook: ./check.sh` →
/// `presync hook`), and every `waiting …` line as `waiting`.
fn phase_key(phase: &str) -> &str {
    if phase.starts_with("waiting") {
        return "waiting";
    }
    phase.split(':').next().unwrap_or(phase).trim()
}

/// `42s`, `3m07s`, `1h02m`.
fn clock(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, s / 60 % 60),
    }
}

/// `0.4s` under ten seconds (where tenths tell releases apart), else `42s`, `3m07s`.
fn seconds(d: Duration) -> String {
    if d < Duration::from_secs(10) { format!("{:.1}s", d.as_secs_f64()) } else { clock(d) }
}

/// At most `max` characters, an ellipsis marking the cut.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The line for a release that finished its sync, destroy or test.
pub(super) fn done_line(release: &str, end: &JobEnd<Outcome>, elapsed: Duration) -> String {
    match end {
        JobEnd::Done(o) => format!("{release}: {o} ({:.1}s)", elapsed.as_secs_f64()),
        JobEnd::Failed(_) => format!("{release}: FAILED ({:.1}s)", elapsed.as_secs_f64()),
        JobEnd::Skipped(why) => format!("{release}: skipped ({why})"),
    }
}

/// The line for a release whose diff finished (the diff itself goes to stdout; a failure's
/// message is printed with the others at the end).
pub(super) fn diffed_line(release: &str, end: &Result<UnitDiff, String>, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64();
    let what = match end {
        Err(_) => return format!("{release}: diff FAILED ({secs:.1}s)"),
        Ok(d) if d.diff.has_changes() || d.diff.has_drift() => {
            let c = d.diff.counts();
            let mut s = format!("{} to add, {} to change, {} to destroy", c.add, c.change, c.destroy);
            if c.drift > 0 {
                s.push_str(&format!(", {} drifted", c.drift));
            }
            s
        }
        Ok(d) if d.release_changes => "release to sync, no object changes".to_string(),
        Ok(_) => "no changes".to_string(),
    };
    format!("{release}: diffed, {what} ({secs:.1}s)")
}

fn failed(end: &JobEnd<Outcome>) -> bool {
    matches!(end, JobEnd::Failed(_) | JobEnd::Done(Outcome::RolledBack { .. }))
}

/// How often the lines of finished releases are printed above the live area, batched: each
/// print redraws the area, and at 1,000 releases they can finish hundreds a second.
const LINE_BATCH: Duration = Duration::from_millis(100);

/// The live area on the terminal: drawn from the board by indicatif's steady tick, with the
/// lines of finished releases printed above it in batches by a thread of its own.
struct LiveArea {
    bar: indicatif::ProgressBar,
    pending: Arc<Mutex<Vec<String>>>,
    stop: std::sync::mpsc::Sender<()>,
    printer: std::thread::JoinHandle<()>,
}

impl LiveArea {
    fn show(board: &Arc<Mutex<Board>>, verb: &'static str) -> LiveArea {
        let (head_board, phases_board) = (board.clone(), board.clone());
        let style = indicatif::ProgressStyle::with_template("{spinner} {head}\n  {phases}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner())
            .with_key("head", move |_: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = w.write_str(&lock(&head_board).head(verb, Instant::now()));
            })
            .with_key("phases", move |_: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = w.write_str(&lock(&phases_board).phases(Instant::now()));
            });
        let bar = indicatif::ProgressBar::new_spinner().with_style(style);
        bar.enable_steady_tick(Duration::from_millis(120));
        let pending = Arc::new(Mutex::new(Vec::new()));
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let (b, p) = (bar.clone(), pending.clone());
        let printer = std::thread::spawn(move || {
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(LINE_BATCH) {
                print_pending(&b, &p);
            }
        });
        LiveArea { bar, pending, stop, printer }
    }

    fn println(&self, text: &str) {
        lock(&self.pending).push(text.to_string());
    }

    /// Prints what is pending and clears the area.
    fn close(self) {
        let _ = self.stop.send(());
        let _ = self.printer.join();
        print_pending(&self.bar, &self.pending);
        self.bar.finish_and_clear();
    }
}

fn print_pending(bar: &indicatif::ProgressBar, pending: &Mutex<Vec<String>>) {
    let lines = std::mem::take(&mut *lock(pending));
    if !lines.is_empty() {
        bar.println(lines.join("\n"));
    }
}

enum Mode {
    Quiet,
    Lines,
    /// On a terminal: the area while a stage runs, none between stages.
    Live(Mutex<Option<LiveArea>>),
}

/// The progress display of one command: a live area on a terminal, plain lines otherwise.
pub(super) struct Display {
    verb: &'static str,
    mode: Mode,
    board: Arc<Mutex<Board>>,
    /// When the render phase started.
    rendering: Mutex<Instant>,
    /// Releases rendered so far.
    rendered: std::sync::atomic::AtomicUsize,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while drawing must not take the run down with it.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Display {
    /// The live area on a terminal that can move the cursor (not `TERM=dumb`).
    pub(super) fn new(global: &GlobalArgs, verb: &'static str) -> Arc<Display> {
        let mode = if global.quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() && std::env::var_os("TERM").is_none_or(|t| t != "dumb") {
            Mode::Live(Mutex::new(None))
        } else {
            Mode::Lines
        };
        Arc::new(Display::with_mode(verb, mode))
    }

    fn with_mode(verb: &'static str, mode: Mode) -> Display {
        let now = Instant::now();
        Display { verb, mode, board: Arc::new(Mutex::new(Board::new(now))), rendering: Mutex::new(now), rendered: Default::default() }
    }

    fn show(&self) {
        if let Mode::Live(area) = &self.mode {
            let mut area = lock(area);
            if area.is_none() {
                *area = Some(LiveArea::show(&self.board, self.verb));
            }
        }
    }

    fn hide(&self) {
        if let Mode::Live(area) = &self.mode
            && let Some(a) = lock(area).take()
        {
            a.close();
        }
    }

    fn line(&self, text: &str) {
        match &self.mode {
            Mode::Quiet => {}
            Mode::Lines => eprintln!("{text}"),
            Mode::Live(area) => match lock(area).as_ref() {
                Some(a) => a.println(text),
                None => eprintln!("{text}"),
            },
        }
    }

    /// The render phase starts: `total` releases to render.
    pub(super) fn render_start(&self, total: usize) {
        *lock(&self.rendering) = Instant::now();
        self.start(total);
    }

    /// `release` starts rendering (releases render on several threads at once).
    pub(super) fn rendering(&self, release: &str) {
        lock(&self.board).begin(release, "rendering", Instant::now());
    }

    /// `release` is rendered: `done` in the render phase, else on to its diff (the stage counts
    /// it when the diff ends).
    pub(super) fn rendered(&self, release: &str, done: bool) {
        self.rendered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut board = lock(&self.board);
        if done {
            board.done(release, false, false);
        } else {
            board.land(release);
        }
    }

    /// The render phase is over: one line saying how many and how long.
    pub(super) fn render_end(&self) {
        self.render_summary();
        self.hide();
    }

    /// One line saying how many releases were rendered and how long it took (the stage goes on
    /// when their diffs run meanwhile).
    pub(super) fn render_summary(&self) {
        let rendered = self.rendered.load(std::sync::atomic::Ordering::Relaxed);
        let took = lock(&self.rendering).elapsed();
        if rendered > 0 {
            self.line(&format!("rendered {rendered} release{} ({:.1}s)", if rendered == 1 { "" } else { "s" }, took.as_secs_f64()));
        }
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        self.hide();
    }
}

impl Progress for Display {
    fn start(&self, total: usize) {
        lock(&self.board).start(total);
        self.show();
    }
    fn begin(&self, release: &str, phase: &str) {
        lock(&self.board).begin(release, phase, Instant::now());
    }
    fn phase(&self, release: &str, phase: &str) {
        lock(&self.board).phase(release, phase, Instant::now());
        if let Mode::Lines = self.mode {
            eprintln!("{release}: {phase}");
        }
    }
    fn done(&self, release: &str, end: &JobEnd<Outcome>, elapsed: Duration) {
        lock(&self.board).done(release, failed(end), matches!(end, JobEnd::Skipped(_)));
        self.line(&done_line(release, end, elapsed));
    }
    fn diffed(&self, release: &str, end: &Result<UnitDiff, String>, elapsed: Duration) {
        lock(&self.board).done(release, end.is_err(), false);
        self.line(&diffed_line(release, end, elapsed));
    }
    fn log(&self, release: &str, text: &str) {
        for l in text.lines() {
            self.line(&format!("{release}: {l}"));
        }
    }
    fn finish(&self) {
        self.hide();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn counts_per_phase_start_with_the_queued() {
        let t0 = Instant::now();
        let mut b = Board::new(t0);
        b.start(10);
        b.begin("a", "starting", t0);
        b.begin("b", "starting", t0);
        b.begin("c", "diffing", t0);
        b.phase("a", "upgrading", t0);
        b.phase("b", "presync hook: ./check.sh --fast", t0);
        b.phase("c", "waiting for 2 objects to be deleted: Pod/x, Pod/y", t0);
        b.done("d", false, false);
        let counts = b.phase_counts();
        let want = [("queued", 6), ("presync hook", 1), ("upgrading", 1), ("waiting", 1)];
        assert_eq!(counts, want.map(|(p, n)| (p.to_string(), n)));
        assert_eq!(b.phases(t0), "queued 6 · presync hook 1 · upgrading 1 · waiting 1 — slowest: a (upgrading, 0.0s)");
    }

    #[test]
    fn slowest_is_the_earliest_started_in_flight() {
        let t0 = Instant::now();
        let mut b = Board::new(t0);
        b.start(3);
        b.begin("early", "starting", t0);
        b.begin("late", "starting", t0 + secs(5));
        b.phase("early", "installing", t0 + secs(6));
        assert_eq!(b.slowest(t0 + secs(42)), Some(("early", "installing", secs(42))));
        b.done("early", false, false);
        assert_eq!(b.slowest(t0 + secs(42)), Some(("late", "starting", secs(37))));
        b.done("late", false, false);
        assert_eq!(b.slowest(t0 + secs(42)), None);
        assert_eq!(b.phases(t0 + secs(42)), "queued 1");
    }

    #[test]
    fn head_counts_done_failures_and_elapsed() {
        let t0 = Instant::now();
        let mut b = Board::new(t0);
        b.start(4);
        assert_eq!(b.head("apply", t0 + secs(3)), "apply [0/4] · 3s");
        b.done("a", true, false);
        b.done("b", false, true);
        b.done("c", false, false);
        assert_eq!(b.head("apply", t0 + secs(187)), "apply [3/4] · 1 failed · 1 skipped · 3m07s");
        assert_eq!(b.head("apply", t0 + secs(3725)), "apply [3/4] · 1 failed · 1 skipped · 1h02m");
    }

    #[test]
    fn a_new_stage_restarts_counts_not_the_clock() {
        let t0 = Instant::now();
        let mut b = Board::new(t0);
        b.start(2);
        b.begin("a", "diffing", t0);
        b.done("a", true, false);
        b.start(2);
        assert_eq!(b.head("apply", t0 + secs(9)), "apply [0/2] · 9s");
        assert_eq!(b.phase_counts(), [("queued".to_string(), 2)]);
    }

    #[test]
    fn same_name_twice_in_flight_stays_counted() {
        let t0 = Instant::now();
        let mut b = Board::new(t0);
        b.start(2);
        b.begin("app", "starting", t0);
        b.begin("app", "starting", t0 + secs(1));
        b.phase("app", "upgrading", t0 + secs(2));
        assert_eq!(b.phase_counts(), [("starting".to_string(), 1), ("upgrading".to_string(), 1)]);
        b.done("app", false, false);
        assert_eq!(b.phase_counts(), [("upgrading".to_string(), 1)]);
    }

    #[test]
    fn a_phase_without_begin_starts_the_release() {
        let t0 = Instant::now();
        let mut b = Board::new(t0);
        b.start(1);
        b.phase("x", "testing", t0);
        assert_eq!(b.slowest(t0 + secs(2)), Some(("x", "testing", secs(2))));
    }

    #[test]
    fn finished_lines() {
        let ms = Duration::from_millis(1250);
        assert_eq!(done_line("db", &JobEnd::Done(Outcome::Installed { revision: 1 }), ms), "db: installed (revision 1) (1.2s)");
        assert_eq!(done_line("db", &JobEnd::Failed("boom".into()), ms), "db: FAILED (1.2s)");
        assert_eq!(done_line("web", &JobEnd::Skipped("db failed".into()), Duration::ZERO), "web: skipped (db failed)");
        let clean = UnitDiff { diff: Default::default(), release_changes: false, last: None, text: None };
        assert_eq!(diffed_line("db", &Ok(clean.clone()), ms), "db: diffed, no changes (1.2s)");
        let new = UnitDiff { release_changes: true, ..clean };
        assert_eq!(diffed_line("db", &Ok(new), ms), "db: diffed, release to sync, no object changes (1.2s)");
        assert_eq!(diffed_line("db", &Err("x".into()), ms), "db: diff FAILED (1.2s)");
        assert!(failed(&JobEnd::Done(Outcome::RolledBack { error: "e".into() })));
        assert!(!failed(&JobEnd::Done(Outcome::Unchanged)));
    }

    #[test]
    fn long_names_are_shortened_and_clock_reads_well() {
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("abc", 4), "abc");
        assert_eq!(clock(secs(59)), "59s");
        assert_eq!(clock(secs(60)), "1m00s");
        assert_eq!(seconds(Duration::from_millis(2345)), "2.3s");
        assert_eq!(seconds(secs(75)), "1m15s");
    }

    #[test]
    fn renders_in_parallel_count_when_rendered() {
        let d = Display::with_mode("diff", Mode::Quiet);
        d.render_start(3);
        d.rendering("a");
        d.rendering("b");
        d.rendered("a", true);
        {
            let board = lock(&d.board);
            assert_eq!(board.done, 1);
            assert_eq!(board.phase_counts(), [("queued".to_string(), 1), ("rendering".to_string(), 1)]);
        }
        d.rendered("b", true);
        d.render_end();
        assert_eq!(lock(&d.board).done, 2);
    }

    #[test]
    fn a_rendered_release_goes_on_to_its_diff() {
        let d = Display::with_mode("diff", Mode::Quiet);
        d.start(2);
        d.rendering("a");
        d.rendered("a", false);
        d.begin("a", "diffing");
        let board = lock(&d.board);
        assert_eq!(board.done, 0);
        assert_eq!(board.phase_counts(), [("queued".to_string(), 1), ("diffing".to_string(), 1)]);
    }
}
