#!/bin/bash
# One task of a Slurm job array: shard K of SHARDS of a sweep.
#
# Slurm starts this script once per array task, with the task's number K in
# $SLURM_ARRAY_TASK_ID (1, 2, ... SHARDS). The task runs its piece of the
# sweep and writes STUDY/parts/part-K.h5; slurm-merge.sh joins the pieces.
#
# Usually you do not submit this file yourself: submit-array.sh submits it
# with its own settings (they arrive in the environment and win over the
# values below) and the merge after it. To submit it alone, edit the
# settings below and the "#SBATCH --array" line to match SHARDS, then
#     sbatch slurm-array.sh
#
# Lines starting "#SBATCH" are options for Slurm, read when the job is
# submitted (bash ignores them). Options given to sbatch on its command line
# win over them.
#SBATCH --job-name=shortfall-shard
#SBATCH --array=1-20                 # task numbers 1 to SHARDS
#SBATCH --cpus-per-task=4            # cores for each task: shortfall runs that many threads
#SBATCH --mem-per-cpu=2G             # memory per core
#SBATCH --time=01:00:00              # wall-time limit of each task, HH:MM:SS
#SBATCH --requeue                    # if the node fails or the task is preempted, Slurm runs it again
#SBATCH --open-mode=append           # a requeued task adds to its log instead of replacing it
#SBATCH --output=shard-%A_%a.out     # the log: %A is the array's job id, %a the task number

set -euo pipefail

# ---- Settings: edit the value after ":-" -----------------------------------
SHORTFALL="${SHORTFALL:-$HOME/shortfall/build/shortfall}"               # the program
SCENARIO="${SCENARIO:-$HOME/shortfall/scenarios/withhold-sweep.toml}"   # the sweep to run
STUDY="${STUDY:-$HOME/studies/withhold-sweep}"   # this study's folder: the parts go to STUDY/parts/
SHARDS="${SHARDS:-20}"                           # number of pieces: the last task number of --array
RUN_OPTIONS="${RUN_OPTIONS:-}"                   # more options for `shortfall run`, e.g. "--runs 50000 --seed 7"
# ---------------------------------------------------------------------------

task="${SLURM_ARRAY_TASK_ID:?not an array task: submit with sbatch --array=1-$SHARDS}"
if [ "$task" -gt "$SHARDS" ]; then
  echo "slurm-array.sh: task $task but SHARDS=$SHARDS: make --array=1-$SHARDS match SHARDS" >&2
  exit 1
fi
read -r -a run_options <<< "$RUN_OPTIONS"   # split into words, no wildcard expansion

mkdir -p "$STUDY/parts"
cd "$STUDY"
echo "shard $task/$SHARDS of $SCENARIO on $(hostname), ${SLURM_CPUS_PER_TASK:-1} threads, $(date)"

# --resume: a task that was requeued, or run again after hitting its time
# limit, continues from parts/part-K.h5.checkpoint/; a part already finished
# is left as it is. Slurm's SIGTERM at the time limit makes shortfall save
# its work and stop (exit code 2).
exec "$SHORTFALL" run "$SCENARIO" --shard "$task/$SHARDS" -o "parts/part-$task.h5" \
  --threads "${SLURM_CPUS_PER_TASK:-1}" --resume "${run_options[@]}"
