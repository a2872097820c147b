"""Protects the messages a partner sees for a bad scenario file: each names the file, the field
path, the bad value and what is allowed, and the command line exits 2 without a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cspmodel import ScenarioError, load_scenario
from cspmodel.cli import main

GOOD_SEGMENT = """segments:
  - name: SMB
    product_mix: {m365_business_premium: 1.0}
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _refused(path: Path) -> tuple[ScenarioError, str]:
    """The error load_scenario raises, and what `cspmodel validate` prints (exit code 2)."""
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # not an uncaught error
    assert "Traceback" not in result.output
    return caught.value, result.output


def _assert_names(output: str, *parts: str) -> None:
    for part in parts:
        assert part in output, f"{part!r} missing from:\n{output}"


def test_unknown_key_typo_suggests_the_right_key(tmp_path: Path) -> None:
    path = _write(tmp_path, "typo.yaml", "name: t\nhorizn_months: 36\n" + GOOD_SEGMENT)
    err, out = _refused(path)
    problem = err.problems[0]
    assert (problem.source, problem.path, problem.value) == (str(path), "horizn_months", 36)
    _assert_names(out, "typo.yaml", "horizn_months = 36", "did you mean 'horizon_months'",
                  "allowed keys here:")


def test_wrong_type_says_a_number_is_expected(tmp_path: Path) -> None:
    path = _write(tmp_path, "type.yaml", "name: t\nhorizon_months: thirty\n" + GOOD_SEGMENT)
    err, out = _refused(path)
    assert err.problems[0].path == "horizon_months"
    _assert_names(out, "type.yaml", "horizon_months = 'thirty'", "must be a whole number")


def test_negative_count_says_the_allowed_range(tmp_path: Path) -> None:
    text = GOOD_SEGMENT.replace("  - name: SMB\n", "  - name: SMB\n    customers_at_start: -5\n")
    path = _write(tmp_path, "negative.yaml", "name: t\n" + text)
    err, out = _refused(path)
    assert err.problems[0].path == "segments.0.customers_at_start"
    _assert_names(out, "negative.yaml", "segments.0.customers_at_start = -5",
                  "allowed: 0 to 1,000,000 (customers)")  # the unit's cap: UNIT_CAPS


def test_share_outside_0_to_1_says_the_allowed_range(tmp_path: Path) -> None:
    text = GOOD_SEGMENT.replace("  - name: SMB\n", "  - name: SMB\n    churn_annual: 1.5\n")
    path = _write(tmp_path, "share.yaml", "name: t\n" + text)
    err, out = _refused(path)
    assert err.problems[0].path == "segments.0.churn_annual"
    _assert_names(out, "share.yaml", "segments.0.churn_annual = 1.5", "allowed: 0 to 1")


def test_mix_not_summing_to_1_says_the_total_and_the_rule(tmp_path: Path) -> None:
    path = _write(tmp_path, "mix.yaml", "name: t\nsegments:\n  - name: SMB\n    product_mix:\n"
                  "      m365_business_premium: 0.6\n      m365_business_basic: 0.3\n")
    err, out = _refused(path)
    assert err.problems[0].path == "segments.0.product_mix"
    _assert_names(out, "mix.yaml", "segments.0.product_mix = ", "'m365_business_premium': 0.6",
                  "sum to 0.9", "must add up to 1")


def test_unknown_product_lists_the_catalog(tmp_path: Path) -> None:
    path = _write(tmp_path, "product.yaml", "name: t\nsegments:\n  - name: SMB\n"
                  "    product_mix: {m365_business_platinum: 1.0}\n")
    err, out = _refused(path)
    assert err.problems[0].path == "segments.0.product_mix.m365_business_platinum"
    _assert_names(out, "product.yaml", "m365_business_platinum", "unknown product",
                  "allowed:", "m365_business_premium", "d365_sales_enterprise")


def test_direct_channel_without_vendor_support_plan_names_the_plans(tmp_path: Path) -> None:
    path = _write(tmp_path, "direct.yaml", "name: t\nchannel: {model: direct}\n" + GOOD_SEGMENT)
    err, out = _refused(path)
    assert err.problems[0].path == "support.vendor_plan"
    _assert_names(out, "direct.yaml", "support.vendor_plan = (empty)",
                  "a direct channel needs a Microsoft support plan",
                  "allowed: advanced_support_for_partners, premier_support_for_partners")


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "malformed.yaml", "name: t\nsegments:\n  - name: SMB\n"
                  "    product_mix: {m365_business_premium: 1.0\n")
    err, out = _refused(path)
    assert err.problems[0].path.startswith("line ")
    _assert_names(out, "malformed.yaml", "line ", "malformed YAML", "expected ',' or '}'")


def test_empty_file_says_what_a_scenario_needs(tmp_path: Path) -> None:
    path = _write(tmp_path, "empty.yaml", "")
    err, out = _refused(path)
    assert err.problems[0].source == str(path)
    _assert_names(out, "empty.yaml", "the file is empty", "at least a name and one segment")


def test_python_object_tag_is_refused_and_nothing_runs(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    text = (f'name: !!python/object/apply:os.system ["touch {marker}"]\n' + GOOD_SEGMENT)
    path = _write(tmp_path, "tag.yaml", text)
    err, out = _refused(path)
    _assert_names(out, "tag.yaml", "line 1", "YAML tag not allowed",
                  "plain values, lists and mappings only")
    # the real command, in its own process, refuses it too
    done = subprocess.run([sys.executable, "-m", "cspmodel.cli", "validate", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stdout + done.stderr
    assert not marker.exists()


def test_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    err, out = _refused(path)
    assert err.problems[0].source == str(path)
    _assert_names(out, "nowhere.yaml", "no such file")


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    path = _write(tmp_path, "two.yaml", "name: t\nhorizon_months: 0\ndiscount_rate_annual: 2\n"
                  + GOOD_SEGMENT)
    err, out = _refused(path)
    assert {p.path for p in err.problems} == {"horizon_months", "discount_rate_annual"}
    _assert_names(out, "allowed: 1 to 240 (months)", "allowed: 0 to 1 (share/yr)")


def test_a_bad_file_does_not_stop_the_others_being_checked(tmp_path: Path) -> None:
    good = _write(tmp_path, "good.yaml", "name: t\n" + GOOD_SEGMENT)
    bad = _write(tmp_path, "bad.yaml", "name: t\nhorizon_months: -1\n" + GOOD_SEGMENT)
    result = CliRunner().invoke(main, ["validate", str(bad), str(good)])
    assert result.exit_code == 2
    _assert_names(result.output, "good.yaml: ok", "bad.yaml: horizon_months = -1",
                  "1 of 2 scenario file(s) invalid")


def test_key_written_twice_is_refused_not_silently_overwritten(tmp_path: Path) -> None:
    text = GOOD_SEGMENT.replace("  - name: SMB\n", "  - name: SMB\n    churn_annual: 0.1\n")
    path = _write(tmp_path, "twice.yaml", "name: t\n" + text + "    churn_annual: 0.3\n")
    err, out = _refused(path)
    assert err.problems[0].path == "line 6, column 5"
    _assert_names(out, "twice.yaml", "the key 'churn_annual' is written twice",
                  "first on line 4", "keep one")


THREE_MISTAKES = """name: three mistakes
segments:
- name: SMB
  customers_at_start: 10
  churn_anual: 0.1
  product_mix: {m365_business_premium: 1}
- name: Mid
  churn_annual: 8
  product_mix: {m365_business_premum: 1}
"""


def test_validate_names_every_problem_of_a_file_in_one_run(tmp_path) -> None:
    from click.testing import CliRunner

    from cspmodel.cli import main

    path = tmp_path / "three.yaml"
    path.write_text(THREE_MISTAKES, encoding="utf-8")
    out = CliRunner().invoke(main, ["validate", str(path)])
    assert out.exit_code == 2
    lines = [line for line in out.output.splitlines() if line.startswith(str(path))]
    assert len(lines) == 3, out.output
    assert "churn_anual" in lines[0] and "did you mean 'churn_annual'" in lines[0]
    assert "segments.1.churn_annual = 8" in lines[1] and "did you mean 0.08?" in lines[1]
    assert "did you mean 'm365_business_premium'" in lines[2]
