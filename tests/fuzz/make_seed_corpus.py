#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets (tests/fuzz) into OUT/<target>/.

The seeds come from what the project already holds, so they follow it as it
changes: the shipped scenarios, the end-to-end tests' scenario and every one
of their malformed variants, the --set arguments and [sweep] tables used in
the tests, docs and scenarios, and results files made by the shortfall
executable (one scenario, --keep-runs, a sweep, the two parts of a sharded
run, a network with and without --keep-runs and sharded, and a copy without its
envelope, as format 1.0 wrote them). The overrides target gets each --set
argument and [sweep] table on its network scenario too.

    /usr/bin/python3 tests/fuzz/make_seed_corpus.py OUT --shortfall build-fuzz/shortfall
"""

import argparse
import hashlib
import pathlib
import re
import subprocess
import sys
import tempfile

SOURCE = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(SOURCE / "tests" / "e2e"))

from conftest import SMALL_SCENARIO  # noqa: E402
import test_bad_input  # noqa: E402

# A results file small enough to mutate quickly: one indicator, three months.
TINY_SCENARIO = """\
title = "fuzz seed"
[simulation]
runs = 3
horizon_months = 3
seed = 11
[provider]
opening_cash = 1.0e6
stress_start_cash = 4.0e6
stress_penalty = 0.3
underlying_deficit = 0.02
[contract]
annual_value = 50.0e6
structures = ["bonus", "withhold"]
assessment = "monthly"
[[indicator]]
id = "eip"
weight = 1.0
baseline = 0.6
target = 0.6
cases_per_month = 20
volatility = 0.1
"""

TINY_SWEEP = TINY_SCENARIO + """\
[sweep]
mode = "zip"
[sweep.parameters]
"provider.opening_cash" = [0.0, 2.0e6]
"contract.basis" = ["block", "episodic"]
"""

# A prime network of two providers, for the provider axis of a results file.
TINY_NETWORK = """\
title = "fuzz seed network"
[simulation]
runs = 3
horizon_months = 3
seed = 11
[network]
model = "prime"
lead = "trust"
[[network.subcontract]]
provider = "vcs"
value = 2.4e6
pass_through = 1.0
[[provider]]
id = "trust"
opening_cash = 1.0e6
[provider.contract]
annual_value = 50.0e6
structures = ["bonus", "withhold"]
assessment = "monthly"
[[provider.indicator]]
id = "eip"
weight = 1.0
baseline = 0.6
target = 0.6
cases_per_month = 20
delivered_by = "vcs"
[[provider]]
id = "vcs"
"""

SET_ARGUMENT = re.compile(r"""--set[\s"',]+([A-Za-z_][\w.*]*=[^"'\s]*)""")


def write_seed(folder, name, data):
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    (folder / f"{name}-{hashlib.sha1(data).hexdigest()[:12]}").write_bytes(data)


def sweep_tables():
    for path in sorted((SOURCE / "scenarios").glob("*.toml")):
        text = path.read_text()
        if "[sweep]" in text:
            yield path.stem, text[text.index("[sweep]"):]


def scenario_loader_seeds(out):
    folder = out / "scenario_loader"
    for path in sorted((SOURCE / "scenarios").glob("*.toml")):
        write_seed(folder, path.stem, path.read_text())
    write_seed(folder, "e2e-small", SMALL_SCENARIO)
    write_seed(folder, "tiny", TINY_SCENARIO)
    write_seed(folder, "tiny-sweep", TINY_SWEEP)
    for case in test_bad_input.SCENARIO_CASES:
        write_seed(folder, f"bad-{case.id}", case.text())


def overrides_seeds(out):
    folder = out / "overrides"
    arguments = set()
    for pattern in ("tests/e2e/*.py", "tests/python/*.py", "tests/sim/*.cpp", "docs/*.md", "README.md"):
        for path in SOURCE.glob(pattern):
            arguments.update(SET_ARGUMENT.findall(path.read_text()))
    arguments.update([
        "contract.risk_share={ corridor = 0.02, commissioner_share = 0.5 }",
        "contract.outcome_share=[0.02, 0.03, 0.04]",
        "indicator.*.volatility=0.1",
        "indicator.eip_two_weeks.target=0.6",
        "contract.basis=capitation",
        "title=a new title",
    ])
    # The target's network scenario (a first line "%network") has a lead
    # "trust" paid in segments "psychosis" and "community", and
    # subcontractors "vcs_recovery" and "vcs_crisis".
    network_arguments = set(a for a in arguments if a.startswith(("network.", "provider.", "segment.")))
    network_arguments.update([
        "network.subcontract.vcs_recovery.pass_through=0.5",
        "network.subcontract.vcs_crisis.payment_delay_months=2",
        "network.management_fee=0.05",
        "network.model=integrator",
        "provider.trust.contract.outcome_share=0.04",
        "provider.trust.segment.psychosis.basis=capitation",
        "provider.trust.segment.community.demand.volatility=0.05",
        "indicator.crisis.target=0.9",
        "indicator.*.volatility=0.2",
        "provider.vcs_crisis.opening_cash=1e5",
        "provider.vcs_recovery.stress_penalty=0.5",
    ])
    for number, argument in enumerate(sorted(arguments)):
        write_seed(folder, f"set-{number:03d}", argument + "\n")
    for number, argument in enumerate(sorted(network_arguments)):
        write_seed(folder, f"network-set-{number:03d}", "%network\n" + argument + "\n")
    write_seed(folder, "set-several", "".join(a + "\n" for a in sorted(arguments)[:6]))
    for name, table in sweep_tables():
        write_seed(folder, f"sweep-{name}", "%%\n" + table)
        write_seed(folder, f"network-sweep-{name}", "%network\n%%\n" + table)
    write_seed(folder, "sweep-tiny", "contract.basis=episodic\n%%\n" + TINY_SWEEP[TINY_SWEEP.index("[sweep]"):])


def results_file_seeds(out, shortfall):
    folder = out / "results_file"
    with tempfile.TemporaryDirectory() as scratch:
        scratch = pathlib.Path(scratch)
        (scratch / "tiny.toml").write_text(TINY_SCENARIO)
        (scratch / "sweep.toml").write_text(TINY_SWEEP)

        def run(*args):
            subprocess.run([str(shortfall), "run", *map(str, args), "--quiet", "--threads", "1"],
                           check=True, cwd=scratch, stderr=subprocess.DEVNULL)

        (scratch / "network.toml").write_text(TINY_NETWORK)
        run(scratch / "tiny.toml", "-o", scratch / "single.h5")
        run(scratch / "network.toml", "-o", scratch / "network.h5")
        run(scratch / "network.toml", "-o", scratch / "network-kept.h5", "--keep-runs")
        run(scratch / "tiny.toml", "-o", scratch / "kept.h5", "--keep-runs")
        run(scratch / "sweep.toml", "-o", scratch / "sweep.h5")
        # 1,500 runs are two blocks, one per shard: the scenario is cut and
        # both parts carry serialised blocks.
        for k in (1, 2):
            run(scratch / "tiny.toml", "-o", scratch / f"part-{k}.h5", "--runs", 1500, "--shard", f"{k}/2")
            run(scratch / "network.toml", "-o", scratch / f"network-part-{k}.h5", "--runs", 1500,
                "--shard", f"{k}/2")
        for name in ("single", "kept", "sweep", "part-1", "part-2", "network", "network-kept",
                     "network-part-1", "network-part-2"):
            write_seed(folder, name, (scratch / f"{name}.h5").read_bytes())
        legacy = bytearray((scratch / "single.h5").read_bytes())
        legacy[:512] = bytes(512)
        write_seed(folder, "single-without-envelope", bytes(legacy))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=pathlib.Path)
    parser.add_argument("--shortfall", type=pathlib.Path, help="executable for the results-file seeds")
    args = parser.parse_args()
    if args.shortfall:
        args.shortfall = args.shortfall.resolve()
    scenario_loader_seeds(args.out)
    overrides_seeds(args.out)
    if args.shortfall:
        results_file_seeds(args.out, args.shortfall)
    for folder in sorted(args.out.iterdir()):
        print(f"{folder.name}: {len(list(folder.iterdir()))} seeds")


if __name__ == "__main__":
    main()
