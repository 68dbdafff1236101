#!/usr/bin/env bash
# What the test suite needs from the system: Chromium for the map test, Mosquitto for the MQTT
# tests, PostgreSQL with PostGIS for the store tests. Installs what is missing when run as root
# on Debian; elsewhere it says what is missing and the tests that need it will say so too.
set -euo pipefail
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
command -v psql >/dev/null || need+=(postgresql)
ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 || need+=(postgresql-15-postgis-3)
# Chinese glyphs for the map's labels in the browser tests and screenshots
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || ls /usr/share/fonts/opentype/noto/NotoSansCJK* >/dev/null 2>&1 || need+=(fonts-noto-cjk)
# Pango for WeasyPrint (the monthly report as PDF)
ldconfig -p 2>/dev/null | grep -q libpango-1.0 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
if ((${#need[@]})); then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "installing: ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "missing system packages: ${need[*]} (run as root on Debian to install them)" >&2
  fi
fi
# PostgreSQL: the machine's own cluster; start it if it is installed but down.
if command -v pg_lsclusters >/dev/null && ! pg_isready -q -h 127.0.0.1 2>/dev/null; then
  for v in $(ls /etc/postgresql 2>/dev/null); do
    pg_ctlcluster --skip-systemctl-redirect "$v" main start 2>/dev/null || true
  done
fi
# A fresh cluster lets only the postgres OS user in (peer auth on the socket, a password on TCP). The
# store tests connect over the local socket as the user running them: give that user a superuser role
# (it creates and drops its own cityhub_test_* databases with PostGIS).
if [[ $(id -u) == 0 ]] && pg_isready -q 2>/dev/null && id postgres >/dev/null 2>&1; then
  me=$(id -un)
  if ! runuser -u postgres -- psql -qtAc "SELECT 1 FROM pg_roles WHERE rolname = '$me'" 2>/dev/null | grep -q 1; then
    runuser -u postgres -- createuser --superuser "$me" && echo "PostgreSQL: created superuser role $me for the tests"
  fi
fi
