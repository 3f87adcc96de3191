#!/bin/sh
# Reserve a board, boot it, ssh and scp into it through the portal, try a file in its sandbox, release it.
# Usage: try-board.sh BOARD FILE. Needs PORTAL_URL and PORTAL_TOKEN (or `portal login`) and the ~/.ssh/config
# block above (or SSH_CONFIG=path/to/that/file).
set -eu
board=$1
file=$2
name=$(basename "$file")
ssh_config=${SSH_CONFIG:-$HOME/.ssh/config}

portal reserve "$board" --minutes 30
trap 'portal release "$board"' EXIT

# Power-cycle once the console is attached, and wait for the login prompt.
portal console "$board" --power cycle --expect 'login: ?$' --timeout 120 > /dev/null

ssh -F "$ssh_config" "$board" uname -a
scp -F "$ssh_config" "$file" "$board":
ssh -F "$ssh_config" "$board" sha256sum "$name"

portal sandbox "$board" launch
portal sandbox "$board" cp "$file" "$board":/tmp/
portal sandbox "$board" exec -- sha256sum "/tmp/$name"
