# Sourced by bench/run-*.sh: measures how much CPU other processes (another build on the same box, say)
# used while a benchmark ran, from /proc/stat minus the CPU time of this script's own waited-for children.
#   noise_start; ...benchmarks...; noise_report
_busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
_N_PID=$BASHPID  # this script's shell (inside $(...) below, BASHPID would be the subshell's)
_own_ticks() { awk '{print $14 + $15 + $16 + $17}' "/proc/$_N_PID/stat"; }
noise_start() { _N_BUSY=$(_busy_ticks); _N_OWN=$(_own_ticks); _N_T0=$(date +%s); }
noise_report() {
  local hz busy own wall
  hz=$(getconf CLK_TCK); busy=$(( $(_busy_ticks) - _N_BUSY )); own=$(( $(_own_ticks) - _N_OWN ))
  wall=$(( $(date +%s) - _N_T0 ))
  awk -v b="$busy" -v o="$own" -v hz="$hz" -v w="$wall" -v n="$(nproc)" 'BEGIN {
    other = (b - o) / hz; if (other < 0) other = 0
    printf "CPU noise: other processes used %.0f CPU-s during this %d s run (%.0f%% of %d cores; ours %.0f CPU-s)%s\n",
      other, w, 100 * other / (w * n + 1e-9), n, o / hz,
      (other > 0.05 * w * n ? "  <-- the box was shared: figures are noisier/slower than on an idle machine" : "") }'
}
