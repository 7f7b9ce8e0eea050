#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# check-mimemod.sh - the link-time contract between the daemon and its
# MIME module, relaywarden-mime.so (milter/mimeload.c, issue 11):
#   1. the daemon does not link GMime, GLib or GObject (readelf NEEDED);
#      the module does (GMime), and so does relaywarden-query;
#   2. the module exports one symbol of ours, rw_mime_module
#      (milter/mime_module.map): its rw_mime_read() cannot interpose on
#      the daemon's;
#   3. every function of ours the module leaves undefined is in
#      milter/mime_module.dynlist and is exported by the daemon, and the
#      list names nothing the module does not use: the module binds to
#      the daemon's one copy of the policy code (a missing entry would be
#      a dlopen() error at start, found here at build time).
# Needs RW_BUILDDIR (make check sets it) and binutils (nm, readelf).
# Prints "N passed, N failed".
src=${RW_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
b=${RW_BUILDDIR:-.}
d=$b/milter/relaywarden
m=$b/milter/relaywarden-mime.so
q=$b/milter/relaywarden-query
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

for t in nm readelf; do
	command -v $t >/dev/null 2>&1 || { echo "check-mimemod.sh: no $t (binutils)"; exit 77; }
done
for f in "$d" "$m" "$q"; do
	[ -f "$f" ] || { bad "$f: not built"; echo "$pass passed, $fail failed"; exit 1; }
done

needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
glib='^lib(gmime-3\.0|glib-2\.0|gobject-2\.0|gio-2\.0)\.so'
n=$(needed "$d" | grep -E "$glib")
[ -z "$n" ] && ok "the daemon links no GMime, GLib, GObject, GIO" ||
    bad "the daemon links $(echo "$n" | tr '\n' ' ')"
needed "$m" | grep -q '^libgmime-3\.0\.so' && ok "the module links GMime" ||
    bad "the module does not link GMime: $(needed "$m" | tr '\n' ' ')"
needed "$q" | grep -q '^libgmime-3\.0\.so' && ok "relaywarden-query links GMime" ||
    bad "relaywarden-query does not link GMime"

exp=$(nm -D --defined-only "$m" | awk '$3 ~ /^rw_/ { print $3 }')
[ "$exp" = rw_mime_module ] && ok "the module exports rw_mime_module and nothing else of ours" ||
    bad "the module exports: $(echo "$exp" | tr '\n' ' ')"

# the list: the names between "{" and "};", comments aside
list=$(sed -e 's,/\*.*\*/,,' -e '/\/\*/,/\*\//d' "$src/milter/mime_module.dynlist" |
    tr -d '{}; \t' | grep -v '^$' | sort)
undef=$(nm -D --undefined-only "$m" | awk '$2 ~ /^rw_/ { print $2 }' | sort)
[ "$list" = "$undef" ] && ok "mime_module.dynlist is what the module imports ($(echo "$undef" | wc -l) functions)" ||
    bad "mime_module.dynlist: $(echo "$list" | tr '\n' ' '); the module imports: $(echo "$undef" | tr '\n' ' ')"
daemon=$(nm -D --defined-only "$d" | awk '$3 ~ /^rw_/ { print $3 }' | sort)
missing=$(echo "$undef" | while read -r s; do
	echo "$daemon" | grep -qx "$s" || echo "$s"
done)
[ -z "$missing" ] && ok "the daemon exports every one of them" ||
    bad "the daemon does not export: $(echo "$missing" | tr '\n' ' ')"
[ "$daemon" = "$list" ] && ok "the daemon exports nothing else of ours" ||
    bad "the daemon exports: $(echo "$daemon" | tr '\n' ' ')"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
