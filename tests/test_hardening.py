"""Every bad input refused in bounded time and memory (issue "Hardening", failures 1 to 4): each
case failed on the main of before (a traceback, a hang, gigabytes, or a silent coercion) and is
now refused with the file, the key, the value and what is allowed, exit 2."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

import cspmodel
from cspmodel.cli import main
from cspmodel.errors import ScenarioError
from cspmodel.io import MAX_NODES, load_scenario_text

SEGMENT = "segments:\n- name: A\n  product_mix: {m365_business_basic: 1}\n"


def validate(tmp_path: Path, text: str, name: str = "bad.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = CliRunner().invoke(main, ["validate", str(path)])
    assert out.exit_code == 2, out.output
    assert "Traceback" not in out.output
    return out.output


# 1. non-finite, huge and subnormal numbers -------------------------------------------------
@pytest.mark.parametrize("value, says", [
    (".inf", "must be a finite number"), ("-.inf", "must be a finite number"),
    (".nan", "must be a finite number"), ("1e308", "allowed: 0 to 1,000,000 (customers)"),
    ("1.0e+300", "allowed: 0 to 1,000,000 (customers)"),
])
def test_non_finite_and_huge_numbers_are_refused(tmp_path, value, says) -> None:
    text = ("name: x\nsegments:\n- name: A\n  customers_at_start: " + value
            + "\n  product_mix: {m365_business_basic: 1}\n")
    output = validate(tmp_path, text)
    assert "segments.0.customers_at_start" in output and says in output


@pytest.mark.parametrize("key, value", [
    ("seats_per_customer", "1e-320"), ("churn_annual", "1.0e-300"),
    ("new_customers_per_month", "5e-324")])
def test_subnormal_numbers_are_refused(tmp_path, key, value) -> None:
    output = validate(tmp_path, f"name: x\nsegments:\n- name: A\n  {key}: {value}\n"
                                "  product_mix: {m365_business_basic: 1}\n")
    assert f"segments.0.{key}" in output and "too small to mean anything" in output


def test_every_money_key_has_an_upper_bound() -> None:
    from cspmodel.checking import field_bounds
    from cspmodel.reference_doc import key_paths  # noqa: F401 - the documented keys
    from cspmodel.schema import Scenario

    def walk(model, path: str = ""):  # noqa: ANN001, ANN202
        import typing

        from pydantic import BaseModel

        for name, field in model.model_fields.items():
            ann = field.annotation
            for a in (ann, *typing.get_args(ann)):
                inner = typing.get_args(a)[0] if typing.get_args(a) and not isinstance(
                    a, type) else a
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    yield from walk(inner, f"{path}{name}.")
            extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
            if str(extra.get("unit", "")).startswith(("currency", "customers", "seats")):
                yield f"{path}{name}", field_bounds(field)

    found = list(walk(Scenario))
    assert len(found) > 25
    assert all("le" in b or "lt" in b for _k, b in found), [k for k, b in found
                                                             if "le" not in b]


def test_a_huge_value_runs_to_finite_figures_or_is_refused() -> None:
    s = cspmodel.load_scenario("scenarios/small_indirect_msp.yaml")
    big = s.with_overrides({"segments.0.customers_at_start": 1_000_000,
                            "segments.0.seats_per_customer": 1_000})
    r = cspmodel.simulate(big)
    assert r.monthly.map(lambda v: abs(float(v)) < float("inf")).all().all()


# 2. aliases that expand past the limit, and an error that would print them -----------------
def test_billion_laughs_is_refused_before_it_expands(tmp_path) -> None:
    text = "name: lol\na0: &a0 [x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 10):
        text += f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n"
    text += "segments: *a9\n"
    output = validate(tmp_path, text)
    assert f"more than {MAX_NODES:,} values once its aliases" in output
    assert len(output) < 400  # the error never writes the expanded value


def test_an_error_shows_a_large_value_cut_short() -> None:
    big = "name: x\nsegments:\n- name: A\n  product_mix: [" + ", ".join(["1"] * 5000) + "]\n"
    with pytest.raises(ScenarioError) as err:
        load_scenario_text(big, "big.yaml")
    assert all(len(str(p)) < 400 for p in err.value.problems)


# 3. files that are not files, and runs past the memory budget -------------------------------
def test_a_device_a_pipe_and_a_folder_are_refused_unread(tmp_path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    for path in ("/dev/zero", str(fifo)):
        out = CliRunner().invoke(main, ["validate", path])
        assert out.exit_code == 2 and "not a regular file" in out.output, out.output
    out = CliRunner().invoke(main, ["validate", str(tmp_path)])  # click refuses a folder
    assert out.exit_code == 2 and "is a directory" in out.output


def test_a_file_past_the_size_limit_is_refused(tmp_path) -> None:
    from cspmodel.io import MAX_FILE_BYTES

    path = tmp_path / "large.yaml"
    path.write_text("name: x\n" + SEGMENT + "# " + "x" * MAX_FILE_BYTES + "\n")
    out = CliRunner().invoke(main, ["validate", str(path)])
    assert out.exit_code == 2 and f"at most {MAX_FILE_BYTES:,}" in out.output


def test_a_run_past_the_memory_budget_is_refused_before_it_starts() -> None:
    s = cspmodel.load_scenario("scenarios/growing_var_weighing_direct.yaml")
    seg = s.segments[0].model_dump(mode="json")
    many = s.with_overrides({"segments": [dict(seg, name=f"S{i}") for i in range(2_000)],
                             "horizon_months": 240})
    with pytest.raises(ScenarioError, match="past the budget of 4 GiB"):
        cspmodel.simulate(many, paths=1_000)


# 4. tracebacks and silent coercions -------------------------------------------------------
@pytest.mark.parametrize("dist", ["{dist: {a: 1}, low: 0, high: 1}",
                                  "{dist: [uniform], low: 0, high: 1}"])
def test_a_distribution_named_by_a_mapping_or_a_list_is_refused(tmp_path, dist) -> None:
    output = validate(tmp_path, f"name: x\nsegments:\n- name: A\n  churn_annual: {dist}\n"
                                "  product_mix: {m365_business_basic: 1}\n")
    assert "segments.0.churn_annual" in output and "unknown distribution" in output


def test_deep_nesting_is_refused(tmp_path) -> None:
    output = validate(tmp_path, "name: x\nx: " + "[" * 5000 + "]" * 5000 + "\n" + SEGMENT)
    assert "nested more than" in output


@pytest.mark.parametrize("head, says", [
    ("start_month: 9990-01\nhorizon_months: 240\n", "within the years 2000 to 2100"),
    ("start_month: 1990-01\n", "within the years 2000 to 2100"),
    ("horizon_months: true\n", "horizon_months = True: must be a number, not true or false"),
    ("start_month: 0\n", "start_month = 0: '0' is not a month"),
    ("start_month: 202601\n", "is not a month"),
])
def test_dates_and_counts_are_not_coerced(tmp_path, head, says) -> None:
    assert says in validate(tmp_path, "name: x\n" + head + SEGMENT)


# 6. run --out and report --out replace their output as one unit ----------------------------
SMALL = "scenarios/small_indirect_msp.yaml"


def test_run_out_replaces_the_folder_as_one_unit(tmp_path, monkeypatch) -> None:
    out = tmp_path / "out"
    first = CliRunner().invoke(main, ["run", SMALL, "--out", str(out)])
    assert first.exit_code == 0, first.output
    old = {p.name: p.read_bytes() for p in out.iterdir()}
    # killed while the second set is being put in place: the old set stays whole
    import cspmodel.util as util

    def killed(src, dst):  # noqa: ANN001, ANN202
        if Path(dst) == out and Path(src).name.startswith(".cspmodel-"):
            raise KeyboardInterrupt  # Ctrl-C as the new folder is renamed into place
        return real(src, dst)

    real = util.os.replace
    monkeypatch.setattr(util.os, "replace", killed)
    res = CliRunner().invoke(main, ["run", SMALL, "--out", str(out), "--set",
                                    "segments.0.churn_annual=0.3"])
    assert res.exit_code != 0
    monkeypatch.setattr(util.os, "replace", real)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == old  # the old set, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging, no .old
    # a normal second run replaces both files together
    res = CliRunner().invoke(main, ["run", SMALL, "--out", str(out), "--set",
                                    "segments.0.churn_annual=0.3"])
    assert res.exit_code == 0
    assert (out / "summary.json").read_bytes() != old["summary.json"]
    assert (out / "monthly.csv").read_bytes() != old["monthly.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_run_out_never_replaces_a_folder_of_other_files(tmp_path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    res = CliRunner().invoke(main, ["run", SMALL, "--out", str(tmp_path)])
    assert res.exit_code == 1 and "holds other files (notes.txt)" in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_an_unwritable_folder_is_one_line_exit_1(tmp_path, monkeypatch) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    if os.access(locked, os.W_OK):  # root writes anywhere: the folder refuses as it would
        import errno

        import cspmodel.cli
        import cspmodel.util

        def denied(*_a, **_k):  # noqa: ANN202
            raise PermissionError(errno.EACCES, "Permission denied")

        monkeypatch.setattr(cspmodel.cli.tempfile, "mkdtemp", denied)
        monkeypatch.setattr(cspmodel.util.tempfile, "mkstemp", denied)
    try:
        for args in (["run", SMALL, "--out", str(locked / "out")],
                     ["report", SMALL, "--format", "xlsx", "--out", str(locked / "x.xlsx")]):
            res = CliRunner().invoke(main, args)
            assert res.exit_code == 1 and "Error: cannot write" in res.output, res.output
            assert "Traceback" not in res.output
    finally:
        locked.chmod(0o700)


def test_a_full_disk_is_one_line_exit_1(tmp_path, monkeypatch) -> None:
    import errno

    import cspmodel.util as util

    def full(*_a, **_k):  # noqa: ANN202
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(util.tempfile, "mkstemp", full)
    res = CliRunner().invoke(main, ["report", SMALL, "--format", "xlsx", "--out",
                                    str(tmp_path / "x.xlsx")])
    assert res.exit_code == 1 and "No space left on device" in res.output
    assert "Traceback" not in res.output and not list(tmp_path.iterdir())


# 5. the batch is transactional; Ctrl-C stops it whole -------------------------------------
def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_an_interrupted_batch_leaves_the_previous_output_whole(tmp_path, monkeypatch) -> None:
    from cspmodel import batch

    out = tmp_path / "report"
    calls = []

    def fake(job, execute=None, sleep=None):  # noqa: ANN001, ANN202 - no kernel needed
        calls.append(job.name)
        folder = Path(job.out_root) / job.name
        folder.mkdir(parents=True)
        (folder / "summary.json").write_text(cspmodel.result.summary_json(cspmodel.simulate(
            cspmodel.load_scenario(job.scenario_path))))
        (folder / "report.html").write_text(f"<p>{len(calls)}</p>")
        return batch.RunOutcome(job.name, job.scenario_path, ok=True, title=job.title,
                                files=["report.html", "summary.json"])

    monkeypatch.setattr(batch, "execute_job", fake)
    scenarios = ["scenarios/small_indirect_msp.yaml", "scenarios/new_msp_launch.yaml"]
    res = CliRunner().invoke(main, ["batch", *scenarios, "--out", str(out), "--jobs", "1"])
    assert res.exit_code == 0, res.output
    before = _snapshot(out)
    assert "index.html" in before and "small_indirect_msp/report.html" in before

    started: list[str] = []

    def interrupted(job, execute=None, sleep=None):  # noqa: ANN001, ANN202
        started.append(job.name)
        if len(started) == 1:
            return fake(job)  # the first scenario finishes...
        raise KeyboardInterrupt  # ...then Ctrl-C

    monkeypatch.setattr(batch, "execute_job", interrupted)
    res = CliRunner().invoke(main, ["batch", *scenarios, "--out", str(out), "--jobs", "1"])
    assert res.exit_code == 130
    assert res.output.strip().count("\n") == 0 and "Interrupted" in res.output
    assert _snapshot(out) == before  # the previous batch, whole: its index matches its reports
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]  # no staging left


def test_a_batch_into_an_unwritable_place_is_one_line_exit_1(tmp_path, monkeypatch) -> None:
    import errno

    from cspmodel import batch

    def denied(*_a, **_k):  # noqa: ANN202
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(batch.tempfile, "mkdtemp", denied)
    res = CliRunner().invoke(main, ["batch", "scenarios/small_indirect_msp.yaml", "--out",
                                    str(tmp_path / "out")])
    assert res.exit_code == 1 and "Error: cannot write" in res.output
    assert "Traceback" not in res.output


def test_sigint_to_the_batch_process_alone_stops_its_workers(tmp_path) -> None:
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "report"
    proc = subprocess.Popen([sys.executable, "-m", "cspmodel.cli", "batch", "scenarios",
                             "--out", str(out), "--jobs", "2"], cwd=Path(__file__).parents[1],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        time.sleep(6)  # the workers have started their kernels
        proc.send_signal(signal.SIGINT)  # to the main process only, not its group
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err[-1500:]
    assert "Traceback" not in err and "Interrupted" in err
    assert not out.exists()  # no batch before: nothing written
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the workers and their kernels are gone
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.5)
    else:
        os.killpg(proc.pid, signal.SIGKILL)
        raise AssertionError("worker processes were still running 30 s after the interrupt")


def test_a_number_is_not_read_as_a_date(tmp_path) -> None:
    text = ("name: x\nproducts:\n- id: m365_business_basic\n  price_changes:\n"
            "  - {effective: 1780000000, list_price_per_seat_month: 7}\n" + SEGMENT)
    assert "is not a date; write it as YYYY-MM-DD" in validate(tmp_path, text)
