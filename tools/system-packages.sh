#!/usr/bin/env bash
# Installs the Debian packages the course's tools use, where this machine allows it (root with apt-get),
# and says so where it does not: nothing here ever fails the command that called it.
#   bubblewrap          the kernel sandbox (autograder/sandbox.py); without it `grade` refuses to run
#   chromium            the browser tests (grader_tests/test_*_browser.py); without it they are skipped
#   postgresql          a throw-away PostgreSQL server for the gradebook tests (autograder/throwaway.py); without
#                       it they are skipped
# Usage: tools/system-packages.sh PACKAGE...
set -u

program_of() {
  case "$1" in
    bubblewrap) echo bwrap ;;
    chromium) echo chromium ;;
    chromium-driver) echo chromedriver ;;
    postgresql) ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | tail -1 ;;  # Debian keeps it off PATH
    *) echo "$1" ;;
  esac
}

missing=()
for pkg in "$@"; do
  command -v "$(program_of "$pkg")" >/dev/null 2>&1 || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "note: ${missing[*]} not installed, and this machine does not let us install it (needs root and apt-get)." >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
echo "installing ${missing[*]} (apt-get) ..." >&2
if ! apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; then
  (apt-get update -qq && apt-get install -y -qq "${missing[@]}") >/dev/null 2>&1 \
    || echo "warning: could not install ${missing[*]}; what needs it is skipped or refused, with the reason" >&2
fi
exit 0
