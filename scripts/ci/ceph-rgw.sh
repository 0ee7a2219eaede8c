#!/usr/bin/env bash
# A throwaway Ceph Object Gateway (Debian's radosgw, Ceph 16) on loopback for the S3 object lock tests: one monitor,
# one OSD on memstore (RAM, nothing on disk but its configuration and logs), one radosgw, no cephx, everything
# under DIR. Debian packages: radosgw ceph-mon ceph-osd (.ci/run installs them).
#
#   scripts/ci/ceph-rgw.sh start DIR MON_PORT RGW_PORT ACCESS_KEY SECRET_KEY   # returns once S3 answers
#   scripts/ci/ceph-rgw.sh stop DIR                                            # ends the three daemons, removes DIR
#
# The S3 endpoint is http://127.0.0.1:RGW_PORT (path-style), with one user holding ACCESS_KEY / SECRET_KEY.
set -euo pipefail

command_name=${1:-}
dir=${2:-}
[ -n "$command_name" ] && [ -n "$dir" ] || {
  echo "usage: $0 start DIR MON_PORT RGW_PORT ACCESS_KEY SECRET_KEY | stop DIR" >&2
  exit 2
}

stop() {
  local pidfile pid
  for pidfile in "$dir"/run/client.rgw.*.pid "$dir"/run/osd.*.pid "$dir"/run/mon.*.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 1 100); do
      # gone, or a zombie waiting for its (exited) parent
      if ! kill -0 "$pid" 2>/dev/null || grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; then
        break
      fi
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$dir"
}

# waits for a condition, up to $1 seconds, checking every 0.2 s
wait_for() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "ceph-rgw: $what not ready after ${seconds}s; logs in $dir/log:" >&2
      tail -n 20 "$dir"/log/*.log >&2 || true
      return 1
    fi
    sleep 0.2
  done
}

# runs a client command until it succeeds (20 tries): with cephx off, Ceph 16's clients may send their first
# command before they have the cluster's fsid, and the monitor refuses it (EPERM, 'handle_command on fsid 0000…')
retry() {
  local i
  for i in $(seq 1 20); do
    "$@" && return 0
    sleep 0.5
  done
  return 1
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start() {
  local mon_port=$1 rgw_port=$2 access_key=$3 secret_key=$4
  for tool in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph-authtool ceph; do
    command -v "$tool" >/dev/null || {
      echo "ceph-rgw: $tool is missing: apt-get install radosgw ceph-mon ceph-osd" >&2
      return 1
    }
  done
  rm -rf "$dir"
  mkdir -p "$dir"/run "$dir"/log "$dir"/mon.a "$dir"/osd.0
  local fsid osd_uuid
  fsid=$(cat /proc/sys/kernel/random/uuid)
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  cat >"$dir/ceph.conf" <<CONF
[global]
fsid = $fsid
mon host = v1:127.0.0.1:$mon_port
mon initial members = a
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
ms bind ipv6 = false
ms bind msgr2 = false
public addr = 127.0.0.1
run dir = $dir/run
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
pid file = $dir/run/\$name.pid
keyring = $dir/keyring
mon data = $dir/mon.\$id
osd data = $dir/osd.\$id
# one OSD: pools of size 1, placement across OSDs rather than hosts
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
# the OSD is placed in the CRUSH map below, before it starts: at start-up it would ask the monitor itself, and
# may send that first command before it knows the cluster's fsid ('wrong fsid', exit 250; see retry below)
osd crush update on start = false
osd class update on start = false
osd objectstore = memstore
memstore device bytes = 536870912
osd max object name len = 460
osd max object namespace len = 64
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
CONF
  local conf=(-c "$dir/ceph.conf")
  # (each step checked by hand: `set -e` does not apply inside a function called with ||)
  ceph-authtool --create-keyring "$dir/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null || return
  monmaptool --create --addv a "[v1:127.0.0.1:$mon_port]" --fsid "$fsid" "$dir/monmap" >/dev/null || return
  ceph-mon "${conf[@]}" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/keyring" || return
  ceph-mon "${conf[@]}" -i a || return
  wait_for 60 "the monitor on port $mon_port" port_open "$mon_port" || return
  retry timeout 60 ceph "${conf[@]}" osd create "$osd_uuid" >/dev/null || return
  retry timeout 60 ceph "${conf[@]}" osd crush add osd.0 1.0 root=default 2>/dev/null || return
  ceph-osd "${conf[@]}" -i 0 --mkfs --osd-uuid "$osd_uuid" 2>>"$dir/log/mkfs.log" || return
  ceph-osd "${conf[@]}" -i 0 2>>"$dir/log/osd-start.log" || return
  wait_for 120 "the OSD" bash -c "ceph -c '$dir/ceph.conf' osd stat | grep -q '1 up'" || return
  radosgw "${conf[@]}" -n client.rgw.a || return
  wait_for 180 "radosgw on port $rgw_port" port_open "$rgw_port" || return
  retry radosgw-admin "${conf[@]}" user create --uid=madoguchi --display-name=madoguchi \
    --access-key="$access_key" --secret-key="$secret_key" >/dev/null || return
  echo "ceph-rgw: S3 at http://127.0.0.1:$rgw_port in ${SECONDS}s"
}

case "$command_name" in
  start)
    [ $# -eq 6 ] || {
      echo "usage: $0 start DIR MON_PORT RGW_PORT ACCESS_KEY SECRET_KEY" >&2
      exit 2
    }
    start "$3" "$4" "$5" "$6" || {
      status=$?
      # the daemons write to their log files, not to stderr: show them before they go
      echo "ceph-rgw: start failed (exit $status, ${SECONDS}s); the daemons' logs:" >&2
      tail -n 15 "$dir"/log/*.log >&2 2>/dev/null || true
      stop
      exit 1
    }
    ;;
  stop) stop ;;
  *)
    echo "usage: $0 start DIR MON_PORT RGW_PORT ACCESS_KEY SECRET_KEY | stop DIR" >&2
    exit 2
    ;;
esac
