#!/bin/sh
# check-layering.sh - the include arrows in milter/ point down, and every
# .c owns its header.
#
# 1. Layers. Each milter/ module (X.c, X_part.c and X.h are module X) sits
#    in one layer of LAYERS below, lowest first. A file may include its own
#    module's header and headers of modules in lower layers, nothing at the
#    same layer or above. A module in no layer fails: place it.
#    From policy/, milter/ includes only rw_policy.h (STYLE), and policy/
#    includes nothing from milter/.
# 2. Own header. Each .c in milter/ (but the programs, PROGRAMS) has its
#    module's header, X.h, and includes it first, right after config.h, so
#    that the header is known to compile on its own. A policy/ .c includes
#    the library's contract first: its own X.h if it has one, else
#    rw_policy.h or checks.h (STYLE: one public header for the pure core);
#    the configuration files (config.c, conf*.c) their shared confkeys.h.
# 3. A milter/ header declares only its own module's functions and objects:
#    each is defined in X.c or X_*.c.
# 4. No .c in milter/ or policy/ declares anything of another file: no
#    extern, no prototype at file scope (static ones are its own).
# Prints "N passed, N failed"; each failure names the file and the rule.
src=${RW_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}

# lowest first; one layer per line
LAYERS='
redisurl
log deadline dnsmsg spfrecord daemonconf metrics mime msgbuf miltercode
dnscache daemon sessions metricshttp store mimeload poolkick threadreuse sockread
dns
conf spfsource
probe spfdns
spf dnsfacts urifacts
stages
mlfi
main query
'
PROGRAMS='main query'

pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

# module FILE - X for X.c, X.h, X_part.c
module() {
	m=${1##*/}
	m=${m%.[ch]}
	echo "${m%%_*}"
}

# layer MODULE - its line number in LAYERS, or nothing
layer() {
	printf '%s\n' "$LAYERS" | awk -v m="$1" '
	    NF > 0 { n++; for (i = 1; i <= NF; i++) if ($i == m) { print n; exit } }'
}

# quoted_includes FILE - the "x.h" includes, in order
quoted_includes() {
	sed -n 's/^#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$1"
}

# ------------------------------------------------------------- 1. layers
for f in "$src"/milter/*.c "$src"/milter/*.h; do
	[ -e "$f" ] || continue
	rel=milter/${f##*/}
	m=$(module "$f")
	l=$(layer "$m")
	if [ -z "$l" ]; then
		bad "$rel: module $m is in no layer of tests/check-layering.sh"
		continue
	fi
	good=true
	for h in $(quoted_includes "$f"); do
		case $h in
		config.h|rw_policy.h) continue ;;
		esac
		if [ "${h#*/}" != "$h" ] || [ ! -e "$src/milter/$h" ]; then
			bad "$rel: includes \"$h\": not a milter/ header (from policy/ only rw_policy.h)"
			good=false
			continue
		fi
		hm=$(module "$h")
		[ "$hm" = "$m" ] && continue
		hl=$(layer "$hm")
		if [ -z "$hl" ] || [ "$hl" -ge "$l" ]; then
			bad "$rel: includes $h, but $m (layer $l) is not above $hm (layer ${hl:-none})"
			good=false
		fi
	done
	$good && ok
done
for f in "$src"/policy/*.c "$src"/policy/*.h; do
	[ -e "$f" ] || continue
	good=true
	for h in $(quoted_includes "$f"); do
		[ "$h" = config.h ] && continue
		if [ "${h#*/}" != "$h" ] || [ ! -e "$src/policy/$h" ]; then
			bad "policy/${f##*/}: includes \"$h\", which is not in policy/"
			good=false
		fi
	done
	$good && ok
done

# ------------------------------------------------------------- 2. own header
# first_include FILE - the first quoted include after config.h
first_include() {
	quoted_includes "$1" | grep -v '^config\.h$' | head -n 1
}
for f in "$src"/milter/*.c; do
	[ -e "$f" ] || continue
	rel=milter/${f##*/}
	m=$(module "$f")
	case " $PROGRAMS " in *" $m "*) ok; continue ;; esac
	if [ ! -e "$src/milter/$m.h" ]; then
		bad "$rel: has no header of its own (milter/$m.h)"
	elif [ "$(first_include "$f")" != "$m.h" ]; then
		bad "$rel: includes $(first_include "$f") first, not its own $m.h"
	else
		ok
	fi
done
for f in "$src"/policy/*.c; do
	[ -e "$f" ] || continue
	rel=policy/${f##*/}
	b=${f##*/}
	b=${b%.c}
	first=$(first_include "$f")
	if [ -e "$src/policy/$b.h" ]; then
		want="$b.h"
	else
		case $b in
		# the configuration files share one internal header
		config|conf*) want="confkeys.h" ;;
		*) want="rw_policy.h or checks.h" ;;
		esac
	fi
	case " $want " in
	*" $first "*) ok ;;
	*) bad "$rel: includes ${first:-nothing} first, not its own header ($want)" ;;
	esac
done

# ------------------------------------------------ 3. and 4. declarations
# decls FILE - file-scope declarations, one per line: "KIND NAME", where
# KIND is fn (prototype), obj (extern object) or static. Comments, strings
# and preprocessor lines are ignored; statements are joined until ";" or "{".
decls() {
	awk '
	function flush(   s, name, t) {
		s = stmt; stmt = ""
		gsub(/[ \t]+/, " ", s); sub(/^ /, "", s)
		if (s !~ /;$/ || s ~ /^(typedef|static|_Static_assert)/)
			return
		if (s ~ /^(struct|union|enum) [A-Za-z_0-9]+ ?;$/)
			return		# a forward declaration
		if (s ~ /=/)
			return		# a definition
		if (s ~ /\(/) {
			t = s; sub(/\(.*/, "", t)
			if (t ~ /\(\*/) return
			n = split(t, w, /[^A-Za-z_0-9]+/)
			name = w[n]; if (name == "" && n > 1) name = w[n - 1]
			print "fn " name
		} else {
			t = s; sub(/ ?(\[[^]]*\])* ?;$/, "", t)
			n = split(t, w, /[^A-Za-z_0-9]+/)
			print "obj " w[n]
		}
	}
	{
		line = $0
		if (incomment) {
			if (line !~ /\*\//) next
			sub(/^.*\*\//, "", line); incomment = 0
		}
		gsub(/\/\*([^*]|\*+[^*\/])*\*+\//, "", line)
		if (line ~ /\/\*/) { sub(/\/\*.*/, "", line); incomment = 1 }
		sub(/\/\/.*/, "", line)
		if (cont) { cont = line ~ /\\$/; next }
		if (line ~ /^[ \t]*#/) { cont = line ~ /\\$/; next }
		gsub(/"([^"\\]|\\.)*"/, "\"\"", line)
		gsub(/\047([^\047\\]|\\.)*\047/, "0", line)
		if (depth == 0 && line !~ /^[ \t]*$/)
			stmt = stmt " " line
		else if (depth == 0)
			stmt = ""
		nb = gsub(/{/, "{", line); ne = gsub(/}/, "}", line)
		if (depth == 0 && nb > 0) stmt = ""
		depth += nb - ne
		if (depth == 0 && stmt ~ /;[ \t]*$/) flush()
	}' "$1"
}
for f in "$src"/milter/*.h; do
	[ -e "$f" ] || continue
	rel=milter/${f##*/}
	m=$(module "$f")
	good=true
	for name in $(decls "$f" | awk '$1 != "static" { print $2 }'); do
		# a definition starts its line (STYLE: grep '^rw_x' finds it),
		# or is a macro's first argument (log.c's DEFINE_LOG)
		if ! cat "$src/milter/$m.c" "$src"/milter/"$m"_*.c 2>/dev/null |
		    grep -qE "^$name\(|^[A-Z_]+\($name,|^[^[:space:]#].*[ *]$name( =|\[.*=)"; then
			bad "$rel: declares $name, which $m.c does not define"
			good=false
		fi
	done
	$good && ok
done
for f in "$src"/milter/*.c "$src"/policy/*.c; do
	[ -e "$f" ] || continue
	rel=${f#"$src"/}
	out=$(decls "$f" | awk '$1 != "static" { printf " %s", $2 }')
	if [ -n "$out" ]; then
		bad "$rel: declares what another file defines (belongs in a header):$out"
	else
		ok
	fi
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
