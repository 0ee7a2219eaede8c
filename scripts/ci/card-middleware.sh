#!/usr/bin/env bash
# Card-middleware conformance (issue 3, item 5): OpenSC's own JPKI driver and our libs/jpki PcscTransport talk to
# the virtual My Number Card through pcscd and vsmartcard's vpcd (CARD-MIDDLEWARE.md).
#
# Run as root from the repository root after `npm ci && npm run build`:   bash scripts/ci/card-middleware.sh
# It installs the Debian packages if missing, starts its own pcscd (one per machine: it refuses to run beside
# another), creates a TEST card through the simulated J-LIS with the CLI, serves it on vpcd slot 0, runs
# test/card-middleware with jest and exits with jest's status. Work files: $CM_WORK_DIR (kept on failure).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
T0=$(date +%s%3N)
say() { printf '[card-middleware %6.1fs] %s\n' "$(( $(date +%s%3N) - T0 ))e-3" "$*"; }
die() { say "FAILED: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (apt-get, pcscd's /run/pcscd socket, the loopback route)"

# One pcscd per machine (CARD-MIDDLEWARE.md §5) and one loopback route: concurrent runs queue on a lock.
mkdir -p /run/lock
exec 9>/run/lock/madoguchi-card-middleware.lock
if ! flock -n 9; then
  say "another card-middleware run holds the lock; waiting (up to 300 s)"
  flock -w 300 9 || die "the card-middleware lock was not released within 300 s"
  T0=$(date +%s%3N)
fi

PACKAGES=(pcscd vsmartcard-vpcd opensc pcsc-tools libpcsclite-dev)
READER0='Virtual PCD 00 00'
CLI="$ROOT/dist/libs/virtual-card/src/cli/virtual-card.js"

CM_WORK_DIR=$(mktemp -d /tmp/card-middleware.XXXXXX)
PCSCD_PID=''
CARD_PID=''
ROUTE_ADDED=''
STATUS=1

cleanup() {
  set +e
  if [ -n "$CARD_PID" ]; then kill "$CARD_PID" 2>/dev/null; wait "$CARD_PID" 2>/dev/null; fi
  if [ -n "$PCSCD_PID" ]; then kill "$PCSCD_PID" 2>/dev/null; wait "$PCSCD_PID" 2>/dev/null; fi
  if [ -n "$ROUTE_ADDED" ]; then ip route del local 127.0.0.2 dev lo table local 2>/dev/null; fi
  if [ "$STATUS" = 0 ]; then
    rm -rf "$CM_WORK_DIR"
  else
    for log in pcscd.log serve.log; do
      [ -f "$CM_WORK_DIR/$log" ] && { echo "--- last lines of $log"; tail -n 30 "$CM_WORK_DIR/$log"; }
    done
    echo "work files kept in $CM_WORK_DIR"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Polls a command until it succeeds or the time (in tenths of a second) runs out.
wait_until() {
  local tenths=$1 what=$2
  shift 2
  for _ in $(seq "$tenths"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  die "timed out waiting for $what"
}

# 1. Debian packages (CARD-MIDDLEWARE.md §1; --no-install-recommends avoids GTK3 through pcsc-tools).
missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
fi
say "packages: $(dpkg-query -W -f='${Package} ${Version}  ' "${PACKAGES[@]}")"

# 2. The optional PC/SC binding: `npm ci` skips it when libpcsclite-dev was missing at install time.
if ! node -e "require('@pokusew/pcsclite')" >/dev/null 2>&1; then
  if [ -d node_modules/@pokusew/pcsclite ]; then
    say "rebuilding @pokusew/pcsclite against libpcsclite-dev"
    npm rebuild @pokusew/pcsclite >/dev/null
  else
    version=$(node -p "require('./package.json').optionalDependencies['@pokusew/pcsclite']")
    say "installing @pokusew/pcsclite@$version (optional dependency left out by npm ci)"
    npm install --no-save --no-audit --no-fund "@pokusew/pcsclite@$version" >/dev/null
  fi
  node -e "require('@pokusew/pcsclite')" || die "the PC/SC binding @pokusew/pcsclite does not load"
fi

# 3. The build: the CLI and the plain-Node tests run from dist/ (rebuilt when older than the libraries they use).
if [ ! -f "$CLI" ] ||
  [ -n "$(find libs/jpki/src libs/virtual-card/src libs/common/src -name '*.ts' -newer "$CLI" -print -quit)" ]; then
  say "building (npm run build)"
  npm run build >"$CM_WORK_DIR/build.log" 2>&1 || { tail -n 30 "$CM_WORK_DIR/build.log"; die "npm run build"; }
fi

# 4. CARD-MIDDLEWARE.md §2.3: Debian's vpcd 3.3 costs 44 ms per message without the quickack route (needs
#    CAP_NET_ADMIN); the tests pass either way, only slower. CARD_MIDDLEWARE_QUICKACK=0 skips the route.
CM_VPCD_HOST=127.0.0.1
if [ "${CARD_MIDDLEWARE_QUICKACK:-1}" = 0 ]; then
  say "quickack route not used (CARD_MIDDLEWARE_QUICKACK=0)"
elif ip route show table local 2>/dev/null | grep -q '^local 127.0.0.2 .*quickack 1'; then
  CM_VPCD_HOST=127.0.0.2
elif ip route add local 127.0.0.2 dev lo table local scope host src 127.0.0.2 quickack 1 2>/dev/null; then
  ROUTE_ADDED=1
  CM_VPCD_HOST=127.0.0.2
else
  say "no quickack route (no CAP_NET_ADMIN?): expect about 2-3 s more per OpenSC command"
fi

# 5. pcscd in the foreground, owned by this script (never -x/--auto-exit; no --apdu: it would log PINs).
others=$( (ps -C pcscd -o pid=,stat= || true) | awk '$2 !~ /^Z/ {print $1}' | tr '\n' ' ')
[ -z "$others" ] || die "another pcscd is running (pid $others); stop it first: one pcscd per machine"
pcscd --foreground >"$CM_WORK_DIR/pcscd.log" 2>&1 9>&- &
PCSCD_PID=$!
wait_until 100 "pcscd to list $READER0" sh -c "opensc-tool --list-readers | grep -q '$READER0'"
say "pcscd $PCSCD_PID lists the vpcd readers"

# 6. A TEST card issued through the simulated J-LIS (fictional holder; never a real person's data).
export CM_WORK_DIR CM_VPCD_HOST
export CM_STATE_FILE="$CM_WORK_DIR/card.json"
export CM_JLIS_DIR="$CM_WORK_DIR/jlis"
export CM_NAME='窓口　花子'
export CM_ADDRESS='東京都千代田区霞が関２丁目１番２号'
export CM_BIRTHDATE='19900102'
export CM_SEX='2'
export CM_SIGN_PASSWORD='MADO2026'
export CM_AUTH_PIN='1234'
export CM_TEXT_PIN='5678'
node "$CLI" create --out "$CM_STATE_FILE" --jlis-dir "$CM_JLIS_DIR" \
  --name "$CM_NAME" --address "$CM_ADDRESS" --birthdate 1990-01-02 --sex "$CM_SEX" \
  --sign-password "$CM_SIGN_PASSWORD" --pin "$CM_TEXT_PIN" --auth-pin "$CM_AUTH_PIN" >"$CM_WORK_DIR/create.log" ||
  die "virtual-card create failed (is dist/ complete? npm run build)"
CM_SIGN_SERIAL=$(sed -n 's/.*signing certificate serial \([0-9A-Fa-f]*\).*/\1/p' "$CM_WORK_DIR/create.log")
CM_AUTH_SERIAL=$(sed -n 's/.*authentication certificate serial \([0-9A-Fa-f]*\).*/\1/p' "$CM_WORK_DIR/create.log")
[ -n "$CM_SIGN_SERIAL" ] && [ -n "$CM_AUTH_SERIAL" ] || die "virtual-card create printed no serials"
export CM_SIGN_SERIAL CM_AUTH_SERIAL
say "card created (signing certificate $CM_SIGN_SERIAL)"

# 7. Serve it on vpcd slot 0 and wait until pcscd sees it inserted (~0.5 s, its presence poll).
node "$CLI" serve "$CM_STATE_FILE" --host "$CM_VPCD_HOST" --port 35963 >"$CM_WORK_DIR/serve.log" 2>&1 9>&- &
CARD_PID=$!
wait_until 150 "the card in $READER0" sh -c "opensc-tool --list-readers | grep -Eq '^0 +Yes +$READER0'"
say "card inserted in $READER0 (vpcd at $CM_VPCD_HOST:35963)"

# 8. The suite. OpenSC reads from the card, never from a file cache left by an earlier run.
export OPENSC_CONF="$CM_WORK_DIR/opensc.conf"
printf 'app default {\n  framework pkcs15 {\n    use_file_caching = no;\n  }\n}\n' >"$OPENSC_CONF"
export XDG_CACHE_HOME="$CM_WORK_DIR/cache"
set +e
npx jest -c test/card-middleware/jest.config.js --runInBand --verbose 9>&-
STATUS=$?
set -e
say "jest exited with $STATUS"

# 9. `virtual-card serve` stops cleanly on SIGTERM, and pcscd sees the card go.
if [ "$STATUS" = 0 ]; then
  kill -TERM "$CARD_PID"
  serve_status=0
  wait "$CARD_PID" || serve_status=$?
  CARD_PID=''
  if [ "$serve_status" != 0 ]; then
    STATUS=1
    say "FAILED: virtual-card serve exited with $serve_status on SIGTERM"
  else
    wait_until 20 "pcscd to see the card removed" sh -c "opensc-tool --list-readers | grep -Eq '^0 +No +$READER0'"
    say "virtual-card serve stopped cleanly; the reader is empty"
  fi
fi
exit "$STATUS"
