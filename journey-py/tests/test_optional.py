"""pandas, polars, pyarrow, numpy and tqdm are optional: without them the module imports and
works; the conversions that need one say which."""

import subprocess
import sys
import textwrap

BLOCKED = ["pandas", "polars", "pyarrow", "numpy", "tqdm"]


def test_module_works_without_dataframe_libraries():
    code = textwrap.dedent(
        f"""
        import sys

        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {BLOCKED!r}:
                    raise ImportError("blocked: " + name)

        sys.meta_path.insert(0, Block())
        import journey

        log, _ = journey.synthetic(customers=50, seed=1)
        again = journey.EventLog.from_arrow(log)  # Arrow crosses without pyarrow
        assert again.to_csv() == log.to_csv()
        r = log.attribution()
        assert r.to_records() and r._repr_html_()
        for f in (log.to_pandas, log.to_polars, log.to_arrow, r.to_pandas, r.to_polars):
            try:
                f()
            except ImportError as e:
                assert "pip install" in str(e), e
            else:
                raise AssertionError(f)
        try:
            journey.EventLog.from_pandas(object())
        except ImportError as e:
            assert "pyarrow" in str(e)
        assert not [m for m in sys.modules if m.split(".")[0] in {BLOCKED!r}]
        print("ok")
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
