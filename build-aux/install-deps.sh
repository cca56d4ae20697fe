#!/bin/sh
# Install the Debian 12 packages fulfil needs to build, test and run its demo.
# Used by the README's first command and by .ci/run, so both stay in step.
set -eu
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: run as root (apt-get needs it)" >&2
	exit 2
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential autoconf automake libtool autopoint gettext pkg-config \
	libncurses-dev libsodium-dev libsqlite3-dev libcurl4-openssl-dev \
	libpam0g-dev libjansson-dev libcmocka-dev libpam-wrapper \
	libnss-wrapper tmux python3 openssl ca-certificates sqlite3 \
	strace libsqlcipher-dev zbar-tools >/dev/null
# The third-party ZPL renderer the label test (tests/cli/label-render.sh)
# draws received labels with; that test skips without it, so a failure
# here is reported and not fatal.
if command -v npm >/dev/null 2>&1; then
	npm install --no-audit --no-fund --prefix /usr/local/lib/fulfil-test \
	    zpl-renderer-js@3.4.0 >/dev/null 2>&1 ||
		echo "install-deps.sh: npm could not install zpl-renderer-js;" \
		    "tests/cli/label-render.sh will skip" >&2
else
	echo "install-deps.sh: npm not found; tests/cli/label-render.sh" \
	    "will skip (install nodejs and npm to run it)" >&2
fi
