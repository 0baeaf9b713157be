# slurm_lib.sh -- a single-node Slurm started by a test, all of it in one folder: munged with its
# own key and socket, slurmctld and slurmd on localhost at free ports (proctrack/linuxproc,
# task/none: no cgroups, no systemd). slurm_start DIR; slurm_stop (the caller traps it). Sets
# SLURM_CONF for sbatch/squeue. On failure slurm_why holds the log lines that say why.
slurm_pids=()
slurm_why=""

slurm_free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# slurm_wait_for SECONDS CMD...: poll CMD until it succeeds
slurm_wait_for() {
  local n=$(( $1 * 5 )); shift
  for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}

slurm_start() {
  local d="$1" c
  for c in munged mungekey slurmctld slurmd sbatch squeue sinfo scancel; do
    command -v "$c" >/dev/null || { slurm_why="$c is not installed (Debian: munge, slurm-wlm)"; return 1; }
  done
  mkdir -p "$d/state" "$d/spool" && chmod 755 "$d" # munged wants its socket's folders searchable by all
  mungekey --create --keyfile="$d/munge.key" >/dev/null 2>&1 || { slurm_why="mungekey failed"; return 1; }
  chmod 600 "$d/munge.key"
  munged --foreground --socket="$d/munge.sock" --key-file="$d/munge.key" --pid-file="$d/munged.pid" \
    --log-file="$d/munged.log" --seed-file="$d/munge.seed" >"$d/munged.out" 2>&1 &
  slurm_pids+=($!)
  if ! slurm_wait_for 10 test -S "$d/munge.sock"; then
    slurm_why="munged did not start: $(tail -3 "$d/munged.out" "$d/munged.log" 2>/dev/null | tr '\n' ' ')"; return 1
  fi
  local cpus; cpus=$(nproc)
  cat >"$d/slurm.conf" <<CONF
ClusterName=skinqtest
SlurmctldHost=localhost
SlurmUser=$(id -un)
SlurmctldPort=$(slurm_free_port)
SlurmdPort=$(slurm_free_port)
AuthType=auth/munge
AuthInfo=socket=$d/munge.sock
CredType=cred/munge
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/slurmctld.log
SlurmdLogFile=$d/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
NodeName=localhost CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF="$d/slurm.conf"
  slurmctld -D -f "$d/slurm.conf" >"$d/slurmctld.out" 2>&1 &
  slurm_pids+=($!)
  slurmd -D -f "$d/slurm.conf" -N localhost >"$d/slurmd.out" 2>&1 &
  slurm_pids+=($!)
  # the node is up when sinfo says idle
  if ! slurm_wait_for 30 bash -c "sinfo -h -N -o %t 2>/dev/null | grep -qx idle"; then
    slurm_why="the node did not come up: $(grep -hiE 'error|fatal' "$d"/slurmctld.log "$d"/slurmd.log "$d"/*.out 2>/dev/null | tail -5 | tr '\n' ' ')"
    return 1
  fi
}

slurm_stop() {
  local p
  # jobs first (their slurmstepd outlives slurmd otherwise), then the daemons
  if [ -n "${SLURM_CONF:-}" ] && [ ${#slurm_pids[@]} -gt 1 ]; then
    scancel --full --user="$(id -un)" >/dev/null 2>&1
    slurm_wait_for 30 bash -c '[ -z "$(squeue -h 2>/dev/null)" ]'
  fi
  for p in "${slurm_pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${slurm_pids[@]}"; do wait "$p" 2>/dev/null; done
  slurm_pids=()
}
