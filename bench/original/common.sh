# The original design's common pieces, as its scripts do them (for the benchmark's
# baseline). Differences: arguments are quoted, and the ssh program, workspace and
# terraform dir come from the environment the benchmark sets (ORIG_SSH, ORIG_WS, ORIG_TF).
set -e -o pipefail
get_vm_ip() {
  local vm_ip
  vm_ip=$(cd "$ORIG_TF" && terraform output -raw vm_ip 2>/dev/null)
  if [[ -z "$vm_ip" || "$vm_ip" == "IP not yet assigned" ]]; then
    echo "Error: VM IP not available" >&2; exit 1
  fi
  echo "$vm_ip"
}
check_vm_reachable() {
  if ! $ORIG_SSH -o ConnectTimeout=5 -o BatchMode=yes "$ORIG_USER@$1" "exit" 2>/dev/null; then
    echo "Error: Cannot connect to VM at $1" >&2; exit 2
  fi
}
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
