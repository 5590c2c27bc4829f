#!/bin/sh
# yolovm's VM side: everything yolovm runs on the VM is in this file. The host
# (src/vm/vm.ts) sends it as one command line, every word quoted, so arguments
# are data here, never code:
#
#   sh -c SCRIPT yolovm MODE BASE SUBPATH [OPTION]... [-- COMMAND...]
#
# BASE is the workspace (~/ allowed), SUBPATH a checked path under it ("" for
# BASE itself); the place worked on is BASE/SUBPATH. Options (all modes accept
# --quiet, which silences the "yolovm: ..." lines on stderr):
#
#   list [--with-head]                  refs for a push; see mode_list
#   push [--with-head]                  list and receive-pack in one session; see mode_push
#   upload-pack [--v2] [--with-snapshot=HEAD|refs/heads/B]
#               | upload-archive        git's server (fetch, clone, ls-remote, archive)
#   receive-pack [--dry-run] [--report] [--head=REF] [--checkout=auto|none|refs/heads/B]
#                [--format=sha1|sha256] [--gitdir]     git's receiver, creating the repository
#   snapshot [--dry-run]                uncommitted work as a commit, and git status -z
#   status                              "STATE BRANCH" of the repository
#   survey [--snapshots]                every repository and directory, NUL-framed
#   dir-push [--dry-run] [--root-ok] [--keep-all] [-- RSYNC-SERVER...]
#   dir-pull [--dry-run]                set-id files, NUL-framed
#   doctor | clean | ls
#
# Answers are on stdout, described at each mode. Problems are exit statuses
# 40-47 (die, below; VM_EXIT in vm.ts names the same, checked by a unit test),
# and, where another program's (send-pack, rsync) stands between us and the
# host, a marker line on stderr: yolovm:exit:N, yolovm:head:STATE BRANCH,
# yolovm:kept:N PATH, yolovm:untracked:N, yolovm:snapshot:BASE64.
set -u
mode=$1 base=$2 sub=$3
shift 3
quiet=0 dry=0 report=0 with_head=0 v2=0 snapshots=0 root_ok=0 keep_all=0
new_head= checkout=auto format=sha1 kind=worktree with_snapshot= stateless= state=
# One option (a mode's, or receive-pack's in push's request line); fails on another.
option() {
  case $1 in
  --quiet) quiet=1 ;;
  --dry-run) dry=1 ;;
  --report) report=1 ;;
  --with-head) with_head=1 ;;
  --v2) v2=1 ;;
  --snapshots) snapshots=1 ;;
  --root-ok) root_ok=1 ;;
  --keep-all) keep_all=1 ;;
  --gitdir) kind=gitdir ;;
  --head=*) new_head=${1#--head=} ;;
  --checkout=*) checkout=${1#--checkout=} ;;
  --format=*) format=${1#--format=} ;;
  --with-snapshot=*) with_snapshot=${1#--with-snapshot=} ;;
  *) echo "yolovm: unknown option $1" >&2; exit 2 ;;
  esac
}
while [ $# -gt 0 ]; do
  case $1 in
  --) shift; break ;;
  -*) option "$1" ;;
  # git send-pack appends the URL's path (/yolovm) to receive-pack: not ours.
  *) break ;;
  esac
  shift
done
case $base in
  "~") base=$HOME ;;
  "~/"*) base=$HOME/${base#"~/"} ;;
esac
dir=$base${sub:+/$sub}
nl='
'
say() { [ "$quiet" = 1 ] || printf "yolovm: %s\n" "$*" >&2; }
# Exit with one of our statuses (VM_EXIT in vm.ts): 40 git missing, 41 path
# missing, 42 not a repository, 43 path is a file, 44 rsync missing, 45 cannot
# create, 46 holds other projects, 47 cannot snapshot the uncommitted work. The
# marker line tells the host which one when another program (git send-pack)
# stands between us and it.
die() { printf "yolovm:exit:%s\n" "$1" >&2; exit "$1"; }
need() { command -v "$1" >/dev/null 2>&1 || die "$2"; }
# The repository exactly at $dir, not one around it: sets gd (git dir) and bare.
find_repo() {
  fmt=
  if [ -e "$dir/.git" ]; then
    # One git for both: the git dir, then (last line) the hash algorithm.
    gd=$(cd "$dir" && git rev-parse --absolute-git-dir --show-object-format 2>/dev/null) || return 1
    fmt=${gd##*"$nl"}
    gd=${gd%"$nl"*}
    bare=0
  elif [ -f "$dir/HEAD" ] && [ -d "$dir/objects" ] && [ -d "$dir/refs" ]; then
    gd=$(cd "$dir" && pwd -P) || return 1
    bare=1
  else
    return 1
  fi
}
# Exit saying why $dir is not usable: missing, a file, or a directory without a repository.
why_unusable() {
  if [ ! -e "$dir" ]; then die 41; elif [ ! -d "$dir" ]; then die 43; else die 42; fi
}
heads() { git --git-dir="$gd" for-each-ref --format="%(objectname) %(refname)" refs/heads; }
# Whether $dir holds other projects, so a first push must not make a repository of
# it: a git repository in it (two levels down at most), or more than 100 entries.
crowded() {
  for g in "$dir"/*/.git "$dir"/*/*/.git "$dir"/.[!.]*/.git; do
    if [ -e "$g" ]; then return 0; fi
  done
  [ "$(find "$dir" -mindepth 1 -maxdepth 2 2>/dev/null | head -n 101 | wc -l)" -gt 100 ]
}
# Reads never take the agent's index.lock or rewrite its index (the agent may be running git).
status_of() { git -C "$1" --no-optional-locks status --porcelain 2>/dev/null; }
# The work tree's state and branch, for the host's summary: "STATE BRANCH", STATE
# one of clean, dirty, bare (BRANCH empty on a detached HEAD).
head_state() {
  if [ $# -gt 0 ]; then b=$1; else b=$(git --git-dir="$gd" symbolic-ref -q --short HEAD) || b=; fi
  if [ "$bare" = 1 ]; then st=bare
  elif [ -n "$(status_of "$dir")" ]; then st=dirty
  else st=clean; fi
  printf "%s %s\n" "$st" "$b"
}
# After a push: put the work tree on branch $1, unless it holds uncommitted
# work, which is never touched.
check_out_pushed() {
  cd "$dir" || return
  cur=$(git symbolic-ref -q --short HEAD) || cur="(detached HEAD)"
  if [ "$cur" = "$1" ]; then
    say "VM work tree is on branch '$1'"
  elif ! git show-ref -q --verify "refs/heads/$1"; then
    say "'$1' is not a branch on the VM: the work tree stays on '$cur'"
  elif [ -n "$(status_of .)" ]; then
    say "VM work tree has uncommitted changes: it stays on '$cur'; '$1' was pushed but not checked out"
  elif git checkout -q "$1" -- >&2; then
    say "VM work tree is now on branch '$1'"
  else
    say "could not check out '$1' on the VM: the work tree stays on '$cur'"
  fi
}

# $cpus: how many cores the VM has (asked once).
cpus=
count_cpus() { [ -n "$cpus" ] || cpus=$(nproc 2>/dev/null) || cpus=1; }
# The agent's index copied to a temporary file, $idx, for make_snapshot (in the
# mode's temporary directory, $scratch, where it has one: removed however it ends);
# rm_index removes it and what git add made beside it.
scratch=
copy_index() {
  idx=$(mktemp "${scratch:-${TMPDIR:-/tmp}}/yolovm-index.XXXXXX") || return 1
  if [ -f "$gd/index" ]; then cp "$gd/index" "$idx" || { rm -f "$idx"; return 1; }; else rm -f "$idx"; fi
}
rm_index() { rm -f "$idx" "$idx.lock" "$idx.err"; }
# make_snapshot's slow half (git add -A, which reads every file git status does)
# begun in the background beside git status where the VM has a core to spare:
# status must come first, it says whether there is anything to snapshot.
# $adding is its pid; end_adding waits for it (its status in $added, which
# make_snapshot takes; its messages in $idx.err), drop_adding ends it.
adding= added=
begin_adding() {
  count_cpus
  [ "$cpus" -gt 1 ] && copy_index || return 0
  GIT_INDEX_FILE=$idx git add -A </dev/null >/dev/null 2>"$idx.err" &
  adding=$!
}
end_adding() {
  [ -n "$adding" ] || return 0
  wait "$adding"
  added=$? adding=
}
drop_adding() {
  [ -n "$adding" ] || return 0
  kill "$adding" 2>/dev/null
  # (The shell would say "Terminated" of it.)
  wait "$adding" 2>/dev/null
  rm_index
  adding=
}
# Pathspecs for git add -A of the work tree but for the repositories the agent
# made inside it and did not add (each a project of its own, which the survey
# finds; git would add one as a bare commit id, or refuse one without commits),
# NUL-terminated, into the file $1. Fails when there are none.
all_but_nested() {
  git ls-files -z -o --exclude-standard | sed -z -n 's|^\(.*\)/$|:(exclude,literal)\1|p' >"$1.x" &&
    [ -s "$1.x" ] && { printf ".\0" && cat -- "$1.x"; } >"$1"
  ok=$?
  rm -f -- "$1.x"
  return "$ok"
}
# A commit of the work tree in the current directory (staged, unstaged, untracked;
# what .gitignore ignores left out; see all_but_nested) whose parent is HEAD ($1,
# empty before the first commit), built on a copy of the index: the agent's
# index, work tree, HEAD, stash and reflogs are untouched, and no ref is written.
# Dated as HEAD ($3, when the caller has its date), so the same work always makes
# the same commit. $2 is 0 when git status showed no untracked directory, so no
# repository can be nested. Prints its id and size in bytes.
make_snapshot() {
  spec=
  if [ "${2:-1}" != 0 ]; then
    spec=$(mktemp "${scratch:-${TMPDIR:-/tmp}}/yolovm-paths.XXXXXX") || return 1
    all_but_nested "$spec" || { rm -f "$spec"; spec=; }
  fi
  if [ -n "$added" ] && [ -z "$spec" ]; then
    ok=$added
    [ "$ok" = 0 ] || cat -- "$idx.err" >&2
  else
    [ -z "$added" ] || rm_index
    if copy_index; then
      if [ -n "$spec" ]; then GIT_INDEX_FILE=$idx git add -A --pathspec-from-file="$spec" --pathspec-file-nul
      else GIT_INDEX_FILE=$idx git add -A; fi
      ok=$?
    else ok=1; fi
  fi
  added=
  [ "$ok" != 0 ] || tree=$(GIT_INDEX_FILE=$idx git write-tree) || ok=1
  rm_index
  [ -z "$spec" ] || rm -f "$spec"
  [ "$ok" = 0 ] || return 1
  when=${3:-${1:+$(git show -s --format=%cd --date=raw "$1")}}
  snap=$(GIT_AUTHOR_NAME=yolovm GIT_AUTHOR_EMAIL=yolovm@localhost GIT_COMMITTER_NAME=yolovm \
    GIT_COMMITTER_EMAIL=yolovm@localhost GIT_AUTHOR_DATE=${when:-@0 +0000} GIT_COMMITTER_DATE=${when:-@0 +0000} \
    git commit-tree "$tree" ${1:+-p "$1"} -m "yolovm: uncommitted work in $PWD") || return 1
  # How much the snapshot carries: the size of every blob it has that HEAD has not.
  from=${1:-$(git hash-object -t tree /dev/null)}
  # (Blobs only: a submodule's gitlink names a commit this repository may not have.)
  bytes=$(git diff-tree -r --no-commit-id "$from" "$snap" | awk '$4 !~ /^0+$/ && $2 != "160000" { print $4 }' |
    git cat-file --batch-check='%(objectsize)' | awk '$1 ~ /^[0-9]+$/ { n += $1 } END { printf "%d\n", n }')
  printf "%s\t%s\n" "$snap" "$bytes"
}
# The marker a yolo-dir push or pull leaves for a directory, outside the workspace:
# a later `yolovm status` asks whether anything there is newer.
sync_marker() { printf "%s/.cache/yolovm/synced/%s" "$HOME" "$(printf "%s" "$1" | md5sum | cut -c1-32)"; }
mark_synced() { m=$(sync_marker "$dir") && mkdir -p "${m%/*}" && touch "$m"; }

# $head: the ref HEAD names ("" when detached), read from HEAD's file where git
# keeps it as one ("ref: <name>", or an id); else git.
read_head() {
  line=
  [ ! -f "$gd/HEAD" ] || IFS= read -r line <"$gd/HEAD" || :
  case $line in
    "ref: refs/heads/.invalid" | "") head=$(git --git-dir="$gd" symbolic-ref -q HEAD) || head= ;;
    "ref: "*) head=${line#"ref: "} ;;
    *) head= ;;
  esac
}
# list's first two lines: "repo" (with --with-head, the work tree's state and
# branch, kept in $state), then the repository's hash algorithm as git's list
# output gives it (unless $fmt is "advertised": receive-pack's advertisement
# says it). Sets $head (read_head).
list_head() {
  read_head
  if [ "$with_head" = 1 ]; then state=$(head_state "${head#refs/heads/}"); echo "repo $state"; else echo repo; fi
  [ "$fmt" = advertised ] || printf ":object-format %s\n" "${fmt:-$(git --git-dir="$gd" rev-parse --show-object-format)}"
}

# The refs git needs before a push; the first line says whether a repository is
# there (and, with --with-head, the work tree's state and branch).
mode_list() {
  need git 40
  if ! find_repo; then
    if [ -e "$dir" ] && [ ! -d "$dir" ]; then echo notdir; exit 0; fi
    if [ -d "$dir" ] && crowded; then die 46; fi
    echo none
    exit 0
  fi
  # As few git processes as can answer (a push waits for this): HEAD, the refs,
  # and the hash algorithm find_repo already learned.
  list_head
  refs=$(git --git-dir="$gd" for-each-ref --format="%(objectname) %(refname)")
  [ -z "$refs" ] || printf "%s\n" "$refs"
  if [ -n "$head" ]; then
    # HEAD on a branch: advertised when the branch exists (not while it is unborn).
    case "$nl$refs$nl" in *" $head$nl"*) echo "@$head HEAD" ;; esac
  elif sha=$(git --git-dir="$gd" rev-parse -q --verify HEAD); then
    echo "$sha HEAD"
  fi
}

# A push in one session, as git's smart HTTP makes one (git send-pack
# --stateless-rpc on the host): list's first two lines and an empty line, then
# receive-pack's advertisement (the refs, pkt-lines to a flush). Where there is no
# repository, list's answer, and the session ends (the host pushes as before,
# with receive-pack, which creates it). Then one line from the host: empty when
# git has nothing to send, else receive-pack's options (mode_receive_pack's),
# and after it git's request, which receive-pack --stateless-rpc takes.
mode_push() {
  need git 40
  # A work tree's own .git directory needs no git to find; the hash algorithm is
  # in the advertisement. Anything else (a bare repository, a .git file) as list finds it.
  if [ -d "$dir/.git" ] && [ -f "$dir/.git/HEAD" ]; then
    gd=$dir/.git bare=0 fmt=advertised
  else
    find_repo || mode_list
  fi
  list_head
  echo
  git receive-pack --stateless-rpc --advertise-refs "$gd" || exit
  IFS= read -r line || exit 0
  [ -n "$line" ] || exit 0
  set -f
  for o in $line; do option "$o"; done
  set +f
  stateless=1
  mode_receive_pack
}

# Fetch, clone, ls-remote, archive: git's own server on the repository. Any
# object may be asked for by id: snapshots of uncommitted work have no ref.
mode_upload_pack() {
  need git 40
  find_repo || why_unusable
  if [ "$v2" = 1 ]; then GIT_PROTOCOL=version=2; export GIT_PROTOCOL; fi
  [ -n "$with_snapshot" ] || exec git -c uploadpack.allowAnySHA1InWant=true "$mode" "$gd"
  # --with-snapshot: the fetch brings the uncommitted work too, in its own
  # session: the snapshot answer (mode_snapshot's) goes to stderr as marker
  # lines, and git serves a view of the repository (view_repo) that can name it.
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/yolovm-fetch.XXXXXX") || die 45
  remove_tmp_on_exit
  scratch=$tmp
  snapshot_answer "$tmp/status" >"$tmp/answer"
  base64 <"$tmp/answer" | sed 's/^/yolovm:snapshot:/' >&2 || die 45
  view_repo "$tmp/view" || die 45
  git -c uploadpack.allowAnySHA1InWant=true upload-pack "$tmp/view"
}

# Remove the temporary directory $tmp however the script ends.
remove_tmp_on_exit() {
  trap 'drop_adding; rm -rf -- "$tmp"' EXIT
  trap 'exit 129' HUP
  trap 'exit 130' INT
  trap 'exit 141' PIPE
  trap 'exit 143' TERM
}

# A repository of the moment at $1 for a fetch that brings the snapshot: the
# agent's objects (as alternates) and two refs, the branch --with-snapshot names
# (HEAD: the one checked out) and refs/yolovm/snapshot (the snapshot, or that
# branch's tip when there is none), so git's fetch can name both while no ref is
# written in the agent's repository. Uses $b, $h and $snap of snapshot_answer.
view_repo() {
  objects=$gd/objects
  if [ -f "$gd/commondir" ]; then
    IFS= read -r c <"$gd/commondir" || c=
    case $c in /*) objects=$c/objects ;; ?*) objects=$gd/$c/objects ;; esac
  fi
  mkdir -p "$1/objects/info" "$1/refs" &&
    printf "%s\n" "$objects" >"$1/objects/info/alternates" &&
    printf "ref: refs/heads/.invalid\n" >"$1/HEAD" || return 1
  [ ! -f "${objects%/objects}/shallow" ] || cp "${objects%/objects}/shallow" "$1/shallow" || return 1
  [ -n "$fmt" ] || fmt=$(git --git-dir="$gd" rev-parse --show-object-format) || return 1
  if [ "$fmt" = sha1 ]; then
    printf "[core]\n\trepositoryformatversion = 0\n" >"$1/config"
  else
    printf "[core]\n\trepositoryformatversion = 1\n[extensions]\n\tobjectformat = %s\n" "$fmt" >"$1/config"
  fi || return 1
  case $with_snapshot in HEAD) ref=${b:+refs/heads/$b} ;; *) ref=$with_snapshot ;; esac
  if [ "$ref" = "refs/heads/$b" ]; then tip=$h; else tip=$(git --git-dir="$gd" rev-parse -q --verify "$ref^{commit}") || tip=; fi
  {
    [ -z "$tip" ] || printf "%s %s\n" "$tip" "$ref"
    [ -z "${snap:-$tip}" ] || printf "%s refs/yolovm/snapshot\n" "${snap:-$tip}"
  } >"$1/packed-refs"
}

# The work tree's uncommitted work (staged, unstaged, untracked; what .gitignore
# ignores left out) as a commit whose parent is HEAD, built on a copy of the
# index: the agent's index, work tree, HEAD, stash and reflogs are untouched, and
# no ref is written (the host fetches the commit by id). Prints
#   head<TAB>SHA<TAB>BRANCH          (SHA empty before the first commit, BRANCH when detached)
#   clean | bare | dirty (with --dry-run) | snapshot<TAB>SHA<TAB>BYTES
# then `git status --porcelain -z` of the work tree.
mode_snapshot() {
  need git 40
  find_repo || why_unusable
  tmp=$(mktemp "${TMPDIR:-/tmp}/yolovm-status.XXXXXX") || die 45
  trap 'drop_adding; rm -f "$tmp"' EXIT
  snapshot_answer "$tmp"
}
# mode_snapshot's answer on stdout, git status's output kept in the file $1; sets
# b (branch), h (HEAD) and snap (the snapshot's id, '' when none was made).
snapshot_answer() {
  snap=
  read_head
  case $head in
    refs/heads/*) b=${head#refs/heads/} ;;
    "") b= ;;
    *) b=$(git --git-dir="$gd" symbolic-ref -q --short HEAD) || b= ;;
  esac
  # HEAD's commit and its date (the snapshot's, see make_snapshot) from one git; none before the first commit.
  hw=$(git --git-dir="$gd" show -s --no-show-signature --format="%H %cd" --date=raw "HEAD^{commit}" -- 2>/dev/null) || hw=
  h=${hw%% *} when=${hw#* }
  printf "head\t%s\t%s\n" "$h" "$b"
  if [ "$bare" = 1 ]; then echo bare; return 0; fi
  cd "$dir" || die 42
  # A dry run only says what is uncommitted: it writes nothing on the VM.
  [ "$dry" = 1 ] || begin_adding
  git --no-optional-locks status --porcelain -z >"$1" || { drop_adding; die 47; }
  if [ ! -s "$1" ]; then drop_adding; echo clean; return 0; fi
  if [ "$dry" = 1 ]; then echo dirty; cat "$1"; return 0; fi
  end_adding
  # (Untracked directories, as git status shows them, are where a repository may be nested.)
  dirs=1
  tr '\0' '\n' <"$1" | grep -q '^?? .*/$' || dirs=0
  made=$(make_snapshot "$h" "$dirs" "$when") || die 47
  snap=${made%%	*}
  printf "snapshot\t%s\n" "$made"
  cat "$1"
}

# Push: create the repository on first push, with HEAD on the pushed branch so
# the push fills the work tree; let pushes update a clean checked-out branch;
# afterwards check a branch out (--checkout: `auto`, the one branch the push
# created or moved; `none`; or refs/heads/NAME, that branch even if it did not
# move), unless the work tree holds uncommitted work, which is never touched. A
# new repository gets HEAD --head and the pushing repository's hash algorithm
# (--format). --gitdir: make a git directory at $dir itself (a submodule's, under
# the superproject's .git/modules/), not a work tree. --report: the work tree's
# state and branch afterwards, as the marker yolovm:head:STATE BRANCH.
mode_receive_pack() {
  need git 40
  made=
  # (push mode found the repository, and never makes one.)
  if [ -z "$stateless" ] && ! find_repo; then
    if [ -e "$dir" ] && [ ! -d "$dir" ]; then die 43; fi
    if [ -d "$dir" ] && crowded; then die 46; fi
    [ "$dry" = 1 ] && die 41
    # What this push creates, so that a push which brings nothing removes it again:
    # the first missing directory on the way to $dir, or else only $dir/.git.
    made=$dir/.git
    # Files already there stay, untracked: said afterwards.
    held=0
    [ ! -d "$dir" ] || held=$(ls -A "$dir" | wc -l | tr -d ' ')
    p=$dir
    while [ -n "$p" ] && [ ! -e "$p" ]; do made=$p; p=${p%/*}; done
    mkdir -p -- "$dir" || die 45
    if [ "$kind" = gitdir ]; then
      git init -q --bare --object-format="$format" "$dir" && git --git-dir="$dir" config core.bare false || die 45
    else
      (cd "$dir" && git init -q --object-format="$format") || die 45
    fi
    if [ -n "$new_head" ]; then git --git-dir="$(cd "$dir" && git rev-parse --absolute-git-dir)" symbolic-ref HEAD "$new_head" || die 45; fi
    find_repo || die 45
    say "created a git repository at $dir"
  fi
  if [ "$bare" = 0 ] && [ "$dry" = 0 ]; then
    git --git-dir="$gd" config receive.denyCurrentBranch updateInstead || die 45
  fi
  # With --report, the work tree's state for the host's summary. Taken before
  # receiving: a push never changes whether the tree is dirty (updateInstead refuses
  # a dirty one, a switch happens only when clean), and right after a large checkout
  # `git status` would re-hash every "racily clean" file.
  # (push mode with --with-head has it from its list.)
  if [ "$report" = 1 ] && [ -z "$state" ]; then state=$(head_state); fi
  before=$(heads)
  git receive-pack ${stateless:+--stateless-rpc} "$gd"
  status=$?
  if [ -n "$made" ] && [ -z "$(git --git-dir="$gd" for-each-ref)" ]; then
    # A first push that brought nothing leaves nothing behind.
    rm -rf -- "$made"
    say "nothing was pushed, so the repository created at $dir was removed"
    exit "$status"
  fi
  [ "$status" = 0 ] || exit "$status"
  [ "$dry" = 1 ] && exit 0
  if [ -n "$made" ] && [ "${held:-0}" != 0 ] && [ "$bare" = 0 ]; then
    printf "yolovm:untracked:%s\n" "$(status_of "$dir" | grep -c '^??')" >&2
  fi
  if [ "$bare" = 0 ]; then
    case $checkout in
    none) ;;
    refs/heads/*) (check_out_pushed "${checkout#refs/heads/}") ;;
    *)
      changed=$(heads | while read -r line; do
        case "$nl$before$nl" in *"$nl$line$nl"*) ;; *) printf "%s\n" "${line#* refs/heads/}" ;; esac
      done)
      if [ -n "$changed" ] && [ "$changed" = "${changed%$nl*}" ]; then (check_out_pushed "$changed"); fi
      ;;
    esac
  fi
  if [ "$report" = 1 ]; then
    b=$(git --git-dir="$gd" symbolic-ref -q --short HEAD) || b=
    printf "yolovm:head:%s %s\n" "${state%% *}" "$b" >&2
  fi
}

# Which branch the repository is on and whether its work tree is clean.
mode_status() {
  need git 40
  find_repo || why_unusable
  head_state
}

# Before rsync sends a directory: rsync is here, the target is a directory (made
# if missing), and, when it is the workspace itself (unless --root-ok), it holds
# no other projects (see crowded). --dry-run makes nothing. Then rsync's server
# command (after --, as rsync --rsync-path appends it) runs in the same
# connection, keeping what it replaces or deletes in a backup; afterwards only
# the copies of files changed on the VM since the last sync stay there (all of
# them when yolo-dir never synced the directory, or with --keep-all), and their
# number and place are reported: "yolovm:kept:N PATH" (PATH under ~).
mode_dir_push() {
  need rsync 44
  if [ -e "$dir" ] && [ ! -d "$dir" ]; then die 43; fi
  if [ -z "$sub" ] && [ "$root_ok" != 1 ] && [ -d "$dir" ] && crowded; then die 46; fi
  if [ "$dry" = 1 ]; then [ $# -eq 0 ] || exec "$@"; exit 0; fi
  mkdir -p -- "$dir" || die 45
  [ $# -gt 0 ] || { mark_synced; exit 0; }
  kept=$HOME/.cache/yolovm/pushed-over
  # A month of them, at most.
  [ ! -d "$kept" ] || find "$kept" -mindepth 1 -maxdepth 1 -mtime +30 -exec rm -rf -- {} + 2>/dev/null
  bk=$kept/$(date +%Y%m%d-%H%M%S)-$$
  m=$(sync_marker "$dir")
  prog=$1
  shift
  "$prog" --backup --backup-dir="$bk" "$@"
  status=$?
  if [ -d "$bk" ]; then
    # What the VM had not changed since the last sync, the host had sent it: not kept.
    [ "$keep_all" = 1 ] || [ ! -e "$m" ] || find "$bk" ! -type d ! -newer "$m" -exec rm -f -- {} + 2>/dev/null
    find "$bk" -depth -type d -empty -exec rmdir -- {} + 2>/dev/null
    n=$(find "$bk" ! -type d 2>/dev/null | wc -l | tr -d ' ')
    if [ "$n" -gt 0 ]; then printf "yolovm:kept:%s %s\n" "$n" "${bk#"$HOME"/}" >&2; else rm -rf -- "$bk"; fi
  fi
  [ "$status" != 0 ] || mark_synced
  exit "$status"
}

# Before rsync brings a directory back: it must exist (nothing is created).
# Prints the files with set-user-id, set-group-id or sticky bits, which the
# pull leaves out of their modes (./PATH, NUL-terminated; 64 KiB of them at most).
mode_dir_pull() {
  need rsync 44
  [ -d "$dir" ] || why_unusable
  # A dry run leaves no trace.
  [ "$dry" = 1 ] || mark_synced
  (cd "$dir" && find . -name .git -prune -o ! -type l -perm /7000 -print0 2>/dev/null | head -c 65536)
}

# A survey write that fails (a full disk under a parallel survey's files) ends
# the repository's subshell with a failure: its answer is incomplete.
out() { printf "$@" || exit 1; }
# The refs in $refs ("SHA REF" lines) of one kind, after their number, NUL-framed:
# `heads` (BRANCH SHA) or `other` (REF SHA, the stash left out). Shell only: no
# process per repository.
list_refs() {
  set -f
  IFS=$nl
  for pass in count print; do
    count=0
    for l in $refs; do
      sha=${l%% *} ref=${l#* }
      case $1:$ref in
      heads:refs/heads/*) name=${ref#refs/heads/} ;;
      other:refs/heads/* | other:refs/stash | heads:*) continue ;;
      *) name=$ref ;;
      esac
      if [ "$pass" = count ]; then count=$((count + 1)); else out "%s\0%s\0" "$name" "$sha"; fi
    done
    [ "$pass" = print ] || out "%s\0" "$count"
  done
  unset IFS
  set +f
}
# $count: the number of words in $1 (object ids: no spaces, nothing a glob matches).
count_words() {
  set -f
  # shellcheck disable=SC2086
  set -- $1
  count=$#
  set +f
}
# One repository (a work tree, or a bare one) for mode_survey, $1 relative to
# $dir (a trailing / is dropped: it keeps a name's final newline through $(...)).
# Few processes per repository (a workspace holds dozens): HEAD, the branch and
# the changes from one git status, every ref from one for-each-ref, the lost
# commits from one reflog walk. $2 `alone`: the repository is the place asked for,
# where make_snapshot's git add -A may start beside git status (begin_adding).
survey_repo() {
  r=${1%/}
  (
    cd "$r" || exit 0
    b= h= n=0 dirs=0 gd=
    # (Where it is the one repository asked for: see begin_adding.)
    if [ "$snapshots" = 1 ] && [ "${2:-}" = alone ] && g=$(git rev-parse --absolute-git-dir --is-bare-repository 2>/dev/null) &&
      [ "${g##*"$nl"}" = false ]; then
      gd=${g%"$nl"*}
      begin_adding
    fi
    if porcelain=$(git --no-optional-locks status --porcelain=v2 --branch --no-ahead-behind 2>/dev/null); then
      set -f
      IFS=$nl
      for l in $porcelain; do
        case $l in
        "# branch.oid (initial)") ;;
        "# branch.oid "*) h=${l#"# branch.oid "} ;;
        # (A branch may be named "(detached)": git says which.)
        "# branch.head (detached)") b=$(git symbolic-ref -q --short HEAD) || b= ;;
        "# branch.head "*) b=${l#"# branch.head "} ;;
        "#"*) ;;
        # An untracked directory (its name quoted when odd), where a repository may be nested.
        "? "*/ | "? "*'/"') n=$((n + 1)) dirs=1 ;;
        *) n=$((n + 1)) ;;
        esac
      done
      unset IFS
      set +f
      if [ "$n" = 0 ]; then drop_adding; else end_adding; fi
    else
      drop_adding
      # No work tree (a bare repository), or not a repository at all.
      gd=$(git rev-parse --absolute-git-dir 2>/dev/null) || exit 0
      b=$(git symbolic-ref -q --short HEAD) || b=
      h=$(git rev-parse -q --verify HEAD^{commit}) || h=
    fi
    snap= size=0
    if [ "$n" != 0 ] && [ "$snapshots" = 1 ]; then
      gd=${gd:-$(git rev-parse --absolute-git-dir)} &&
        made=$(make_snapshot "$h" "$dirs") && snap=${made%%	*} && size=${made#*	}
    fi
    st=clean
    [ "$n" = 0 ] || st=dirty
    out "repo\0%s\0%s\0%s\0%s\0%s\0%s\0%s\0" "$r" "$b" "$h" "$st" "$n" "$snap" "$size"
    # Every ref (no ref name holds a space or a newline): the branches, then the
    # rest but the stash, each list after its length.
    refs=$(git for-each-ref --format='%(objectname) %(refname)')
    list_refs heads
    list_refs other
    # Every stash entry, newest first (stash@{0}, stash@{1}, ...): reflog entries, not refs.
    st=
    case "$nl$refs" in *" refs/stash$nl"* | *" refs/stash") st=$(git log -g --format=%H refs/stash 2>/dev/null) ;; esac
    count_words "$st"
    out "%s\0" "$count"
    [ -z "$st" ] || out "%s\0" $st
    # Commits the agent made that no ref holds (a detached HEAD, a rewritten branch):
    # the tips of what the newest 100 HEAD reflog entries reach that the refs do not.
    lost=$(git log -g -n 100 --format=%H HEAD 2>/dev/null | git rev-list --parents --stdin --not --glob='refs/*' 2>/dev/null)
    [ -z "$lost" ] || lost=$(printf "%s\n" "$lost" |
      awk '{ for (i = 2; i <= NF; i++) p[$i] = 1; c[NR] = $1 } END { for (i = 1; i <= NR; i++) if (!(c[i] in p)) print c[i] }')
    count_words "$lost"
    out "%s\0" "$count"
    [ -z "$lost" ] || out "%s\0" $lost
  )
}

# When the batch of repositories "$@" (number $batch) has been surveyed: their
# answers in order, in one cat where all of them were written whole; a repository
# whose file is not whole is surveyed again, straight to the output.
survey_batch() {
  wait
  case $top in
  started | "") ;;
  *)
    mv -- "$tmp/top" "$tmp/$top" && { [ ! -e "$tmp/top.ok" ] || mv -- "$tmp/top.ok" "$tmp/$top.ok"; }
    top=
    ;;
  esac
  whole=1 files= i=0
  for r in "$@"; do
    i=$((i + 1))
    [ -e "$tmp/$batch.$i.ok" ] || whole=0
    files="$files $batch.$i"
  done
  if [ "$whole" = 1 ]; then
    # shellcheck disable=SC2086
    (cd "$tmp" && exec cat -- $files) || exit 1
    return
  fi
  i=0
  for r in "$@"; do
    i=$((i + 1))
    if [ -e "$tmp/$batch.$i.ok" ]; then cat -- "$tmp/$batch.$i" || exit 1; else survey_repo "$r"; fi
  done
}
# The workspace (or $dir) in one pass, for `yolovm status` and `save`. Every git
# repository (nested ones too), then every other top-level directory. Fields are
# NUL-terminated:
#   repo PATH BRANCH HEAD STATE CHANGES SNAPSHOT BYTES NTIPS (BRANCH SHA)... NREFS (REF SHA)...
#        NSTASH SHA... NLOST SHA...
# (NREFS: every other ref, full names; the stash entries newest first; NLOST: the
# commits no ref holds that the HEAD reflog reaches, see below)
#   dir PATH CHANGED          (CHANGED: 1, 0, or - when yolo-dir never synced it)
# PATH is relative to $dir ("." for $dir). With --snapshots, dirty work trees get
# a snapshot (see make_snapshot); otherwise SNAPSHOT is empty.
mode_survey() {
  [ -d "$dir" ] || why_unusable
  cd "$dir" || die 42
  has_git=1
  command -v git >/dev/null 2>&1 || has_git=0
  # Repositories are surveyed up to 4 at once where the VM has the cores, each
  # into a file of its own, emitted in order; without a temporary directory, one by one.
  jobs=1
  count_cpus
  if [ "$has_git" = 1 ] && [ "$cpus" -gt 1 ] && tmp=$(mktemp -d "${TMPDIR:-/tmp}/yolovm-survey.XXXXXX" 2>/dev/null); then
    remove_tmp_on_exit
    scratch=$tmp
    jobs=$((cpus < 4 ? cpus : 4))
  fi
  # NUL-framed until read: a newline in a path travels as \001 through `read`;
  # the empty line after the last one ends the last batch.
  soh=$(printf '\001')
  {
    find . -maxdepth 6 \( -name node_modules -o -name .venv \) -prune -o -name .git -prune -print0 | sed -z 's|/\.git$||' |
      sort -z | tr '\n\000' '\001\n'
    echo
  } | {
    batch=0 top=
    # The place asked for, when it is a repository (a big one's git status takes
    # longest), is surveyed while find looks for the others; its answer becomes
    # the batch file of "." (survey_batch).
    if [ "$jobs" != 1 ] && [ -e .git ]; then
      (survey_repo . alone >"$tmp/top" && : >"$tmp/top.ok") &
      top=started
    fi
    while IFS= read -r r; do
      [ "$has_git" = 1 ] || break
      if [ -z "$r" ]; then
        [ $# = 0 ] || survey_batch "$@"
        break
      fi
      case $r in *"$soh"*) r=$(printf "%s/" "$r" | tr '\001' '\n') ;; esac
      if [ "$jobs" = 1 ]; then
        survey_repo "$r"
        continue
      fi
      set -- "$@" "$r"
      if [ "$r" = . ] && [ -n "$top" ]; then
        top=$batch.$#
      else
        (survey_repo "$r" >"$tmp/$batch.$#" && : >"$tmp/$batch.$#.ok") &
      fi
      if [ $# -ge "$jobs" ]; then
        survey_batch "$@"
        set --
        batch=$((batch + 1))
      fi
    done
  }
  # Inside a repository every directory is its own (a submodule's empty one too).
  [ -e .git ] && exit 0
  for d in ./* ./.[!.]* ./..?*; do
    [ -d "$d" ] && [ ! -L "$d" ] || continue
    [ -e "$d/.git" ] && continue
    if [ -f "$d/HEAD" ] && [ -d "$d/objects" ] && [ -d "$d/refs" ]; then
      [ "$has_git" = 1 ] && survey_repo "$d"
      continue
    fi
    # A directory that holds repositories is surveyed through them.
    [ -n "$(find "$d" -maxdepth 5 -name .git -print 2>/dev/null | head -n 1)" ] && continue
    m=$(sync_marker "$dir/${d#./}")
    if [ ! -e "$m" ]; then c=-
    elif [ -n "$(find "$d" -newer "$m" -print 2>/dev/null | head -n 1)" ]; then c=1
    else c=0; fi
    printf "dir\0%s\0%s\0" "$d" "$c"
  done
}

# Facts for `yolovm doctor`: who we are, the workspace base, git and rsync.
mode_doctor() {
  printf "user\t%s\n" "$(id -un)"
  if [ ! -e "$base" ]; then w=missing; elif [ -d "$base" ] && [ -w "$base" ]; then w=writable; else w=read-only; fi
  printf "workspace\t%s\t%s\n" "$base" "$w"
  printf "git\t%s\n" "$(git --version 2>/dev/null)"
  printf "rsync\t%s\n" "$(rsync --version 2>/dev/null | head -n 1)"
}

# Delete a workspace path (the host has checked that nothing unsaved is there).
mode_clean() {
  [ -e "$dir" ] || [ -L "$dir" ] || why_unusable
  rm -rf -- "$dir" || die 45
}

# One entry of the listing (see mode_ls).
ls_entry() {
  if [ "$1" = "$dir" ]; then name=.; else name=${1##*/}; fi
  if [ -d "$1" ] && [ -e "$1/.git" ] && command -v git >/dev/null 2>&1; then
    b=$(git -C "$1" symbolic-ref -q --short HEAD) || b="(detached HEAD)"
    if [ -n "$(status_of "$1")" ]; then st=dirty; else st=clean; fi
    printf "repo\t%s\t%s\t%s\0" "$b" "$st" "$name"
  elif [ -d "$1" ]; then
    printf "dir\t\t\t%s\0" "$name"
  else
    printf "file\t\t\t%s\0" "$name"
  fi
}
# The workspace listing: one record per entry, NUL-terminated:
# kind<TAB>branch<TAB>state<TAB>name (branch and state only for repositories).
mode_ls() {
  [ -d "$dir" ] || why_unusable
  if [ -e "$dir/.git" ]; then ls_entry "$dir"; fi
  for e in "$dir"/* "$dir"/.[!.]* "$dir"/..?*; do
    if [ -e "$e" ] || [ -L "$e" ]; then ls_entry "$e"; fi
  done
}

case $mode in
list) mode_list ;;
push) mode_push ;;
upload-pack|upload-archive) mode_upload_pack ;;
snapshot) mode_snapshot ;;
receive-pack) mode_receive_pack ;;
status) mode_status ;;
dir-push) mode_dir_push "$@" ;;
dir-pull) mode_dir_pull ;;
survey) mode_survey ;;
doctor) mode_doctor ;;
clean) mode_clean ;;
ls) mode_ls ;;
*)
  echo "yolovm: unknown mode $mode" >&2
  exit 2
  ;;
esac
