#!/usr/bin/env bash
# The project's one test command: ./e2e/test.sh (works from any directory).
# It prepares the third-party peers and clients the Go tests drive (npm packages
# in e2e/node_modules, Debian's chromium), checks formatting and vet, then runs
# every Go test with the race detector and PICTOR_E2E=1, so that a missing peer
# fails the run instead of skipping it. Extra arguments go to `go test`
# (e.g. ./e2e/test.sh -run TestTwoPeers).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
start=$SECONDS
step() { printf '== %s (%ds)\n' "$*" "$((SECONDS - start))"; }

if ! command -v go >/dev/null && [ -x /usr/local/go/bin/go ]; then
	export PATH="$PATH:/usr/local/go/bin"
fi

# S3 tests run against VersityGW (Apache-2.0, a real SigV4 S3 gateway over a folder), built from the Go
# module proxy into .cache/versitygw in the background (about a minute, once) while the steps below run.
vgw_dir="$root/.cache/versitygw"
vgw_bin="$vgw_dir/versitygw"
vgw_pid=""
if [ ! -x "$vgw_bin" ]; then
	mkdir -p "$vgw_dir"
	(GOBIN="$vgw_dir" go install github.com/versity/versitygw/cmd/versitygw@v1.8.0 >"$vgw_dir/build.log" 2>&1) &
	vgw_pid=$!
fi

# npm ci only when node_modules is missing or was installed from another lock file.
lock_sum="$(sha256sum e2e/package-lock.json | cut -d' ' -f1)"
stamp=e2e/node_modules/.pictor-lock-sha256
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
	step "npm ci in e2e/"
	(cd e2e && npm ci --no-audit --no-fund --loglevel=error)
	echo "$lock_sum" >"$stamp"
fi

# Browser tests use Debian's chromium; never a browser downloaded by a test tool.
if [ ! -x /usr/bin/chromium ]; then
	if [ "$(id -u)" = 0 ]; then
		step "apt-get install chromium"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq chromium >/dev/null
	else
		echo "warning: /usr/bin/chromium is missing and we are not root; browser tests will fail" >&2
	fi
fi

# The repository stands alone: no file in it may refer to the reading folder beside the project
# (a clone has none). The pattern is built from two parts so this script does not match itself.
step "self-contained"
outside='\.\./'"shared"
if git ls-files -z | xargs -0 grep -l -e "$outside" --; then
	echo "the files above refer to a folder outside the repository; copy what they need into it" >&2
	exit 1
fi

step "gofmt"
unformatted="$(find . -name '*.go' -not -path './.git/*' -not -path '*/node_modules/*' -print0 | xargs -0 gofmt -l)"
if [ -n "$unformatted" ]; then
	echo "gofmt -l reports unformatted files:" >&2
	echo "$unformatted" >&2
	exit 1
fi

step "go vet"
go vet ./...

if [ -n "$vgw_pid" ]; then
	step "wait for the versitygw build"
	if ! wait "$vgw_pid"; then
		cat "$vgw_dir/build.log" >&2
		exit 1
	fi
fi
export PICTOR_TEST_VERSITYGW="$vgw_bin"

step "go test"
PICTOR_E2E=1 go test -race -count=1 -timeout 15m "$@" ./...
step "all tests passed"
