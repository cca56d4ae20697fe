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
