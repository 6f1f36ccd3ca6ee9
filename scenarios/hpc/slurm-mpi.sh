#!/bin/bash
# One MPI job: the whole sweep split over MPI ranks, each rank running
# several threads; rank 0 writes one results file, bit for bit the file a
# single `shortfall run` would write. No merge step.
#
# Needs shortfall built with MPI (CMake option SHORTFALL_WITH_MPI, on when
# MPI is found: scripts/setup installs Open MPI). Edit the settings and the
# #SBATCH lines, then submit on the login node:
#     sbatch scenarios/hpc/slurm-mpi.sh
# Follow it with `squeue -u $USER`; the log is mpi-<job id>.out.
#
# Ranks x threads: the usual layout is one rank per node, with as many
# threads as the node has cores (--ntasks-per-node=1, --cpus-per-task = cores
# per node): threads share a node's memory, ranks talk over the network only
# to hand out work and gather results. Total cores = ranks x cpus-per-task.
#
# Lines starting "#SBATCH" are options for Slurm, read when the job is
# submitted (bash ignores them); options given to sbatch on its command line
# win over them.
#SBATCH --job-name=shortfall-mpi
#SBATCH --nodes=2                    # how many nodes
#SBATCH --ntasks-per-node=1          # MPI ranks per node; ranks = nodes x this
#SBATCH --cpus-per-task=32           # threads per rank: the cores of one node on your cluster
#SBATCH --mem-per-cpu=2G             # memory per core
#SBATCH --time=04:00:00              # wall-time limit, HH:MM:SS
#SBATCH --requeue                    # if a node fails or the job is preempted, Slurm runs it again
#SBATCH --open-mode=append           # a requeued job adds to its log instead of replacing it
#SBATCH --output=mpi-%j.out          # the log: %j is the job id

set -euo pipefail

# ---- Settings: edit the value after ":-" -----------------------------------
SHORTFALL="${SHORTFALL:-$HOME/shortfall/build/shortfall}"               # the program, built with MPI
SCENARIO="${SCENARIO:-$HOME/shortfall/scenarios/withhold-sweep.toml}"   # the sweep to run
OUT="${OUT:-$HOME/studies/withhold-sweep-mpi.h5}"                       # the results file
RUN_OPTIONS="${RUN_OPTIONS:-}"           # more options for `shortfall run`, e.g. "--runs 50000 --seed 7"
# ---------------------------------------------------------------------------

read -r -a run_options <<< "$RUN_OPTIONS"   # split into words, no wildcard expansion
mkdir -p "$(dirname "$OUT")"
threads="${SLURM_CPUS_PER_TASK:-1}"
echo "$SCENARIO: ${SLURM_NTASKS:-1} ranks x $threads threads on ${SLURM_JOB_NODELIST:-$(hostname)}, $(date)"

# srun starts the ranks; --mpi=pmix connects them to Open MPI. Since Slurm
# 22.05 srun does not inherit --cpus-per-task from the job: pass it again.
# --resume: a requeued job continues from OUT.checkpoint/.
srun --mpi=pmix -n "${SLURM_NTASKS:-1}" --cpus-per-task="$threads" \
  "$SHORTFALL" run "$SCENARIO" -o "$OUT" --threads "$threads" --resume "${run_options[@]}"

# If `srun --mpi=pmix` fails on your cluster (`srun --mpi=list` shows what it
# has), Open MPI's own launcher reads the allocation from Slurm; use instead:
#   mpirun -n "$SLURM_NTASKS" --map-by "node:PE=$threads" \
#     "$SHORTFALL" run "$SCENARIO" -o "$OUT" --threads "$threads" --resume "${run_options[@]}"
