"""Malformed scenarios and command lines (README, "Command line").

Each must exit 1 with one error message on stderr that names the file, the
line and the key where it has them, the value and what is allowed; create no
output file; and leave an existing output file byte-identical, even under
--force.
"""

import dataclasses
import os

import pytest

from conftest import (SMALL_SCENARIO, certain_shortfall_warnings, late_settlement_warning,
                      run_binary, run_ok)

ERROR_PREFIX = "shortfall: error: "
# CLI11 reports option errors itself: its message, then this hint, on stderr.
CLI11_HINT = "Run with --help for more information."
SENTINEL = b"an existing results file that must survive\n"


@dataclasses.dataclass
class ScenarioCase:
    id: str
    old: str | None  # text of SMALL_SCENARIO to replace; None: `new` is the whole file
    new: str
    # a text found on the offending line of the edited file (and on no other),
    # or (text, n) for its n-th line; None: the error has no line
    line_of: str | tuple | None
    fragments: tuple  # what the message must say: key, value, what is allowed

    def text(self):
        if self.old is None:
            return self.new
        assert SMALL_SCENARIO.count(self.old) >= 1, self.old
        return SMALL_SCENARIO.replace(self.old, self.new, 1)

    def line(self, text):
        if self.line_of is None:
            return None
        marker, nth = self.line_of if isinstance(self.line_of, tuple) else (self.line_of, None)
        numbers = [n for n, line in enumerate(text.splitlines(), 1) if marker in line]
        if nth is not None:
            return numbers[nth - 1]
        assert len(numbers) == 1, f"{marker!r} is on lines {numbers}"
        return numbers[0]


def matrix(rows):
    body = "".join(f"  [{', '.join(str(x) for x in row)}],\n" for row in rows)
    return f"correlation = [\n{body}]"


def identity_with(entries):
    rows = [[1.0 if i == j else 0.0 for j in range(6)] for i in range(6)]
    for (i, j), value in entries.items():
        rows[i][j] = value
    return rows


def without_indicators():
    return SMALL_SCENARIO[:SMALL_SCENARIO.index("[[indicator]]")]


# A prime network (docs/model.md 9): the trust leads, two VCS subcontractors.
NETWORK_SCENARIO = """title = "End-to-end prime network"

[simulation]
runs = 200
horizon_months = 12

[network]
model = "prime"
lead = "trust"

[[network.subcontract]]
provider = "vcs_a"
value = 4.8e6
pass_through = 1.0
payment_delay_months = 1

[[network.subcontract]]
provider = "vcs_b"
value = 2.4e6

[[provider]]
id = "trust"
opening_cash = 5.0e6
[provider.contract]
annual_value = 100.0e6
structures = ["bonus", "withhold"]

[[provider.indicator]]
id = "eip"
weight = 0.5
baseline = 0.58
target = 0.60

[[provider.indicator]]
id = "crisis"
weight = 0.5
baseline = 0.8
target = 0.85
delivered_by = "vcs_a"

[[provider]]
id = "vcs_a"
opening_cash = 0.3e6

[[provider]]
id = "vcs_b"
"""


def network(old, new):
    assert NETWORK_SCENARIO.count(old) >= 1, old
    return NETWORK_SCENARIO.replace(old, new, 1)


SCENARIO_CASES = [
    # unknown and misspelt keys
    ScenarioCase("unknown_top_level_key", 'title = "End-to-end test trust"',
                 'title = "End-to-end test trust"\ncolour = "blue"', "colour",
                 ("unknown key 'colour'",)),
    ScenarioCase("unknown_provider_key", "overdraft_rate = 0.035",
                 'overdraft_rate = 0.035\ncolour = "red"', "colour",
                 ("unknown key 'provider.colour'",)),
    ScenarioCase("unknown_indicator_key", "cases_per_month = 6",
                 'cases_per_month = 6\ncolour = "red"', "colour",
                 ("unknown key 'indicator.eip_two_weeks.colour'",)),
    ScenarioCase("misspelt_top_level_key", 'title = "End', 'titel = "End', "titel",
                 ("unknown key 'titel'", "(did you mean 'title'?)")),
    ScenarioCase("misspelt_table", "[demand]", "[demnad]", "[demnad]",
                 ("unknown key 'demnad'", "(did you mean 'demand'?)")),
    ScenarioCase("misspelt_provider_key", "opening_cash = 3.0e6", "opening_csh = 3.0e6",
                 "opening_csh", ("unknown key 'provider.opening_csh'", "(did you mean 'opening_cash'?)")),
    ScenarioCase("misspelt_indicator_key", "weight = 0.25", "wieght = 0.25", "wieght",
                 ("unknown key 'indicator.eip_two_weeks.wieght'", "(did you mean 'weight'?)")),
    ScenarioCase("sweep_without_parameters", "[performance]", '[sweep]\nmode = "grid"\n\n[performance]',
                 "[sweep]", ("sweep.parameters must be a table of swept keys",)),
    ScenarioCase("sweep_point_out_of_range", "[performance]",
                 '[sweep]\n[sweep.parameters]\n"contract.outcome_share" = [0.03, 1.3]\n\n[performance]',
                 '"contract.outcome_share"',
                 ("sweep point 1 of 0..1 (contract.outcome_share = 1.3)",
                  "contract.outcome_share = 1.3 is outside [0, 1]")),
    ScenarioCase("sweep_unknown_key", "[performance]",
                 '[sweep]\n[sweep.parameters]\n"provider.opening_csh" = [0.0]\n\n[performance]',
                 '"provider.opening_csh"', ("unknown key 'provider.opening_csh'", "(did you mean 'opening_cash'?)")),
    ScenarioCase("min_runs_without_target", "runs = 1000", "runs = 1000\nmin_runs = 500", "min_runs",
                 ("simulation.min_runs is only used with simulation.target_halfwidth",)),
    # wrong types
    ScenarioCase("string_for_number", "opening_cash = 3.0e6", 'opening_cash = "lots"', "opening_cash",
                 ('provider.opening_cash = "lots"', "must be a number")),
    ScenarioCase("number_for_name", 'basis = "block"', "basis = 3", "basis",
                 ("contract.basis = 3", "must be one of block, capitation, episodic")),
    ScenarioCase("fraction_for_integer", "runs = 1000", "runs = 1.5", "runs =",
                 ("simulation.runs = 1.5", "must be an integer")),
    # out of range
    ScenarioCase("runs_zero", "runs = 1000", "runs = 0", "runs =",
                 ("simulation.runs = 0", "is outside [1, 1000000000]")),
    ScenarioCase("horizon_zero", "horizon_months = 36", "horizon_months = 0", "horizon_months",
                 ("simulation.horizon_months = 0", "is outside [1, 1200]")),
    ScenarioCase("negative_seed", "seed = 424242", "seed = -5", "seed",
                 ("simulation.seed = -5", "is outside [0, 2^64)")),
    ScenarioCase("outcome_share_above_one", "outcome_share = 0.03", "outcome_share = 1.3", "outcome_share",
                 ("contract.outcome_share = 1.3", "is outside [0, 1]")),
    ScenarioCase("negative_indicator_volatility", "volatility = 0.12", "volatility = -0.12",
                 "volatility = -0.12",
                 ("indicator.eip_two_weeks.volatility = -0.12", "is outside [0, inf)")),
    ScenarioCase("negative_demand_volatility", "volatility = 0.03", "volatility = -0.03",
                 "volatility = -0.03", ("demand.volatility = -0.03", "is outside [0, inf)")),
    ScenarioCase("reversion_above_one", "reversion = 0.2", "reversion = 1.5", "reversion = 1.5",
                 ("indicator.eip_two_weeks.reversion = 1.5", "is outside [0, 1]")),
    # the loader prints 1.0 in its shortest form
    ScenarioCase("baseline_one", "baseline = 0.58", "baseline = 1.0", "baseline = 1.0",
                 ("indicator.eip_two_weeks.baseline = 1 ", "is outside (0, 1)")),
    ScenarioCase("persistence_minus_one", "persistence = 0.7", "persistence = -1", "persistence",
                 ("demand.persistence = -1", "is outside (-1, 1]")),
    ScenarioCase("fixed_cost_share_two", "fixed_cost_share = 0.75", "fixed_cost_share = 2",
                 "fixed_cost_share", ("provider.fixed_cost_share = 2", "is outside [0, 1]")),
    ScenarioCase("negative_overdraft_rate", "overdraft_rate = 0.035", "overdraft_rate = -0.1",
                 "overdraft_rate", ("provider.overdraft_rate = -0.1", "is outside [0, 1]")),
    ScenarioCase("negative_cases_per_month", "cases_per_month = 6", "cases_per_month = -6",
                 "cases_per_month = -6",
                 ("indicator.eip_two_weeks.cases_per_month = -6", "is outside [0, 1000000]")),
    ScenarioCase("opening_cash_nan", "opening_cash = 3.0e6", "opening_cash = nan", "opening_cash",
                 ("provider.opening_cash = nan", "is outside (-inf, inf)")),
    ScenarioCase("stress_start_below_threshold", "stress_start_cash = 12.0e6", "stress_start_cash = -1.0",
                 "stress_start_cash",
                 ("provider.stress_start_cash = -1", "must be greater than provider.shortfall_threshold = 0")),
    ScenarioCase("missing_annual_value", "annual_value = 150.0e6\n", "", "[contract]",
                 ("contract.annual_value is missing",)),
    # indicators, weights and correlation
    ScenarioCase("weights_not_summing_to_one", "weight = 0.25", "weight = 0.3", ("[[indicator]]", 1),
                 ("indicator.*.weight", "sum to 1.05", "must sum to 1")),
    ScenarioCase("indefinite_correlation_matrix", "correlation = 0.2",
                 matrix(identity_with({(0, 1): 0.9, (1, 0): 0.9, (0, 2): 0.9, (2, 0): 0.9,
                                       (0, 3): -0.9, (3, 0): -0.9})),
                 "correlation = [",
                 ("performance.correlation is not positive semi-definite", "smallest eigenvalue is -0.55",
                  "must be >= -1e-10")),
    ScenarioCase("asymmetric_correlation_matrix", "correlation = 0.2",
                 matrix(identity_with({(0, 1): 0.2, (1, 0): 0.3})), "[0.3, 1.0",
                 ("performance.correlation is not symmetric", "row 2, column 1 = 0.3",
                  "row 1, column 2 = 0.2")),
    ScenarioCase("correlation_above_one", "correlation = 0.2", "correlation = 1.5", "correlation",
                 ("performance.correlation = 1.5", "is outside [-0.2, 1]")),
    ScenarioCase("correlation_entry_above_one", "correlation = 0.2",
                 matrix(identity_with({(0, 1): 1.5, (1, 0): 1.5})), "[1.0, 1.5",
                 ("performance.correlation row 1, column 2 = 1.5", "is outside [-1, 1]")),
    ScenarioCase("floor_above_target_higher_is_better", "floor = 0.50", "floor = 0.62", "floor = 0.62",
                 ("indicator.eip_two_weeks.floor = 0.62", "must be below indicator.eip_two_weeks.target = 0.6",
                  "higher is better")),
    ScenarioCase("floor_below_target_lower_is_better", "floor = 0.11", "floor = 0.05", "floor = 0.05",
                 ("indicator.readmission_30_days.floor = 0.05",
                  "must be above indicator.readmission_30_days.target = 0.08", "lower is better")),
    ScenarioCase("floor_equal_to_target", "floor = 0.50", "floor = 0.60", "floor = 0.60",
                 ("indicator.eip_two_weeks.floor = 0.6", "equals indicator.eip_two_weeks.target = 0.6")),
    ScenarioCase("seasonality_zero", "seasonality = [0.99,", "seasonality = [0.0,", "seasonality",
                 ("demand.seasonality[1] = 0", "is outside (0, inf)")),
    ScenarioCase("seasonality_mean_not_one", "seasonality = [0.99, 1.00,", "seasonality = [0.99, 1.10,",
                 "seasonality", ("demand.seasonality has mean 1.0083333333333333", "must average 1")),
    ScenarioCase("seasonality_eleven_values", "seasonality = [0.99, 1.00,", "seasonality = [0.99,",
                 "seasonality", ("demand.seasonality = [", "must be a list of 12 numbers")),
    ScenarioCase("no_indicator", None, without_indicators(), None,
                 ("no [[indicator]]", "at least one outcome indicator")),
    ScenarioCase("duplicate_indicator_id", 'id = "talking_six_weeks"', 'id = "eip_two_weeks"  # again',
                 "# again", ('indicator[2].id = "eip_two_weeks"', "already the id of indicator[1]")),
    ScenarioCase("horizon_not_multiple_of_period", "horizon_months = 36", "horizon_months = 35",
                 "horizon_months",
                 ("simulation.horizon_months = 35", "not a multiple of the assessment period, 3 months",
                  'contract.assessment = "quarterly"')),
    # names
    ScenarioCase("unknown_structure", '"advance"]', '"advanse"]', "structures",
                 ('contract.structures[3] = "advanse"', "bonus, withhold, advance",
                  "(did you mean 'advance'?)")),
    ScenarioCase("no_structure", 'structures = ["bonus", "withhold", "advance"]', "structures = []",
                 "structures", ("contract.structures = []", "at least one structure")),
    ScenarioCase("unknown_basis", 'basis = "block"', 'basis = "blok"', "basis",
                 ('contract.basis = "blok"', "must be one of block, capitation, episodic",
                  "(did you mean 'block'?)")),
    ScenarioCase("unknown_assessment", 'assessment = "quarterly"', 'assessment = "weekly"', "assessment",
                 ('contract.assessment = "weekly"', "must be one of monthly, quarterly, annual")),
    ScenarioCase("unknown_direction", 'direction = "higher"', 'direction = "up"', 'direction = "up"',
                 ('indicator.eip_two_weeks.direction = "up"', "must be one of higher, lower")),
    # networks of providers
    ScenarioCase("network_unknown_lead", None, network('lead = "trust"', 'lead = "trusts"'), "lead =",
                 ('network.lead = "trusts"', "known ids are trust, vcs_a, vcs_b")),
    ScenarioCase("network_unknown_delivered_by", None,
                 network('delivered_by = "vcs_a"', 'delivered_by = "vcs_c"'), "delivered_by",
                 ('provider.trust.indicator.crisis.delivered_by = "vcs_c"', "known ids are trust, vcs_a, vcs_b")),
    ScenarioCase("network_subcontracted_twice", None,
                 network('provider = "vcs_b"', 'provider = "vcs_a"'), ('provider = "vcs_a"', 2),
                 ('network.subcontract.vcs_a.provider = "vcs_a"', "is already subcontracted")),
    ScenarioCase("network_lead_subcontracts_itself", None,
                 network('provider = "vcs_b"', 'provider = "trust"'), 'provider = "trust"',
                 ("is the lead (network.lead)", "cannot subcontract itself")),
    ScenarioCase("network_lead_missing", None, network('lead = "trust"\n', ""), "[network]",
                 ("network.lead is missing",)),
    ScenarioCase("network_fee_outside_integrator", None,
                 network('lead = "trust"', 'lead = "trust"\nmanagement_fee = 0.04'), "management_fee",
                 ("network.management_fee = 0.04", 'only used with model = "integrator"')),
    ScenarioCase("network_pass_through_above_one", None,
                 network("pass_through = 1.0", "pass_through = 1.5"), "pass_through",
                 ("network.subcontract.vcs_a.pass_through = 1.5", "is outside [0, 1]")),
    ScenarioCase("network_delay_beyond_horizon", None,
                 network("payment_delay_months = 1", "payment_delay_months = 13"), "payment_delay_months",
                 ("network.subcontract.vcs_a.payment_delay_months = 13", "is outside [0, 12]")),
    ScenarioCase("network_subcontract_larger_than_contract", None,
                 network("value = 2.4e6", "value = 200e6"), "value = 200e6",
                 ("network.subcontract.vcs_b.value = 200000000", "is larger than provider.trust.contract.annual_value")),
    ScenarioCase("network_subcontractor_with_contract", None,
                 network('id = "vcs_b"\n', 'id = "vcs_b"\n[provider.contract]  # here\nannual_value = 1e6\n'),
                 "# here", ("provider.vcs_b.contract is not allowed", "subcontractor of trust")),
    ScenarioCase("network_risk_share_in_prime", None,
                 network('structures = ["bonus", "withhold"]',
                         'structures = ["bonus", "withhold"]\nrisk_share = { corridor = 0.02, commissioner_share = 0.5 }'),
                 "risk_share", ("provider.trust.contract.risk_share is only for an alliance member",)),
    ScenarioCase("network_subcontracts_in_alliance", None,
                 network('model = "prime"\nlead = "trust"', 'model = "alliance"'),
                 ("[[network.subcontract]]", 1), ("an alliance has no subcontracts",)),
    ScenarioCase("network_top_level_demand", None, NETWORK_SCENARIO + "\n[demand]\nvolatility = 0.1\n",
                 "[demand]", ("cannot have a top-level [demand]", "[provider.demand]")),
    ScenarioCase("network_misspelt_provider_key", None,
                 network("opening_cash = 0.3e6", "opening_csh = 0.3e6"), "opening_csh",
                 ("unknown key 'provider.vcs_a.opening_csh'", "(did you mean 'opening_cash'?)")),
    ScenarioCase("network_duplicate_indicator_id", None, network('id = "crisis"', 'id = "eip"  # again'),
                 "# again", ('provider.trust.indicator[2].id = "eip"', "already the id of provider.trust.indicator[1]")),
    ScenarioCase("network_prime_values_exceed_contract", None, network("value = 2.4e6", "value = 95.2e6"),
                 ("[[network.subcontract]]", 1),
                 ("sum to 100000000", "not below provider.trust.contract.annual_value = 100000000")),
    # segments
    ScenarioCase("segment_with_contract_value", None,
                 without_indicators().replace("annual_value = 150.0e6", "annual_value = 150.0e6  # here", 1)
                 + '\n[[segment]]\nid = "psychosis"\nannual_value = 1e6\n', "# here",
                 ("contract.annual_value = 150000000 cannot be set together with segments",)),
    # not a scenario at all
    ScenarioCase("empty_file", None, "", None, ("the scenario is empty",)),
    ScenarioCase("not_toml", None, "this is not a scenario\n", "this is not", ("not valid TOML",)),
    ScenarioCase("broken_table_header", "[demand]", "[demand", "[demand", ("not valid TOML",)),
]


def files_in(folder):
    return sorted(p.name for p in folder.iterdir())


def assert_one_error(stderr, prefix=ERROR_PREFIX):
    assert stderr.endswith("\n") and stderr.count("\n") == 1, f"not one line:\n{stderr}"
    assert stderr.startswith(prefix), stderr


def assert_unchanged(tmp_path, before, output=None):
    assert files_in(tmp_path) == before, "a failed command left a file behind"
    if output is not None:
        assert output.read_bytes() == SENTINEL, "a failed command changed the existing output"


# ---------------------------------------------------------------------------
# Scenario files.

@pytest.mark.parametrize("case", SCENARIO_CASES, ids=[c.id for c in SCENARIO_CASES])
def test_bad_scenario(tmp_path, case):
    scenario = tmp_path / "bad.toml"
    text = case.text()
    scenario.write_text(text)
    output = tmp_path / "out.h5"
    before = files_in(tmp_path)

    code, out, err = run_binary("run", scenario, "-o", output)
    line = case.line(text)
    where = f"{scenario}:{line}: " if line is not None else f"{scenario}: "
    assert code == 1, err
    assert out == ""
    assert_one_error(err, ERROR_PREFIX + where)
    for fragment in case.fragments:
        assert fragment in err, f"{fragment!r} missing from: {err}"
    assert_unchanged(tmp_path, before)

    # an existing output is never touched, even with --force
    output.write_bytes(SENTINEL)
    before = files_in(tmp_path)
    code, out, err_forced = run_binary("run", scenario, "-o", output, "--force")
    assert (code, out, err_forced) == (1, "", err)
    assert_unchanged(tmp_path, before, output)

    # check reports the same error
    assert run_binary("check", scenario) == (1, "", err)


@pytest.mark.parametrize("kind", ["missing_file", "directory"])
def test_unreadable_scenario_path(tmp_path, kind):
    scenario = tmp_path / "scenario.toml"
    if kind == "directory":
        scenario.mkdir()
    reason = "Is a directory" if kind == "directory" else "No such file or directory"
    before = files_in(tmp_path)
    for command in (["run", scenario, "-o", tmp_path / "out.h5"], ["check", scenario]):
        code, out, err = run_binary(*command)
        assert (code, out) == (1, ""), err
        assert err == f"{ERROR_PREFIX}cannot read scenario file '{scenario}': {reason}\n"
    assert_unchanged(tmp_path, before)


@pytest.mark.parametrize("option", [("--runs", "2000"), ("--set", "simulation.runs=2000")],
                         ids=["runs", "set"])
def test_a_bad_value_an_option_replaces_is_still_refused(tmp_path, option):
    # Every value in a file must be valid whatever replaces it: `runs = -500`
    # is refused by `check`, so `run --runs 2000` must refuse it too, at its line.
    scenario = tmp_path / "bad.toml"
    text = SMALL_SCENARIO.replace("runs = 1000", "runs = -500")
    scenario.write_text(text)
    line = [n for n, l in enumerate(text.splitlines(), 1) if l.startswith("runs =")][0]
    expected = (f"{ERROR_PREFIX}{scenario}:{line}: simulation.runs = -500 is outside "
                f"[1, 1000000000]\n")
    assert run_binary("check", scenario) == (1, "", expected)
    before = files_in(tmp_path)
    assert run_binary("run", scenario, "-o", tmp_path / "out.h5", *option) == (1, "", expected)
    assert_unchanged(tmp_path, before)


def test_check_warns_outside_guidance_and_succeeds(tmp_path):
    scenario = tmp_path / "warn.toml"
    text = SMALL_SCENARIO.replace("outcome_share = 0.03", "outcome_share = 0.05")
    scenario.write_text(text)
    line = [n for n, l in enumerate(text.splitlines(), 1) if "outcome_share" in l][0]
    warning = (f"{scenario}:{line}: warning: contract.outcome_share = 0.05 is outside the "
               f"guidance range 2–4 %\n")
    out, err = run_ok("check", scenario)
    assert err == warning + late_settlement_warning(scenario)
    assert "outcome_share = 0.05" in out
    # a run warns of the guidance the same way, even when quiet, and still
    # runs; the late settlement is check's to say (the summary's "owed at T"
    # column shows its money)
    out, err = run_ok("run", scenario, "--runs", 1000, "-o", tmp_path / "out.h5", "--quiet")
    assert (out, err) == ("", warning + certain_shortfall_warnings(scenario))
    assert (tmp_path / "out.h5").is_file()


# ---------------------------------------------------------------------------
# Options. "{scenario}" and "{out}" stand for the small scenario and the output.

@dataclasses.dataclass
class OptionCase:
    id: str
    args: tuple
    stderr: str  # the whole of stderr


OPTION_CASES = [
    OptionCase("threads_zero", ("--threads", "0"),
               f"--threads: 0 is not an integer in [1, 4096]\n{CLI11_HINT}\n"),
    OptionCase("threads_not_a_number", ("--threads", "abc"),
               f"--threads: abc is not an integer in [1, 4096]\n{CLI11_HINT}\n"),
    OptionCase("runs_zero", ("--runs", "0"),
               f"--runs: 0 is not an integer in [1, 1000000000]\n{CLI11_HINT}\n"),
    OptionCase("runs_not_an_integer", ("--runs", "2.5"),
               f"--runs: 2.5 is not an integer in [1, 1000000000]\n{CLI11_HINT}\n"),
    OptionCase("runs_not_a_number", ("--runs", "abc"),
               f"--runs: abc is not an integer in [1, 1000000000]\n{CLI11_HINT}\n"),
    OptionCase("unknown_option", ("--bogus",),
               f"The following argument was not expected: --bogus\n{CLI11_HINT}\n"),
    OptionCase("extra_argument", ("extra",),
               f"The following argument was not expected: extra\n{CLI11_HINT}\n"),
    OptionCase("seed_negative", ("--seed", "-1"),
               f"{ERROR_PREFIX}--seed -1 is not an integer in [0, 2^64)\n"),
    OptionCase("seed_two_to_the_64", ("--seed", str(2**64)),
               f"{ERROR_PREFIX}--seed {2**64} is not an integer in [0, 2^64)\n"),
    OptionCase("seed_fraction", ("--seed", "1.5"),
               f"{ERROR_PREFIX}--seed 1.5 is not an integer in [0, 2^64)\n"),
    OptionCase("set_unknown_key", ("--set", "provider.colour=3"),
               f"{ERROR_PREFIX}--set provider.colour=3: unknown key 'provider.colour'\n"),
    OptionCase("set_misspelt_key", ("--set", "provider.opening_csh=1"),
               f"{ERROR_PREFIX}--set provider.opening_csh=1: unknown key 'provider.opening_csh' "
               "(did you mean 'opening_cash'?)\n"),
    OptionCase("set_unknown_indicator", ("--set", "indicator.nothere.weight=0.1"),
               f"{ERROR_PREFIX}--set indicator.nothere.weight=0.1: no [[indicator]] has id 'nothere'\n"),
    OptionCase("set_without_equals", ("--set", "provider.opening_cash"),
               f"{ERROR_PREFIX}--set provider.opening_cash: expected KEY=VALUE, "
               "e.g. --set provider.opening_cash=2e6\n"),
    OptionCase("set_wrong_type", ("--set", "provider.opening_cash=abc"),
               f'{ERROR_PREFIX}--set provider.opening_cash=abc: provider.opening_cash = "abc" '
               "must be a number\n"),
    OptionCase("set_out_of_range", ("--set", "contract.outcome_share=1.3"),
               f"{ERROR_PREFIX}--set contract.outcome_share=1.3: contract.outcome_share = 1.3 "
               "is outside [0, 1]\n"),
]


@pytest.mark.parametrize("case", OPTION_CASES, ids=[c.id for c in OPTION_CASES])
def test_bad_option(tmp_path, small_scenario, case):
    output = tmp_path / "out.h5"
    before = files_in(tmp_path)
    code, out, err = run_binary("run", small_scenario, "-o", output, *case.args)
    assert (code, out) == (1, ""), err
    assert err == case.stderr
    assert_unchanged(tmp_path, before)

    output.write_bytes(SENTINEL)
    before = files_in(tmp_path)
    assert run_binary("run", "--force", small_scenario, "-o", output, *case.args) == (1, "", err)
    assert_unchanged(tmp_path, before, output)


def test_seed_above_two_to_the_64_in_the_option_is_named(tmp_path, small_scenario):
    # 2^64 + 1 wraps to 1 if read carelessly into 64 bits
    code, out, err = run_binary("run", small_scenario, "-o", tmp_path / "o.h5", "--seed", str(2**64 + 1))
    assert (code, out) == (1, "")
    assert err == f"{ERROR_PREFIX}--seed {2**64 + 1} is not an integer in [0, 2^64)\n"


def test_unknown_command(tmp_path, small_scenario):
    before = files_in(tmp_path)
    code, out, err = run_binary("frobnicate", small_scenario, cwd=tmp_path)
    assert (code, out) == (1, "")
    assert err == f"{ERROR_PREFIX}unknown command 'frobnicate' (expected run, check, summary, merge, solve or decompose)\n"
    assert_unchanged(tmp_path, before)


@pytest.mark.parametrize("command, stderr", [
    (("run",), f"{ERROR_PREFIX}run: give a scenario file (shortfall run SCENARIO.toml), or --extend FILE\n"),
    (("check",), f"scenario is required\n{CLI11_HINT}\n"),
    (("summary",), f"file is required\n{CLI11_HINT}\n"),
    ((), f"A subcommand is required\n{CLI11_HINT}\n"),
])
def test_missing_argument(tmp_path, command, stderr):
    assert run_binary(*command, cwd=tmp_path) == (1, "", stderr)
    assert files_in(tmp_path) == []


# ---------------------------------------------------------------------------
# Output paths.

def test_output_in_missing_folder(tmp_path, small_scenario):
    output = tmp_path / "nowhere" / "out.h5"
    before = files_in(tmp_path)
    code, out, err = run_binary("run", small_scenario, "-o", output)
    assert (code, out) == (1, "")
    assert err == f"{ERROR_PREFIX}{output}: the output folder {output.parent} does not exist\n"
    assert_unchanged(tmp_path, before)


def test_output_path_is_a_directory(tmp_path, small_scenario):
    output = tmp_path / "results"
    output.mkdir()
    before = files_in(tmp_path)
    for force in ([], ["--force"]):
        code, out, err = run_binary("run", small_scenario, "-o", output, *force)
        assert (code, out) == (1, "")
        assert err == f"{ERROR_PREFIX}{output}: the output path is a directory; give a file name\n"
        assert_unchanged(tmp_path, before)
        assert output.is_dir() and not any(output.iterdir())


def test_existing_output_without_force(tmp_path, small_scenario):
    output = tmp_path / "out.h5"
    output.write_bytes(SENTINEL)
    before = files_in(tmp_path)
    code, out, err = run_binary("run", small_scenario, "-o", output)
    assert (code, out) == (1, "")
    assert_one_error(err)
    assert str(output) in err and "--force" in err, err
    assert_unchanged(tmp_path, before, output)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_output_in_read_only_folder(tmp_path, small_scenario):
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        output = folder / "out.h5"
        code, out, err = run_binary("run", small_scenario, "-o", output)
        assert (code, out) == (1, "")
        assert err == f"{ERROR_PREFIX}{output}: the output folder {folder} is not writable\n"
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


# ---------------------------------------------------------------------------
# Results files that cannot be read.

@pytest.fixture(scope="module")
def good_results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("good")
    scenario = folder / "small.toml"
    scenario.write_text(SMALL_SCENARIO)
    path = folder / "good.h5"
    run_ok("run", scenario, "--runs", 1000, "--keep-runs", "-o", path, "--quiet")
    return path


def test_summary_of_missing_file(tmp_path):
    path = tmp_path / "nothing.h5"
    assert run_binary("summary", path) == (
        1, "", f"{ERROR_PREFIX}results file '{path}' does not exist\n")


def test_summary_of_text_file(tmp_path, small_scenario):
    assert run_binary("summary", small_scenario) == (
        1, "", f"{ERROR_PREFIX}results file '{small_scenario}' is not an HDF5 file\n")


def test_summary_of_directory(tmp_path):
    assert run_binary("summary", tmp_path) == (
        1, "", f"{ERROR_PREFIX}results file '{tmp_path}' is not a file\n")


def test_summary_of_truncated_file(tmp_path, good_results):
    data = good_results.read_bytes()
    path = tmp_path / "truncated.h5"
    path.write_bytes(data[:len(data) // 2])
    code, out, err = run_binary("summary", path)
    assert (code, out) == (1, "")
    assert_one_error(err, f"{ERROR_PREFIX}results file '{path}' ")
    assert path.read_bytes() == data[:len(data) // 2]


def test_summary_of_foreign_hdf5_file(tmp_path, good_results):
    import h5py
    path = tmp_path / "foreign.h5"
    with h5py.File(path, "w") as f:
        f["x"] = [1, 2, 3]
    code, out, err = run_binary("summary", path)
    assert (code, out) == (1, "")
    assert_one_error(err, f"{ERROR_PREFIX}results file '{path}' ")
    assert "not a shortfall results file" in err


def test_good_file_still_summarises(good_results):
    # the fixture the failures above are measured against is itself fine
    out, err = run_ok("summary", good_results)
    assert "P(shortfall)" in out and err == ""
