//! Long work off the interpreter: the core call runs on its own thread while the calling thread
//! waits without the GIL, looks for Ctrl-C (and other signals) every 50 ms, and draws a progress
//! bar (tqdm) for loads that take more than a couple of seconds.
//!
//! On Ctrl-C the call raises `KeyboardInterrupt` at once. Work that can stop early (loading
//! from Arrow, CSV or JSON: the cancel hook) stops at its next checkpoint; other work finishes in
//! the background and its result is dropped.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pyo3::exceptions::{PyImportError, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// How often the waiting thread looks for signals and progress.
const TICK: Duration = Duration::from_millis(50);
/// A progress bar appears (if tqdm is installed) once a load has run this long.
const SHOW_AFTER: Duration = Duration::from_secs(2);

/// The `progress` argument: `None` = a bar for long loads if tqdm is installed, `True` = a bar
/// at once (tqdm required), `False` = never.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    Auto,
    On,
    Off,
}

impl ProgressMode {
    /// Takes `progress` out of the keyword arguments (so that the rest are load options).
    pub fn take(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let Some(kw) = kwargs else {
            return Ok(ProgressMode::Auto);
        };
        let Some(v) = kw.get_item("progress")? else {
            return Ok(ProgressMode::Auto);
        };
        kw.del_item("progress")?;
        if v.is_none() {
            return Ok(ProgressMode::Auto);
        }
        let on: bool = v
            .extract()
            .map_err(|_| crate::error::argument("progress", "expected True, False or None"))?;
        Ok(if on {
            ProgressMode::On
        } else {
            ProgressMode::Off
        })
    }
}

/// What the waiting thread can see of the work: units done of a total, and a way to stop it.
#[derive(Debug, Default)]
pub struct Watch {
    /// Units done so far (bytes or rows).
    pub done: AtomicU64,
    /// Set on Ctrl-C: the work should stop.
    pub cancelled: AtomicBool,
}

/// Work the waiting thread can watch: units done, and a way to ask it to stop.
pub trait Watched: Send + Sync {
    /// Units done so far.
    fn done(&self) -> u64;
    /// Asks the work to stop at its next checkpoint.
    fn cancel(&self);
}

impl Watched for Watch {
    fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }
    fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }
}

impl Watched for journey_core::ingest::LoadControl {
    fn done(&self) -> u64 {
        self.rows_done()
    }
    fn cancel(&self) {
        journey_core::ingest::LoadControl::cancel(self);
    }
}

/// A [`journey_core::ingest::LoadControl`] watched by the bytes it has read (CSV files read
/// through a memory map) rather than by rows.
pub struct BytesRead(pub Arc<journey_core::ingest::LoadControl>);

impl Watched for BytesRead {
    fn done(&self) -> u64 {
        self.0.bytes_done()
    }
    fn cancel(&self) {
        self.0.cancel();
    }
}

/// A progress bar's total, unit and label, and the mode.
#[derive(Debug, Clone)]
pub struct Progress {
    pub mode: ProgressMode,
    pub total: u64,
    pub unit: &'static str,
    pub label: &'static str,
}

impl Progress {
    /// No bar (analyses: interruptible, but without a bar).
    pub fn none() -> Self {
        Progress {
            mode: ProgressMode::Off,
            total: 0,
            unit: "",
            label: "",
        }
    }
}

struct Bar<'py> {
    bar: Bound<'py, PyAny>,
    shown: u64,
}

impl<'py> Bar<'py> {
    fn open(py: Python<'py>, p: &Progress) -> PyResult<Option<Self>> {
        let tqdm = match py.import("tqdm.auto") {
            Ok(m) => m.getattr("tqdm")?,
            Err(_) if p.mode == ProgressMode::Auto => return Ok(None),
            Err(_) => {
                return Err(PyImportError::new_err(
                    "progress=True needs tqdm: pip install tqdm",
                ))
            }
        };
        let kw = PyDict::new(py);
        kw.set_item("total", p.total)?;
        kw.set_item("unit", p.unit)?;
        kw.set_item("unit_scale", true)?;
        kw.set_item("desc", p.label)?;
        Ok(Some(Bar {
            bar: tqdm.call((), Some(&kw))?,
            shown: 0,
        }))
    }

    fn update(&mut self, done: u64) -> PyResult<()> {
        if done > self.shown {
            self.bar.call_method1("update", (done - self.shown,))?;
            self.shown = done;
        }
        Ok(())
    }

    fn close(self) -> PyResult<()> {
        self.bar.call_method0("close").map(drop)
    }
}

/// Runs `work` on a new thread and waits for it without the GIL, raising on Ctrl-C (after asking
/// the work to stop through `watch`). `progress` draws a bar of `watch.done()` against its total.
pub fn run<T, F>(
    py: Python<'_>,
    progress: &Progress,
    watch: Arc<dyn Watched>,
    work: F,
) -> PyResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    if progress.mode == ProgressMode::On && py.import("tqdm.auto").is_err() {
        return Err(PyImportError::new_err(
            "progress=True needs tqdm: pip install tqdm",
        ));
    }
    let (tx, mut rx) = sync_channel(1);
    std::thread::Builder::new()
        .name("journey".into())
        .spawn(move || {
            // The receiver is gone only if the caller was interrupted; the result is dropped.
            let _ = tx.send(work());
        })
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start a thread: {e}")))?;
    let start = Instant::now();
    let mut bar: Option<Bar<'_>> = None;
    let mut bar_tried = false;
    loop {
        // The receiver is not Sync: it moves into the GIL-free wait and back out.
        let (got, back) = py.detach(move || (rx.recv_timeout(TICK), rx));
        rx = back;
        match got {
            Ok(v) => {
                if let Some(mut b) = bar {
                    b.update(progress.total.max(watch.done()))?;
                    b.close()?;
                }
                return Ok(v);
            }
            Err(RecvTimeoutError::Disconnected) => {
                return Err(PyRuntimeError::new_err(
                    "journey: the worker thread stopped without a result (a bug; please report it)",
                ))
            }
            Err(RecvTimeoutError::Timeout) => {
                if let Err(e) = py.check_signals() {
                    watch.cancel();
                    if let Some(b) = bar {
                        let _ = b.close();
                    }
                    return Err(e);
                }
                let due = match progress.mode {
                    ProgressMode::Off => false,
                    ProgressMode::On => true,
                    ProgressMode::Auto => start.elapsed() >= SHOW_AFTER,
                };
                if due && !bar_tried && progress.total > 0 {
                    bar_tried = true;
                    bar = Bar::open(py, progress).inspect_err(|_| watch.cancel())?;
                }
                if let Some(b) = bar.as_mut() {
                    b.update(watch.done()).inspect_err(|_| watch.cancel())?;
                }
            }
        }
    }
}

/// [`run`] without a progress bar: analyses and other calls that may take a while.
pub fn detach<T, F>(py: Python<'_>, work: F) -> PyResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    run(py, &Progress::none(), Arc::new(Watch::default()), work)
}

/// A reader that counts the bytes read into `watch.done` and fails once the watch is cancelled,
/// so that a CSV or JSON load stops at its next read. (Not with `ErrorKind::Interrupted`:
/// `read_to_end` retries those.)
pub struct Counting<R> {
    pub inner: R,
    pub watch: Arc<Watch>,
}

impl<R: std::io::Read> std::io::Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.watch.cancelled.load(Ordering::Relaxed) {
            return Err(std::io::Error::other("the load was cancelled"));
        }
        let n = self.inner.read(buf)?;
        self.watch.done.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}
