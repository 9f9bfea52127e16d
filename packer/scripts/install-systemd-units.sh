#!/usr/bin/env bash
# Install a role's systemd units and the scripts they run. Units are installed, never enabled:
# user data writes /etc/terratower/<role>.env at boot and enables the role's unit. Idempotent.
#
#   install-systemd-units.sh --prefix DIR --role kafka|cassandra|app|monitoring [--destdir DIR]
#
# --prefix   the role's install prefix (/opt/terratower/<role>); scripts go to PREFIX/libexec.
# --destdir  install units under DESTDIR/etc/... instead of /etc (for tests and image staging);
#            with a destdir nothing is reloaded and no user is created.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() { echo "usage: $0 --prefix DIR --role kafka|cassandra|app|monitoring [--destdir DIR]" >&2; exit 2; }

PREFIX=""
ROLE=""
DESTDIR=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || usage; PREFIX="$2"; shift 2 ;;
    --role) [ $# -ge 2 ] || usage; ROLE="$2"; shift 2 ;;
    --destdir) [ $# -ge 2 ] || usage; DESTDIR="$2"; shift 2 ;;
    -h | --help) usage ;;
    *) echo "install-systemd-units.sh: unknown argument: $1" >&2; usage ;;
  esac
done
if [ -z "$PREFIX" ] || [ -z "$ROLE" ]; then usage; fi

case "$ROLE" in
  kafka) UNITS=(terratower-kafka); SCRIPTS=(configure-kafka.sh start-kafka.sh) ;;
  cassandra) UNITS=(terratower-cassandra); SCRIPTS=(configure-cassandra.sh start-cassandra.sh) ;;
  app) UNITS=(terratower-producer terratower-consumer); SCRIPTS=() ;;
  monitoring) UNITS=(terratower-monitoring); SCRIPTS=(configure-monitoring.sh) ;;
  *) echo "install-systemd-units.sh: unknown role '$ROLE' (kafka, cassandra, app, monitoring)" >&2; exit 2 ;;
esac

UNIT_DIR="$DESTDIR/etc/systemd/system"
LIBEXEC="$PREFIX/libexec"
mkdir -p "$DESTDIR$LIBEXEC/lib" "$UNIT_DIR" "$DESTDIR/etc/terratower"

for script in "${SCRIPTS[@]}"; do
  install -m 0755 "$SCRIPT_DIR/$script" "$DESTDIR$LIBEXEC/$script"
done
install -m 0644 "$SCRIPT_DIR/lib/common.sh" "$DESTDIR$LIBEXEC/lib/common.sh"

for unit in "${UNITS[@]}"; do
  sed -e "s|@LIBEXEC@|$LIBEXEC|g" -e "s|@PREFIX@|$PREFIX|g" \
    "$SCRIPT_DIR/systemd/$unit.service" >"$UNIT_DIR/$unit.service.tmp"
  if grep -q '@[A-Z]*@' "$UNIT_DIR/$unit.service.tmp"; then
    echo "install-systemd-units.sh: unrendered placeholder left in $unit.service" >&2
    exit 1
  fi
  chmod 0644 "$UNIT_DIR/$unit.service.tmp"
  mv -f "$UNIT_DIR/$unit.service.tmp" "$UNIT_DIR/$unit.service"
done

if [ "$ROLE" = cassandra ]; then
  # Cassandra's startup checks: enough memory maps, no swap pressure.
  mkdir -p "$DESTDIR/etc/sysctl.d"
  printf '%s\n' '# terratower: Cassandra production settings' 'vm.max_map_count = 1048575' 'vm.swappiness = 1' \
    >"$DESTDIR/etc/sysctl.d/60-terratower-cassandra.conf"
fi

if [ -z "$DESTDIR" ]; then
  if ! id terratower >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/terratower --create-home --shell /usr/sbin/nologin terratower
  fi
  chmod 0755 /etc/terratower
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemctl daemon-reload
  fi
fi
echo "install-systemd-units.sh: installed ${UNITS[*]} (role $ROLE, prefix $PREFIX) into $UNIT_DIR" >&2
