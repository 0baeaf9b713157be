#!/usr/bin/env bash
# skinq batch on Slurm (issue 24): the test starts a single-node Slurm of its own (munged with its
# own key and socket, slurmctld and slurmd on localhost at free ports, everything in its temp
# folder; tests/cli/slurm_lib.sh), runs the 40-photo manifest as a 4-task job array through
# scripts/slurm/skinq-batch.sbatch, waits by polling squeue, imports the shards and checks the
# merged store equals the one of a local unsharded run; the daemons are stopped on exit. Before
# that, the sbatch script is run directly with the array's variables set (so it is tested even
# where Slurm cannot run; then the Slurm part is skipped, saying why).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/batch_lib.sh"
. "$(dirname "$0")/slurm_lib.sh"
trap 'slurm_stop; rm -rf "$T"' EXIT
SBATCH_SCRIPT="${SKINQ_SRC:-$(dirname "$0")/../..}/scripts/slurm/skinq-batch.sbatch"
export SKINQ

make_study "$T/study" || { echo "FAIL: make_study"; exit 1; }
M="$T/study/manifest.csv"
exp() { "$SKINQ" track export --csv --store "$1" | cut -d, -f1-2,4-; }

run "$SKINQ" batch "$M" --no-texture -q --out "$T/local"
expect_rc 0 "the local unsharded run"
run "$SKINQ" track import --store "$T/local.db" "$T/local/shard-0-of-1.jsonl"
expect_rc 0 "import the local run"
exp "$T/local.db" >"$T/local.csv"
[ "$(grep -c ',color.L.mean,' "$T/local.csv")" = 40 ] && ok || bad "40 photos in the local store"

# the sbatch script without Slurm: task 2 of --array=1-4 is shard 1 of 4
run env SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_COUNT=4 bash "$SBATCH_SCRIPT" "$M" "$T/direct" --no-texture -q
expect_rc 0 "the sbatch script run directly"
run "$SKINQ" batch "$M" --no-texture -q --out "$T/k1" --shard 1/4
cmp -s "$T/direct/shard-1-of-4.jsonl" "$T/k1/shard-1-of-4.jsonl" && ok || bad "task 2 of 1-4 = --shard 1/4"
run bash "$SBATCH_SCRIPT"
expect_rc 2 "the sbatch script without arguments"

chmod 755 "$T" # munged wants every folder above its socket searchable
if ! slurm_start "$T/slurm"; then
  echo "SKIP: Slurm cannot run here: $slurm_why"
  finish
  exit
fi
job=$(sbatch --parsable --array=0-3 -D "$T" -o "$T/slurm/task-%a.out" "$SBATCH_SCRIPT" "$M" "$T/array" --no-texture -q 2>"$T/err")
[ -n "$job" ] && ok || bad "sbatch: $(cat "$T/err")"
slurm_wait_for 300 bash -c "[ -z \"\$(squeue -h -j $job 2>/dev/null)\" ]" && ok || bad "the array did not finish in 300 s"
n=$(ls "$T"/array/shard-*-of-4.summary.json 2>/dev/null | wc -l)
[ "$n" = 4 ] && ok || bad "4 shard summaries, found $n; task logs: $(cat "$T"/slurm/task-*.out 2>/dev/null | head -c 600)"
run "$SKINQ" track import --store "$T/slurm.db" "$T"/array/*.jsonl
expect_rc 0 "import the array's shards"
exp "$T/slurm.db" | cmp -s - "$T/local.csv" && ok || bad "the merged store differs from the local one"
finish
