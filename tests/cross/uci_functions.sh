# A stand-in for OpenWrt's /lib/functions.sh, enough to run
# packaging/openwrt/classband-agent/files/classband-agent-uci2conf off
# OpenWrt. OpenWrt loads a config by evaluating `uci export` output, whose
# lines are the same `config TYPE 'name'` / `option KEY 'VALUE'` /
# `list KEY 'VALUE'` shell commands that a UCI file holds; this file
# defines those three commands and the config_* accessors the way
# functions.sh does (CONFIG_<section>_<option> variables, list items as
# _ITEM1.._ITEMn with _LENGTH, anonymous sections named cfgNNNNNN).
# The directory of config files is $UCI_CONFIG_DIR (default /etc/config).
CONFIG_SECTIONS=""
CONFIG_NUM_SECTIONS=0

config() {
	CONFIG_NUM_SECTIONS=$((CONFIG_NUM_SECTIONS + 1))
	CONFIG_SECTION=${2:-$(printf 'cfg%02x%04x' 1 "$CONFIG_NUM_SECTIONS")}
	CONFIG_SECTIONS="$CONFIG_SECTIONS $CONFIG_SECTION"
	eval "CONFIG_${CONFIG_SECTION}_TYPE=\$1"
}

option() {
	eval "CONFIG_${CONFIG_SECTION}_$1=\$2"
}

list() {
	local n
	eval "n=\${CONFIG_${CONFIG_SECTION}_$1_LENGTH:-0}"
	n=$((n + 1))
	eval "CONFIG_${CONFIG_SECTION}_$1_ITEM$n=\$2"
	eval "CONFIG_${CONFIG_SECTION}_$1_LENGTH=$n"
}

config_load() {
	. "${UCI_CONFIG_DIR:-/etc/config}/$1"
}

config_get() {
	case $# in
	4) eval "$1=\${CONFIG_$2_$3:-\$4}" ;;
	3) eval "$1=\${CONFIG_$2_$3:-}" ;;
	esac
}

config_get_bool() {
	local _b
	config_get _b "$2" "$3" "$4"
	case "$_b" in
	1|on|true|yes|enabled) _b=1 ;;
	0|off|false|no|disabled) _b=0 ;;
	*) _b="$4" ;;
	esac
	eval "$1=\$_b"
}

config_foreach() {
	local fn="$1" want="$2" sec t
	shift 2
	for sec in $CONFIG_SECTIONS; do
		eval "t=\$CONFIG_${sec}_TYPE"
		if [ -z "$want" ] || [ "$t" = "$want" ]; then
			"$fn" "$sec" "$@"
		fi
	done
}

config_list_foreach() {
	local sec="$1" opt="$2" fn="$3" n i=1 v
	shift 3
	eval "n=\${CONFIG_${sec}_${opt}_LENGTH:-0}"
	while [ "$i" -le "$n" ]; do
		eval "v=\$CONFIG_${sec}_${opt}_ITEM$i"
		"$fn" "$v" "$@"
		i=$((i + 1))
	done
}
