"""Long work: it runs without the GIL, Ctrl-C interrupts it, and long loads show a progress bar."""

import _thread
import sys
import threading
import time

import pytest

import journey


@pytest.fixture(scope="module")
def big_csv():
    log, _ = journey.synthetic(customers=60_000, seed=9)  # about half a million events
    return log.to_csv()


def test_ctrl_c_interrupts_a_load(big_csv):
    timer = threading.Timer(0.01, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            # Several loads in a row: the interrupt lands in one of them, not between.
            for _ in range(20):
                journey.EventLog.from_csv_text(big_csv, progress=False)
    finally:
        timer.cancel()
    # Nothing is left broken: the next load works.
    assert journey.EventLog.from_csv_text(big_csv, progress=False).n_events > 0


def test_other_threads_run_during_a_load(big_csv):
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.001)

    t = threading.Thread(target=tick)
    t.start()
    try:
        before = len(ticks)
        for _ in range(3):
            journey.EventLog.from_csv_text(big_csv, progress=False)
        during = len(ticks) - before
    finally:
        stop.set()
        t.join()
    assert during > 5


def test_progress_bar_on_request(big_csv, capsys):
    pytest.importorskip("tqdm")
    for _ in range(5):
        journey.EventLog.from_csv_text(big_csv, progress=True)
        err = capsys.readouterr().err
        if "journey: reading events" in err:
            break
    else:
        pytest.fail("no progress bar was drawn")


def test_progress_true_needs_tqdm(big_csv, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # import fails
    with pytest.raises(ImportError, match="tqdm"):
        journey.EventLog.from_csv_text(big_csv, progress=True)
    # Without a request, no bar and no error.
    journey.EventLog.from_csv_text(big_csv)
    with pytest.raises(journey.ArgumentError):
        journey.EventLog.from_csv_text("", progress="yes")


def test_analyses_are_interruptible_too():
    log, _ = journey.synthetic(customers=3000, seed=9)
    timer = threading.Timer(0.01, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            for _ in range(200):
                log.attribution(model="shapley")
    finally:
        timer.cancel()


@pytest.fixture(scope="module")
def big_csv_path(big_csv, tmp_path_factory):
    path = tmp_path_factory.mktemp("run") / "events.csv"
    path.write_text(big_csv)
    return path


def test_ctrl_c_interrupts_a_load_from_a_mapped_file(big_csv_path, big_csv):
    # A CSV file is read through a memory map; Ctrl-C stops it between batches.
    timer = threading.Timer(0.01, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            for _ in range(20):
                journey.read_events(str(big_csv_path), progress=False)
    finally:
        timer.cancel()
    from_file = journey.read_events(big_csv_path, progress=False)
    from_text = journey.EventLog.from_csv_text(big_csv, progress=False)
    assert from_file.n_events == from_text.n_events > 400_000
    steps = ["landing_page", "product_page", "purchase"]
    assert from_file.funnel(steps).to_json() == from_text.funnel(steps).to_json()


def test_progress_bar_of_a_file_counts_its_bytes(big_csv_path, capsys):
    pytest.importorskip("tqdm")
    journey.read_events(big_csv_path, progress=True)
    err = capsys.readouterr().err
    assert "journey: reading events" in err
    # The bar ends at the file's size (tqdm scales bytes: 24.1M/24.1M or so).
    assert "100%" in err, err[-300:]
