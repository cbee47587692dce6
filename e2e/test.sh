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

# PostgreSQL from Debian's packages, started in a temp dir on a free loopback
# port in the background while the rest is prepared: the store's test suite
# runs once more on it (PICTOR_TEST_ENGINE=postgres), and tests that need a
# server get a fresh database each (internal/testkit/pgtest).
pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
if [ -z "$pg_bin" ]; then
	if [ "$(id -u)" = 0 ]; then
		step "apt-get install postgresql"
		export DEBIAN_FRONTEND=noninteractive
		# Only the server's files: no cluster of the package's own.
		mkdir -p /etc/postgresql-common
		grep -qs '^create_main_cluster' /etc/postgresql-common/createcluster.conf ||
			echo 'create_main_cluster = false' >>/etc/postgresql-common/createcluster.conf
		apt-get update -qq
		apt-get install -y -qq postgresql >/dev/null
		pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
	else
		echo "PostgreSQL is missing and we are not root: install Debian's postgresql" >&2
		exit 1
	fi
fi
pg_dir="$(mktemp -d)"
as_pg=()
if [ "$(id -u)" = 0 ]; then
	chown postgres "$pg_dir" # PostgreSQL refuses to run as root
	as_pg=(runuser -u postgres --)
fi
pg_port=""
for p in $(seq 25432 25532); do
	if ! (: </dev/tcp/127.0.0.1/"$p") 2>/dev/null; then
		pg_port=$p
		break
	fi
done
stop_postgres() {
	"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$pg_dir"
}
trap stop_postgres EXIT
(
	cd "$pg_dir"
	"${as_pg[@]}" "$pg_bin/initdb" -A trust -U pictor -E UTF8 --locale=C -D "$pg_dir/data" >"$pg_dir/initdb.log" 2>&1
	"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -o "-p $pg_port -k $pg_dir \
		-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
		-c max_connections=400" start >/dev/null
) &
pg_start=$!
export PICTOR_TEST_POSTGRES="postgres://pictor@127.0.0.1:$pg_port/postgres"
# S3 tests run against VersityGW (Apache-2.0, a real SigV4 S3 gateway over a folder), built from the Go
# module proxy into .cache/versitygw in the background (about a minute, once) while the steps below run.
vgw_dir="$root/.cache/versitygw"
vgw_bin="$vgw_dir/versitygw"
vgw_pid=""
if [ ! -x "$vgw_bin" ]; then
	mkdir -p "$vgw_dir"
	rm -f "$vgw_bin.failed"
	# Built at low priority (the tests come first) and aside, then moved into
	# place so the binary appears whole; the S3 tests wait for it
	# (internal/testkit/s3test), or for the .failed mark.
	(GOBIN="$vgw_dir/tmp" nice -n 19 go install github.com/versity/versitygw/cmd/versitygw@v1.8.0 >"$vgw_dir/build.log" 2>&1 &&
		mv "$vgw_dir/tmp/versitygw" "$vgw_bin" || { touch "$vgw_bin.failed"; exit 1; }) &
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

step "wait for PostgreSQL"
if ! wait "$pg_start"; then
	cat "$pg_dir"/*.log >&2
	echo "PostgreSQL did not start" >&2
	exit 1
fi

# The store's suite on PostgreSQL runs beside the main run (no -race: the
# race detector already ran the same code on SQLite; this pass checks the
# SQL). Its output is shown once it ends.
step "go test ./store/ on PostgreSQL (in the background)"
PICTOR_E2E=1 PICTOR_TEST_ENGINE=postgres go test -count=1 -timeout 15m "$@" ./store/ >"$pg_dir/store-postgres.log" 2>&1 &
pg_pass=$!
# The S3 tests wait for the versitygw build still running in the background.
export PICTOR_TEST_VERSITYGW="$vgw_bin"

step "go test"
# Four packages at a time on two cores: about a quarter of the CPU went
# unused at two (tests wait on peers, browsers, timers and fsync).
# The longest packages are named first: go test builds and starts packages
# in the order given (./... adds the rest once), so the long poles start at
# once and the short packages fill the gaps, instead of e2e starting behind
# eight others and running alone at the end.
long_first=(./e2e/ ./mastoapi/ ./web/ ./cmd/pictor/ ./store/ ./cmd/pictor-bench/ ./media/ ./server/)
PICTOR_E2E=1 go test -race -count=1 -p 4 -timeout 15m "$@" "${long_first[@]}" ./...
if [ -n "$vgw_pid" ] && ! wait "$vgw_pid"; then
	cat "$vgw_dir/build.log" >&2
	echo "the versitygw build failed" >&2
	exit 1
fi
step "store tests on PostgreSQL"
pg_ok=0
wait "$pg_pass" || pg_ok=$?
cat "$pg_dir/store-postgres.log"
if [ "$pg_ok" != 0 ]; then
	echo "the store's tests failed on PostgreSQL" >&2
	exit 1
fi
step "all tests passed"
