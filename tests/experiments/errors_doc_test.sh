#!/bin/sh
# docs/errors.md is the reference: every row of its tables (situation | command | stderr |
# exit | left on disk) is run here, so the document cannot drift from the binary.
#  - the fixture script of the document (the sh block after "<!-- errors_doc_test: fixtures -->")
#    prepares a scratch directory, with SRC = the source tree and spikebar and
#    spikebar_synthetic_idx on the PATH;
#  - each row's command runs there with `sh -c`; stderr must be exactly the row's message, on
#    one line, the exit code the row's, and the directory afterwards exactly as before (no
#    output, no .tmp, no file changed), which is what "nothing" in the last column claims;
#  - every class of errors (the ## sections) has at least 3 rows.
# usage: SPIKEBAR_SYNTHETIC_IDX=TOOL errors_doc_test.sh SPIKEBAR SOURCE_DIR
# On a failure, KEEP=1 keeps the scratch directory to rerun the command in.
set -u
bin=$1
src=$2
doc=$src/docs/errors.md
tool=${SPIKEBAR_SYNTHETIC_IDX:?the synthetic dataset tool spikebar_synthetic_idx (ctest sets it)}
tmp=$(mktemp -d)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin" "$tmp/rows" "$tmp/w"
ln -s "$bin" "$tmp/bin/spikebar"
ln -s "$tool" "$tmp/bin/spikebar_synthetic_idx"
PATH=$tmp/bin:$PATH
export PATH

# The rows, one set of files each: rows/NNN.{class,situation,cmd,err,rc,left}. A row is a
# table line whose second cell is a code span; `\|` is a literal | inside a cell (GFM).
awk -v out="$tmp/rows" '
    function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
    function code(s) { s = trim(s); if (s ~ /^`.*`$/) return substr(s, 2, length(s) - 2); return "" }
    function put(name, text) { f = sprintf("%s/%03d.%s", out, n, name); printf "%s\n", text > f; close(f) }
    /^## / { cls = substr($0, 4) }
    /^\|/ {
        line = $0
        gsub(/\\\|/, "\001", line)
        k = split(line, c, "|")
        if (k != 7) next
        for (i = 2; i <= 6; ++i) gsub("\001", "|", c[i])
        cmd = code(c[3])
        if (cmd == "") next
        ++n
        put("class", cls); put("situation", trim(c[2])); put("cmd", cmd)
        put("err", code(c[4])); put("rc", trim(c[5])); put("left", trim(c[6]))
    }' "$doc"
awk '/^<!-- errors_doc_test: fixtures -->$/ { on = 1; next }
     on == 1 && /^```sh$/ { on = 2; next }
     on == 2 && /^```$/ { exit }
     on == 2 { print }' "$doc" > "$tmp/fixtures.sh"

fails=0
fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}

[ -s "$tmp/fixtures.sh" ] || { echo "FAIL: $doc has no fixture script"; exit 1; }
(cd "$tmp/w" && SRC=$src sh -eu "$tmp/fixtures.sh") > "$tmp/fixtures.log" 2>&1 ||
    { cat "$tmp/fixtures.log"; echo "FAIL: the fixture script of $doc failed"; exit 1; }

# Every class of the issue (config, model, dataset, run file, sweep, CLI) and NIR.
for cls in Config Model Dataset "Run file" Sweep NIR CLI; do
    count=$(grep -lx "$cls" "$tmp"/rows/*.class 2>/dev/null | wc -l)
    [ "$count" -ge 3 ] || fail "section '## $cls' of $doc has $count rows, expected 3 or more"
done

# What the scratch directory holds: every path (files, links, folders, FIFOs) and every
# regular file's checksum.
snapshot() {
    (cd "$tmp/w" && find . -print | LC_ALL=C sort && find . -type f -exec cksum {} + | LC_ALL=C sort)
}

rows=0
for f in "$tmp"/rows/*.cmd; do
    [ -e "$f" ] || break
    r=${f%.cmd}
    cmd=$(cat "$f")
    want_err=$(cat "$r.err")
    want_rc=$(cat "$r.rc")
    left=$(cat "$r.left")
    where="$(cat "$r.class"): $(cat "$r.situation")"
    rows=$((rows + 1))
    case "$left" in nothing*) ;; *)
        fail "$where: 'left on disk' is '$left'; this test checks 'nothing' only"; continue ;;
    esac
    case "$want_rc" in [0-9]|[0-9][0-9]) ;; *)
        fail "$where: exit code '$want_rc' is not a number"; continue ;;
    esac
    snapshot > "$tmp/before"
    (cd "$tmp/w" && SRC=$src timeout 60 sh -c "$cmd" < /dev/null > "$tmp/stdout" 2> "$tmp/stderr")
    rc=$?
    snapshot > "$tmp/after"
    err=$(cat "$tmp/stderr")
    lines=$(wc -l < "$tmp/stderr")
    if [ "$rc" != "$want_rc" ] || [ "$err" != "$want_err" ] || [ "$lines" != 1 ]; then
        fail "$where"
        echo "  command: $cmd"
        echo "  exit $rc (want $want_rc), $lines line(s) on stderr (want 1)"
        echo "  stderr: $err"
        echo "  want:   $want_err"
    fi
    if ! cmp -s "$tmp/before" "$tmp/after"; then
        fail "$where: the command left the directory changed"
        echo "  command: $cmd"
        diff "$tmp/before" "$tmp/after" | sed -n 's/^[<>] /  /p' | sed -n 1,10p
    fi
done
[ "$rows" -ge 40 ] || fail "$doc has $rows rows with a command, expected 40 or more"

if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed of $rows rows; rerun with KEEP=1 to keep the scratch directory"
    [ "${KEEP:-0}" = 1 ] && echo "scratch directory: $tmp/w (PATH=$tmp/bin:\$PATH)"
    exit 1
fi
echo "all $rows rows of docs/errors.md hold"
