# bash completion for yolovm: git yolo-push, git yolo-fetch, git yolo-diff (through git's own
# completion, which calls _git_yolo_push for `git yolo-push`), yolo-dir and yolovm.
#
# Installed by ./install into ~/.local/share/bash-completion/completions/ under each command's
# name, where bash-completion loads it on first use; without bash-completion, source this file
# from ~/.bashrc (after git's completion). Completion never opens an ssh connection: it offers
# local branches, local directories, the subpaths this repository remembers, and the VM names
# git config and the terraform state name (`yolovm complete vms`, which reads only local files).

# The words after the command word ($1 is its index) that are not options, nor an option's value.
__yolovm_positional() {
  local i n=0 w
  for ((i = $1 + 1; i < cword; i++)); do
    w=${words[i]}
    case $w in
      --vm | --exclude | --compress-level | --keep-days) ((i++)) ;;
      -*) ;;
      *) ((n++)) ;;
    esac
  done
  echo "$n"
}

# The same for a space-separated list (options, subcommands).
__yolovm_opts() { __yolovm_reply "${1// /$'\n'}"; }

__yolovm_vms() { yolovm complete vms 2>/dev/null; }
__yolovm_subpaths() { git config --get-regexp '^yolovm\..*subpath$' 2>/dev/null | cut -d' ' -f2-; }

# COMPREPLY from a word list (one per line), for the current word. Under git's completion
# (complete -o nospace) each word carries its own space, as git's __gitcomp gives it.
__yolovm_reply() {
  local IFS=$'\n'
  COMPREPLY=($(compgen -W "$1" -- "$cur"))
  if [[ -n ${__yolovm_git-} ]]; then COMPREPLY=("${COMPREPLY[@]/%/ }"); fi
}

# For git's completion: `git yolo-push|yolo-fetch|yolo-diff [options] [branch] [subpath]`.
__yolovm_git_branch_command() {
  local opts=$1 cmd_idx=${__git_cmd_idx:-1}
  if [[ $prev == --vm ]]; then
    __yolovm_reply "$(__yolovm_vms)"
    return
  fi
  case $cur in
    --vm=*)
      cur=${cur#--vm=}
      __yolovm_reply "$(__yolovm_vms)"
      return
      ;;
    -*)
      __yolovm_opts "$opts --vm --all-vms --verbose --quiet --help"
      return
      ;;
  esac
  case $(__yolovm_positional "$cmd_idx") in
    0) __yolovm_reply "$(git for-each-ref --format='%(refname:strip=2)' refs/heads 2>/dev/null)" ;;
    1) __yolovm_reply "$(__yolovm_subpaths)" ;;
  esac
}

_git_yolo_push() {
  local __yolovm_git=${__yolovm_git-1}
  __yolovm_git_branch_command "--force --dry-run --no-checkout --no-verify --recurse-submodules --no-recurse-submodules"
}
_git_yolo_fetch() {
  local __yolovm_git=${__yolovm_git-1}
  __yolovm_git_branch_command "--force --dry-run --wip"
}
_git_yolo_diff() {
  local __yolovm_git=${__yolovm_git-1}
  __yolovm_git_branch_command "--patch --stat --name-status --compare --json"
}

# The dashed forms run directly (git-yolo-push ...): the same, with the command at index 0.
__yolovm_dashed() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
  local __git_cmd_idx=0 __yolovm_git=''
  "$1"
}

# For yolo-dir and yolovm: sets sub (the subcommand typed, one of $1) and at (its index); completes
# what comes before a subcommand, and a VM name after --vm. Returns 1 when it completed.
__yolovm_subcommand() {
  local i
  sub='' at=0 COMPREPLY=()
  for ((i = 1; i < cword; i++)); do
    case " $1 " in *" ${words[i]} "*) sub=${words[i]} at=$i; break ;; esac
  done
  if [[ $prev == --vm ]]; then
    __yolovm_reply "$(__yolovm_vms)"
    return 1
  fi
  if [[ -z $sub ]]; then
    __yolovm_opts "$1 $2"
    return 1
  fi
}

_yolo_dir() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
  local sub at
  __yolovm_subcommand "push pull ls backups undo" "--verbose --quiet --help --version" || return
  local common="--vm --verbose --quiet --help"
  if [[ $cur == -* ]]; then
    case $sub in
      push) __yolovm_opts "--dry-run --delete --force --include-secrets --watch --exclude --no-default-excludes --no-gitignore --compress-level --all-vms $common" ;;
      pull) __yolovm_opts "--dry-run --force --keep-days --exclude --no-default-excludes --no-gitignore --compress-level $common" ;;
      *) __yolovm_opts "--dry-run $common" ;;
    esac
    return
  fi
  case $sub in
    push | pull)
      if [[ $(__yolovm_positional "$at") == 0 ]]; then
        local IFS=$'\n'
        COMPREPLY=($(compgen -d -- "$cur"))
        compopt -o filenames 2>/dev/null
      else
        __yolovm_reply "$(__yolovm_subpaths)"
      fi
      ;;
    ls) __yolovm_reply "$(__yolovm_subpaths)" ;;
  esac
}

_yolovm() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
  local sub at
  __yolovm_subcommand "status save clean ssh ssh-config doctor vms demo" "--vm --verbose --quiet --help --version" || return
  local common="--vm --verbose --quiet --help"
  if [[ $cur == -* ]]; then
    case $sub in
      status) __yolovm_opts "--check --json --all-vms $common" ;;
      save) __yolovm_opts "--dry-run --all-vms $common" ;;
      clean) __yolovm_opts "--force --dry-run $common" ;;
      ssh) __yolovm_opts "--forward-agent --all-vms $common" ;;
      ssh-config) __yolovm_opts "--remove --dry-run $common" ;;
      doctor) __yolovm_opts "--all-vms $common" ;;
      vms) __yolovm_opts "--check --json $common" ;;
      demo) __yolovm_opts "--stop $common" ;;
    esac
    return
  fi
  case $sub in status | save | clean | ssh) __yolovm_reply "$(__yolovm_subpaths)" ;; esac
}

_yolovm_git_yolo_push() { __yolovm_dashed _git_yolo_push; }
_yolovm_git_yolo_fetch() { __yolovm_dashed _git_yolo_fetch; }
_yolovm_git_yolo_diff() { __yolovm_dashed _git_yolo_diff; }

complete -o default -F _yolovm yolovm
complete -o default -F _yolo_dir yolo-dir
complete -o default -F _yolovm_git_yolo_push git-yolo-push
complete -o default -F _yolovm_git_yolo_fetch git-yolo-fetch
complete -o default -F _yolovm_git_yolo_diff git-yolo-diff
