#!/bin/bash
# UNTESTED: the PBS Pro / OpenPBS equivalent of slurm-array.sh, written from
# the PBS documentation and never run on a PBS cluster. The Slurm recipes
# are tested (scripts/test-slurm); check this one on a small sweep first.
#
# One task of a PBS job array: shard K of SHARDS of a sweep, K in
# $PBS_ARRAY_INDEX (1, 2, ... SHARDS), writing STUDY/parts/part-K.h5.
# Edit the settings and the #PBS lines (-J 1-SHARDS must match SHARDS), then
# on the login node:
#     mkdir -p ~/studies/withhold-sweep/logs
#     qsub scenarios/hpc/pbs-array.sh            # prints the array id, e.g. 1234[].server
# and the merge, to start when every task has succeeded:
#     qsub -W depend=afterok:1234[].server -- /bin/bash -c \
#       'cd ~/studies/withhold-sweep && ~/shortfall/build/shortfall merge -o withhold-sweep.h5 parts/part-*.h5'
# Follow with `qstat -t -u $USER`. Torque (not PBS Pro) spells the array
# `#PBS -t 1-20` and the index $PBS_ARRAYID.
#
# Lines starting "#PBS" are options for PBS, read at submission (bash
# ignores them).
#PBS -N shortfall-shard
#PBS -J 1-20
#PBS -l select=1:ncpus=4:mem=8gb
#PBS -l walltime=01:00:00
#PBS -r y
#PBS -j oe
#PBS -o logs/
# -J: task numbers 1 to SHARDS. select: one chunk of 4 cores (shortfall's
# --threads) and 8 GB. walltime: each task's limit. -r y: rerunnable, so a
# task whose node fails is run again (and resumes). -j oe -o logs/: one log
# per task in logs/ under the folder qsub was run from.

set -euo pipefail

# ---- Settings: edit the value after ":-" -----------------------------------
SHORTFALL="${SHORTFALL:-$HOME/shortfall/build/shortfall}"               # the program
SCENARIO="${SCENARIO:-$HOME/shortfall/scenarios/withhold-sweep.toml}"   # the sweep to run
STUDY="${STUDY:-$HOME/studies/withhold-sweep}"   # this study's folder: the parts go to STUDY/parts/
SHARDS="${SHARDS:-20}"                           # number of pieces: the last task number of -J
RUN_OPTIONS="${RUN_OPTIONS:-}"                   # more options for `shortfall run`, e.g. "--runs 50000 --seed 7"
# ---------------------------------------------------------------------------

task="${PBS_ARRAY_INDEX:?not an array task: submit with qsub -J 1-$SHARDS}"
if [ "$task" -gt "$SHARDS" ]; then
  echo "pbs-array.sh: task $task but SHARDS=$SHARDS: make -J 1-$SHARDS match SHARDS" >&2
  exit 1
fi
read -r -a run_options <<< "$RUN_OPTIONS"
threads="${NCPUS:-1}"   # PBS Pro sets NCPUS from select's ncpus

mkdir -p "$STUDY/parts"
cd "$STUDY"
echo "shard $task/$SHARDS of $SCENARIO on $(hostname), $threads threads, $(date)"

# --resume: a rerun task continues from parts/part-K.h5.checkpoint/; a part
# already finished is left as it is.
exec "$SHORTFALL" run "$SCENARIO" --shard "$task/$SHARDS" -o "parts/part-$task.h5" \
  --threads "$threads" --resume "${run_options[@]}"
