#!/bin/bash
# The merge job: joins the parts written by the array tasks (slurm-array.sh)
# into one results file, bit for bit the file a single `shortfall run` would
# write. It refuses (and writes nothing) if a part is missing, twice, or from
# another study, naming the part.
#
# submit-array.sh submits it to start after every task succeeded
# (--dependency=afterok). By hand, once the array has finished:
#     sbatch slurm-merge.sh
# or, without Slurm, the same command as below on the login node.
#
# Lines starting "#SBATCH" are options for Slurm (see slurm-array.sh).
#SBATCH --job-name=shortfall-merge
#SBATCH --cpus-per-task=1            # merging is one process, one core
#SBATCH --mem=4G                     # the parts' statistics, one at a time; more with --keep-runs
#SBATCH --time=00:30:00              # wall-time limit, HH:MM:SS
#SBATCH --output=merge-%j.out        # the log: %j is the job id

set -euo pipefail

# ---- Settings: edit the value after ":-" -----------------------------------
SHORTFALL="${SHORTFALL:-$HOME/shortfall/build/shortfall}"   # the program
STUDY="${STUDY:-$HOME/studies/withhold-sweep}"              # this study's folder: the parts are in STUDY/parts/
OUT="${OUT:-$STUDY/withhold-sweep.h5}"                      # the merged results file
# ---------------------------------------------------------------------------

cd "$STUDY"
parts=(parts/part-*.h5)
echo "merging ${#parts[@]} parts into $OUT, $(date)"
"$SHORTFALL" merge -o "$OUT" "${parts[@]}"
echo "done: $OUT (the parts in $STUDY/parts can be deleted once you have checked it)"
