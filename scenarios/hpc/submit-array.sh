#!/bin/bash
# Run a big sweep on a Slurm cluster as a job array, then merge the pieces.
#
# What it does: cuts the sweep SCENARIO into SHARDS pieces ("shards"),
# submits one Slurm job array with one task per shard (slurm-array.sh, each
# task writing STUDY/parts/part-K.h5), and submits the merge job
# (slurm-merge.sh) to start only once every task has succeeded. The merged
# file OUT is bit for bit the file a single `shortfall run` would write.
#
# How to use it, on the cluster's login node:
#   1. build shortfall there (scripts/setup, or `scripts/run` once);
#   2. edit the settings below (or set them in the environment:
#      `SHARDS=50 scenarios/hpc/submit-array.sh`);
#   3. run `scenarios/hpc/submit-array.sh`. It checks the scenario, prints
#      two job ids and returns at once; the jobs wait in the queue.
#   4. follow them with `squeue -u $USER`; logs are in STUDY/logs/.
# If some tasks fail or hit their time limit, run this script again (after
# fixing the cause): finished shards end at once and the others continue
# from their saved state (`--resume`). See docs/hpc.md.

set -euo pipefail

# ---- Settings: edit the value after ":-" -----------------------------------
# Use full paths; ~ and $HOME work.
SHORTFALL="${SHORTFALL:-$HOME/shortfall/build/shortfall}"               # the program
SCENARIO="${SCENARIO:-$HOME/shortfall/scenarios/withhold-sweep.toml}"   # the sweep to run
STUDY="${STUDY:-$HOME/studies/withhold-sweep}"           # this study's folder: parts/, logs/ and the results
OUT="${OUT:-$STUDY/withhold-sweep.h5}"                   # the merged results file
SHARDS="${SHARDS:-20}"                   # number of array tasks (pieces); see docs/hpc.md to choose
THREADS="${THREADS:-4}"                  # cores per task (Slurm's --cpus-per-task); shortfall's --threads
TASK_TIME="${TASK_TIME:-01:00:00}"       # wall-time limit of each task, HH:MM:SS
MEM_PER_CPU="${MEM_PER_CPU:-2G}"         # memory per core of each task
MERGE_TIME="${MERGE_TIME:-00:30:00}"     # wall-time limit of the merge job
RUN_OPTIONS="${RUN_OPTIONS:-}"           # more options for `shortfall run`, e.g. "--runs 50000 --seed 7"
SITE_OPTIONS="${SITE_OPTIONS:-}"         # options your cluster requires, e.g. "--account=myproject --partition=compute"
# ---------------------------------------------------------------------------

recipes="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"   # where slurm-array.sh and slurm-merge.sh are

# The jobs start in STUDY, so every path is made absolute here.
SHORTFALL="$(realpath -m "$SHORTFALL")"
SCENARIO="$(realpath -m "$SCENARIO")"
STUDY="$(realpath -m "$STUDY")"
OUT="$(realpath -m "$OUT")"

fail() { echo "submit-array.sh: $*" >&2; exit 1; }
[ -x "$SHORTFALL" ] || fail "no program at SHORTFALL=$SHORTFALL (build it with scripts/setup)"
[ -f "$SCENARIO" ] || fail "no scenario file at SCENARIO=$SCENARIO"
[ ! -e "$OUT" ] || fail "$OUT already exists: move it away, or set OUT to another file"
# A typo in the scenario is cheaper to find now than after the queue (with
# the --set options of RUN_OPTIONS, the only ones `check` takes).
read -r -a run_options <<< "$RUN_OPTIONS"
set_options=()
for ((i = 0; i < ${#run_options[@]}; i++)); do
  case "${run_options[i]}" in
    --set) set_options+=(--set "${run_options[i + 1]:-}"); i=$((i + 1)) ;;
    --set=*) set_options+=("${run_options[i]}") ;;
  esac
done
"$SHORTFALL" check "$SCENARIO" "${set_options[@]}" >/dev/null || fail "shortfall check $SCENARIO failed (above)"

mkdir -p "$STUDY/parts" "$STUDY/logs"
export SHORTFALL SCENARIO STUDY OUT SHARDS RUN_OPTIONS   # read by slurm-array.sh and slurm-merge.sh

# SITE_OPTIONS is split into words on purpose.
# shellcheck disable=SC2086
array_job="$(sbatch --parsable --export=ALL --chdir="$STUDY" \
  --array="1-$SHARDS" --cpus-per-task="$THREADS" --mem-per-cpu="$MEM_PER_CPU" --time="$TASK_TIME" \
  --output="logs/shard-%A_%a.out" $SITE_OPTIONS "$recipes/slurm-array.sh")"
array_job="${array_job%%;*}"   # --parsable prints "id" or "id;cluster"

# afterok on an array waits for every task; a failed task cancels the merge
# (--kill-on-invalid-dep) instead of leaving it pending for ever.
# shellcheck disable=SC2086
merge_job="$(sbatch --parsable --export=ALL --chdir="$STUDY" \
  --dependency="afterok:$array_job" --kill-on-invalid-dep=yes --time="$MERGE_TIME" \
  --output="logs/merge-%j.out" $SITE_OPTIONS "$recipes/slurm-merge.sh")"
merge_job="${merge_job%%;*}"

echo "array job $array_job: $SHARDS tasks of $SCENARIO, $THREADS threads each, parts in $STUDY/parts"
echo "merge job $merge_job: writes $OUT once every task has succeeded"
echo "follow with: squeue -u ${USER:-$(id -un)}    logs: $STUDY/logs/"
