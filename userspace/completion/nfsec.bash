# SPDX-License-Identifier: GPL-2.0
# bash completion for nfsec(8)

_nfsec_words_seen()
{
	# Print the keywords already on the line after the subcommand.
	local i
	for ((i = 3; i < cword; i++)); do
		printf '%s\n' "${words[i]}"
	done
}

# In "policy add ... sa proto P src ADDR spi SPI" (the three in any order):
# set sa_start and sa_end to the first and last index of that SA reference
# (sa_end is cword when the word being completed is inside it), sa_given
# to its keywords given before cword. Returns 1 without an "sa".
_nfsec_sa_ref()
{
	local i
	sa_start=0 sa_end=0 sa_given=" "
	for ((i = 3; i < cword; i++)); do
		[[ ${words[i]} == sa ]] && sa_start=$i
	done
	((sa_start)) || return 1
	sa_end=$cword
	for ((i = sa_start + 1; i < cword; i += 2)); do
		case ${words[i]} in
		proto|src|spi) ;;
		*) sa_end=$((i - 1)); return 0 ;;
		esac
		[[ $sa_given == *" ${words[i]} "* ]] && { sa_end=$((i - 1)); return 0; }
		sa_given+="${words[i]} "
		if [[ $sa_given == *proto*src*spi* || $sa_given == *proto*spi*src* ||
		      $sa_given == *src*proto*spi* || $sa_given == *src*spi*proto* ||
		      $sa_given == *spi*proto*src* || $sa_given == *spi*src*proto* ]]; then
			((i + 1 < cword)) && sa_end=$((i + 1))
			return 0
		fi
	done
	return 0
}

_nfsec_filter()
{
	# Drop keywords that were already given (values are not keywords); the
	# SA reference of a policy brings its own proto, src and spi.
	local seen w out=() sa_start sa_end sa_given
	seen=" $(_nfsec_words_seen | tr '\n' ' ') "
	if [[ $cmd == policy ]] && _nfsec_sa_ref; then
		seen=" ${words[*]:3:sa_start-3} sa ${words[*]:sa_end+1:cword-sa_end-1} "
	fi
	# A protect policy names an SA or a request id, not both.
	[[ $seen == *" sa "* ]] && seen+="reqid "
	[[ $seen == *" reqid "* ]] && seen+="sa "
	for w in "$@"; do
		[[ $seen == *" $w "* ]] || out+=("$w")
	done
	printf '%s ' "${out[@]}"
}

_nfsec()
{
	local cur prev words cword
	# An IPv6 address is one word, not split at its colons.
	_init_completion -n : || return

	local aead_algs="aes-gcm chacha20-poly1305 aes-gmac"
	local enc_algs="aes-cbc null"
	local auth_algs="hmac-sha256 hmac-sha384 hmac-sha512 hmac-sha1"
	# AH also takes GMAC (RFC 4543); ESP has it as an AEAD.
	[[ " ${words[*]:0:cword} " == *" proto ah "* ]] && auth_algs+=" aes-gmac"
	local genkey_algs="aes-gcm-128 aes-gcm-192 aes-gcm-256 aes-gmac-128
		aes-gmac-192 aes-gmac-256 chacha20-poly1305 aes-cbc-128
		aes-cbc-192 aes-cbc-256 hmac-sha1 hmac-sha256 hmac-sha384
		hmac-sha512"
	local commands="sa policy show save stats monitor genkey version help"
	local sa_add_kw="proto src dst spi dir mode aead icv enc auth replay-window
		esn align4 seq reqid soft-bytes hard-bytes soft-packets hard-packets
		soft-seconds hard-seconds help"
	local pol_add_kw="dir family src dst proto sport dport action sa reqid priority
		help"
	local pol_del_kw="index dir family src dst proto sport dport priority help"

	# Skip global options to find the subcommand.
	local i cmd="" cmdi=0
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-b|--batch) ((i++)) ;;
		-*) ;;
		*) cmd=${words[i]}; cmdi=$i; break ;;
		esac
	done

	if [[ $prev == -b || $prev == --batch ]]; then
		_filedir
		return
	fi
	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "-j -s -v -b -n -h --json --stats
				--verbose --batch --dry-run --help" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi
		return
	fi

	local sub=${words[cmdi + 1]}
	local pprev=""
	((cword >= 2)) && pprev=${words[cword - 2]}

	# Inside the SA reference of "policy add": its keywords, or a value.
	local sa_start sa_end sa_given w sa_kw=()
	if [[ $cmd == policy && $sub == add ]] && _nfsec_sa_ref &&
		((sa_end == cword)); then
		if (( (cword - sa_start) % 2 == 1 )); then
			for w in proto src spi; do
				[[ $sa_given == *" $w "* ]] || sa_kw+=("$w")
			done
			COMPREPLY=($(compgen -W "${sa_kw[*]}" -- "$cur"))
		elif [[ $prev == proto ]]; then
			COMPREPLY=($(compgen -W "esp ah" -- "$cur"))
		fi
		return
	fi

	# Values of keywords.
	case $prev in
	proto)
		if [[ $cmd == policy && $pprev != sa ]]; then
			COMPREPLY=($(compgen -W "tcp udp icmp ipv6-icmp sctp udplite esp ah gre any" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "esp ah" -- "$cur"))
		fi
		return ;;
	mode) COMPREPLY=($(compgen -W "transport tunnel" -- "$cur")); return ;;
	aead) COMPREPLY=($(compgen -W "$aead_algs" -- "$cur")); return ;;
	enc) COMPREPLY=($(compgen -W "$enc_algs" -- "$cur")); return ;;
	auth) COMPREPLY=($(compgen -W "$auth_algs" -- "$cur")); return ;;
	dir) COMPREPLY=($(compgen -W "in out" -- "$cur")); return ;;
	family) COMPREPLY=($(compgen -W "inet inet6" -- "$cur")); return ;;
	action) COMPREPLY=($(compgen -W "protect bypass discard" -- "$cur")); return ;;
	src|dst|spi|sport|dport|priority|index|icv|seq|replay-window|reqid|range|\
	soft-bytes|hard-bytes|soft-packets|hard-packets|soft-seconds|hard-seconds)
		return ;;
	esac
	# The KEY after "aead|enc|auth ALG": hex or @FILE.
	case $pprev in
	aead|enc|auth)
		if [[ $cur == @* ]]; then
			local IFS=$'\n' f
			COMPREPLY=()
			for f in $(compgen -f -- "${cur#@}"); do
				COMPREPLY+=("@$f")
			done
		elif [[ $pprev == enc && $prev == null ]]; then
			COMPREPLY=($(compgen -W "none" -- "$cur"))
		fi
		return ;;
	esac

	case $cmd in
	sa)
		if ((cword == cmdi + 1)); then
			COMPREPLY=($(compgen -W "add allocspi del get show flush help" -- "$cur"))
			return
		fi
		case $sub in
		add)
			COMPREPLY=($(compgen -W "$(_nfsec_filter $sa_add_kw)" -- "$cur")) ;;
		allocspi) COMPREPLY=($(compgen -W "$(_nfsec_filter proto src dst reqid range help)" -- "$cur")) ;;
		del) COMPREPLY=($(compgen -W "$(_nfsec_filter proto src spi help)" -- "$cur")) ;;
		get) COMPREPLY=($(compgen -W "$(_nfsec_filter proto src spi with-keys help)" -- "$cur")) ;;
		show) COMPREPLY=($(compgen -W "with-keys help" -- "$cur")) ;;
		flush) COMPREPLY=($(compgen -W "proto help" -- "$cur")) ;;
		esac ;;
	policy)
		if ((cword == cmdi + 1)); then
			COMPREPLY=($(compgen -W "add del show flush help" -- "$cur"))
			return
		fi
		case $sub in
		add)
			COMPREPLY=($(compgen -W "$(_nfsec_filter $pol_add_kw)" -- "$cur")) ;;
		del)
			COMPREPLY=($(compgen -W "$(_nfsec_filter $pol_del_kw)" -- "$cur")) ;;
		flush) COMPREPLY=($(compgen -W "dir help" -- "$cur")) ;;
		show) COMPREPLY=($(compgen -W "help" -- "$cur")) ;;
		esac ;;
	genkey)
		((cword == cmdi + 1)) &&
			COMPREPLY=($(compgen -W "$genkey_algs help" -- "$cur")) ;;
	show|save)
		COMPREPLY=($(compgen -W "with-keys help" -- "$cur")) ;;
	stats|monitor|version)
		COMPREPLY=($(compgen -W "help" -- "$cur")) ;;
	esac
}

complete -F _nfsec nfsec
