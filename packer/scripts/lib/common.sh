# shellcheck shell=bash
# Helpers shared by terratower's configure-*.sh scripts. Source it; it defines functions only.

# tt_die MESSAGE: print "<script>: MESSAGE" on stderr and exit 1.
tt_die() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}

# tt_log MESSAGE: progress on stderr (journald keeps it on AWS).
tt_log() {
  echo "$(basename "$0"): $*" >&2
}

# tt_load_env FILE: read KEY=VALUE lines (systemd EnvironmentFile syntax: comments, blank lines,
# optional surrounding single or double quotes) and export them. No shell evaluation: values are
# taken literally. Only TT_* and AWS_* names are accepted.
tt_load_env() {
  local file="$1" line key value
  [ -r "$file" ] || tt_die "environment file $file is missing or unreadable (user data writes it at boot)"
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line#"${line%%[![:space:]]*}"}"
    case "$line" in '' | '#'* | ';'*) continue ;; esac
    line="${line#export }"
    key="${line%%=*}"
    [ "$key" != "$line" ] || tt_die "$file: not KEY=VALUE: $line"
    value="${line#*=}"
    case "$key" in
      TT_* | AWS_*) ;;
      *) continue ;;
    esac
    [[ "$key" =~ ^[A-Z_][A-Z0-9_]*$ ]] || tt_die "$file: bad variable name: $key"
    if [[ "$value" =~ ^\"(.*)\"$ ]] || [[ "$value" =~ ^\'(.*)\'$ ]]; then
      value="${BASH_REMATCH[1]}"
    fi
    printf -v "$key" '%s' "$value"
    export "${key?}"
  done <"$file"
}

# tt_require NAME...: fail naming every listed variable that is unset or empty.
tt_require() {
  local name missing=()
  for name in "$@"; do
    [ -n "${!name:-}" ] || missing+=("$name")
  done
  [ "${#missing[@]}" -eq 0 ] || tt_die "missing in the environment file: ${missing[*]}"
}

# tt_resolve_device SPEC: print the block device for SPEC, waiting up to 120 s for it to appear
# (an EBS volume attaches after boot). SPEC is a device path (/dev/nvme1n1, /dev/sdf) or an EBS
# volume id (vol-0abc...), which resolves through /dev/disk/by-id on Nitro instances.
tt_resolve_device() {
  local spec="$1" candidate i
  for i in $(seq 1 120); do
    case "$spec" in
      vol-*) candidate="/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${spec/-/}" ;;
      *) candidate="$spec" ;;
    esac
    if [ -b "$candidate" ]; then
      readlink -f "$candidate"
      return 0
    fi
    # Xen-era names (/dev/sdf) show up as /dev/xvdf.
    case "$spec" in
      /dev/sd*) if [ -b "/dev/xvd${spec#/dev/sd}" ]; then echo "/dev/xvd${spec#/dev/sd}"; return 0; fi ;;
    esac
    [ "$i" -eq 1 ] && tt_log "waiting for data device $spec to attach"
    sleep 1
  done
  tt_die "data device $spec did not appear within 120 s"
}

# tt_mount_data DEVICE_SPEC DIR: make an XFS file system on the device if it has none (a new
# volume), mount it at DIR and record it in /etc/fstab by UUID (nofail). A re-attached volume
# keeps its data: nothing is formatted twice.
tt_mount_data() {
  local spec="$1" dir="$2" dev uuid
  dev="$(tt_resolve_device "$spec")"
  mkdir -p "$dir"
  if mountpoint -q "$dir"; then
    return 0
  fi
  if ! blkid "$dev" >/dev/null 2>&1; then
    tt_log "formatting new data volume $dev (xfs)"
    mkfs.xfs -q "$dev"
  fi
  uuid="$(blkid -s UUID -o value "$dev")"
  if ! grep -q "UUID=$uuid " /etc/fstab; then
    echo "UUID=$uuid $dir xfs defaults,noatime,nofail 0 2" >>/etc/fstab
  fi
  mount "$dir"
  tt_log "mounted $dev at $dir"
}

# tt_heap_mb PERCENT MIN_MB MAX_MB: a heap size in MiB, PERCENT of physical memory, clamped.
tt_heap_mb() {
  local percent="$1" min="$2" max="$3" total_kb heap
  total_kb="$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)"
  heap=$((total_kb * percent / 100 / 1024))
  [ "$heap" -ge "$min" ] || heap="$min"
  [ "$heap" -le "$max" ] || heap="$max"
  echo "$heap"
}

# tt_write_file PATH: write stdin to PATH atomically, mode 0644.
tt_write_file() {
  local path="$1"
  mkdir -p "$(dirname "$path")"
  cat >"$path.tmp.$$"
  chmod 0644 "$path.tmp.$$"
  mv -f "$path.tmp.$$" "$path"
}
