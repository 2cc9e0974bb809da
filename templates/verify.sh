#!/bin/bash
# miniogen's verification Job: checks the running tenant against the plan, one line per check,
# and exits 1 when any check fails (README, "Watch and verify"). It needs bash, coreutils and mc,
# which the mc image has (ubi-micro), and reads only these fields of `mc --json` at
# RELEASE.2025-08-13T08-35-41Z (minio-go v7.0.90, madmin-go v3.0.107). mc prints them compact
# when its output is no terminal (minio/colorjson `MarshalIndent`), indented on one, so every
# pattern below allows both:
# - `mc admin info`: `status`, and `backend` (madmin-go v3 `ErasureBackend`): `onlineDisks`,
#   `offlineDisks`, `standardSCParity`, `totalSets`, `totalDrivesPerSet` (one entry per pool);
# - `mc ls ALIAS`: each bucket's `key` (`contentMessage`, cmd/ls.go), such as `synapse-media/`;
# - `mc retention info --default`: `enabled`, `mode` (`GOVERNANCE`, `COMPLIANCE`, or empty
#   without a default retention) and `validity` (`90DAYS`, `1YEARS`) of `retentionBucketMessage`
#   (cmd/retention-common.go `showBucketLock`); on a bucket without object lock mc fails with
#   "does not support locking" (`fatalIfBucketLockNotSupported`);
# - `mc version info`: `versioning.status` (`versioningInfoMessage`, cmd/version-info.go):
#   `Enabled`, `Suspended`, or empty when versioning was never on; `ExcludedPrefixes` and
#   `ExcludeFolders` when MinIO leaves some objects unversioned;
# - `mc ilm rule ls`: `config.Rules` (`ilmListMessage`, cmd/ilm-rule-list.go), each rule as
#   minio-go `lifecycle.Rule.MarshalJSON` writes it, fields in this order: `ID`, `Filter`,
#   `NoncurrentVersionExpiration.NoncurrentDays`, `Prefix`, `Status`; without a lifecycle the
#   error's `cause.error.Code` is `NoSuchLifecycleConfiguration` (MinIO
#   `GetBucketLifecycleHandler`), with an empty one the cause is "lifecycle configuration not
#   set";
# - `mc quota info`: `quota` (bytes, absent when none) and `type` (`hard`) of `quotaMessage`
#   (cmd/quota-set.go); MinIO answers a bucket without a quota with zeros
#   (`GetBucketQuotaConfigHandler`), or `XMinioAdminNoSuchQuotaConfiguration`;
# - `mc ls ALIAS/BUCKET/` with a consumer's keys: exit 0 when allowed; refused, the error's
#   `cause.error.Code` is `AccessDenied` (minio-go `ErrorResponse`, printed by cmd/error.go).
# Expectations come from $MINIOGEN_EXPECTED, the consumers' keys from $MINIOGEN_SECRETS/NAME.
#
# The bucket job ($MINIOGEN_BUCKET_JOB) applies versioning, retention, lifecycle and quota only
# after the operator has created a bucket and the IAM job its policy, so on a first sync (or
# right after a change) a setting may not be there yet. This script does not wait for it: it
# reports each setting it does not find, and the Job runs again (`backoffLimit`, within
# `activeDeadlineSeconds`), as it does while the tenant and the IAM job come up. A wait in here
# would delay every real drift by that wait on each of those runs.
set -u -o pipefail

expected=${MINIOGEN_EXPECTED:?}
secrets=${MINIOGEN_SECRETS:?}
endpoint=${MINIOGEN_ENDPOINT:?}
bucket_job=${MINIOGEN_BUCKET_JOB:-}
failures=0
settings_missing=0

pass() { printf 'ok      %s\n' "$1"; }
fail() {
  printf 'FAILED  %s\n' "$1"
  failures=$((failures + 1))
}
oneline() { printf '%s' "${1//$'\n'/ }"; }

# number FIELD JSON: the number after the first "FIELD":
number() {
  [[ $2 =~ \"$1\":[[:space:]]*([0-9]+) ]] && printf '%s' "${BASH_REMATCH[1]}"
}
# numbers FIELD JSON: the numbers of the array "FIELD": [...], joined by commas.
numbers() {
  [[ $2 =~ \"$1\":[[:space:]]*\[([^]]*)\] ]] || return 1
  local list=${BASH_REMATCH[1]}
  printf '%s' "${list//[[:space:]]/}"
}
# same WHAT GOT WANT: one check.
same() {
  if [[ $2 == "$3" ]]; then
    pass "$1: $3"
  else
    fail "$1: ${2:-nothing} where the plan says $3"
  fi
}

# A bucket's object lock and default retention, from one `mc retention info --default`.
declare -A lock_of=() retention_of=()
read_lock() {
  local out mode
  out=$(mc retention info --default "myminio/$1" --json 2>&1)
  if [[ $out =~ \"enabled\":[[:space:]]*\"Enabled\" ]]; then
    lock_of[$1]=on
    mode=""
    [[ $out =~ \"mode\":[[:space:]]*\"([A-Z]*)\" ]] && mode=${BASH_REMATCH[1],,}
    if [[ -z $mode ]]; then
      retention_of[$1]=none
    elif [[ $out =~ \"validity\":[[:space:]]*\"([0-9]+)(DAYS|YEARS)\" ]]; then
      local unit=days
      [[ ${BASH_REMATCH[2]} == YEARS ]] && unit=years
      retention_of[$1]="$mode ${BASH_REMATCH[1]} $unit"
    else
      retention_of[$1]="unknown: $(oneline "$out")"
    fi
  elif [[ $out == *"does not support locking"* ]]; then
    lock_of[$1]=off
    retention_of[$1]=none
  else
    lock_of[$1]="unknown: $(oneline "$out")"
    retention_of[$1]=${lock_of[$1]}
  fi
}

# versioning BUCKET: `on`, `off`, `off (suspended)`, `on (with exclusions)`.
versioning() {
  local out
  out=$(mc version info "myminio/$1" --json 2>&1)
  if [[ ! $out =~ \"versioning\":[[:space:]]*\{[^}]*\"status\":[[:space:]]*\"([A-Za-z]*)\" ]]; then
    printf 'unknown: %s' "$(oneline "$out")"
    return
  fi
  case ${BASH_REMATCH[1]} in
    Enabled)
      if [[ $out =~ \"ExcludedPrefixes\"|\"ExcludeFolders\":[[:space:]]*true ]]; then
        printf 'on (with exclusions)'
      else
        printf 'on'
      fi
      ;;
    Suspended) printf 'off (suspended)' ;;
    '') printf 'off' ;;
    *) printf '%s' "${BASH_REMATCH[1]}" ;;
  esac
}

# noncurrent BUCKET: after how long each enabled lifecycle rule expires noncurrent versions,
# such as `90 days`, or `none`. A rule is read from its `ID` to the next rule's: its `Filter`,
# `NoncurrentVersionExpiration`, `Prefix` and `Status` come after its ID and before the next.
noncurrent() {
  local out rest rule found=""
  out=$(mc ilm rule ls "myminio/$1" --json 2>&1)
  if [[ $out =~ \"Code\":[[:space:]]*\"NoSuchLifecycleConfiguration\" ||
    $out == *"lifecycle configuration not set"* ]]; then
    printf 'none'
    return
  fi
  if [[ ! $out =~ \"status\":[[:space:]]*\"success\" || $out != *'"Rules":'* ]]; then
    printf 'unknown: %s' "$(oneline "$out")"
    return
  fi
  rest=${out#*\"Rules\":}
  while [[ $rest == *'"ID":'* ]]; do
    rest=${rest#*\"ID\":}
    rule=${rest%%\"ID\":*}
    [[ $rule =~ \"Status\":[[:space:]]*\"Enabled\" ]] || continue
    [[ $rule =~ \"NoncurrentVersionExpiration\":[[:space:]]*\{[[:space:]]*\"NoncurrentDays\":[[:space:]]*([0-9]+) ]] ||
      continue
    found+="${found:+, }${BASH_REMATCH[1]} days"
    [[ $rule =~ \"(Filter|Prefix)\": ]] && found+=" (for some objects only)"
  done
  printf '%s' "${found:-none}"
}

# quota BUCKET: the hard quota, such as `1099511627776 bytes`, or `none`.
quota() {
  local out bytes
  out=$(mc quota info "myminio/$1" --json 2>&1)
  if [[ $out =~ \"Code\":[[:space:]]*\"XMinioAdminNoSuchQuotaConfiguration\" ]]; then
    printf 'none'
  elif [[ ! $out =~ \"status\":[[:space:]]*\"success\" ]]; then
    printf 'unknown: %s' "$(oneline "$out")"
  elif [[ $out =~ \"quota\":[[:space:]]*([0-9]+) ]]; then
    bytes=${BASH_REMATCH[1]}
    if [[ $out =~ \"type\":[[:space:]]*\"([a-z]*)\" && ${BASH_REMATCH[1]} != hard ]]; then
      printf '%s bytes (%s)' "$bytes" "${BASH_REMATCH[1]}"
    else
      printf '%s bytes' "$bytes"
    fi
  else
    printf 'none'
  fi
}

# setting BUCKET WHAT GOT WANT FIX: one bucket setting, which the bucket job applies. FIX says
# how to remove a setting MinIO keeps after the plan stopped declaring it: the job only sets.
setting() {
  local bucket=$1 what=$2 got=$3 want=$4 fix=$5
  # `off (suspended)` is off: new writes make no versions (`mc version suspend`).
  if [[ $got == "$want" || ($want == off && $got == "off (suspended)") ]]; then
    pass "bucket $bucket: $what: $got"
    return
  fi
  if [[ $want == none || $want == off ]] && [[ $got != unknown:* ]]; then
    fail "bucket $bucket: $what: $got where the plan says $want; the bucket job only sets what the plan declares, \`$fix\` removes it"
  else
    fail "bucket $bucket: $what: ${got:-nothing} where the plan says $want"
    settings_missing=$((settings_missing + 1))
  fi
}

# Wait until the cluster has write quorum; the Job's activeDeadlineSeconds bounds the wait.
mc ready myminio --json >/dev/null

info=$(mc admin info myminio --json 2>&1)
if [[ ! $info =~ \"status\":[[:space:]]*\"success\" ]]; then
  fail "mc admin info myminio: $(oneline "$info")"
  exit 1
fi
listing=$(mc ls myminio --json 2>&1) || fail "mc ls myminio: $(oneline "$listing")"
buckets=" "
rest=$listing
while [[ $rest =~ \"key\":[[:space:]]*\"([^\"/]*)/\" ]]; do
  buckets+="${BASH_REMATCH[1]} "
  rest=${rest#*"${BASH_REMATCH[0]}"}
done

declare -A alias_of=()
while read -r kind a b c; do
  # A bucket's settings are checked only when it exists: its own line says it is missing.
  case $kind in
    versioning | retention | noncurrent | quota)
      [[ $buckets == *" $a "* ]] || continue
      ;;
  esac
  case $kind in
    drives)
      same "drives online" "$(number onlineDisks "$info")" "$a"
      same "drives offline" "$(number offlineDisks "$info")" 0
      ;;
    parity) same "parity (EC:N)" "$(number standardSCParity "$info")" "$a" ;;
    sets) same "erasure sets per pool" "$(numbers totalSets "$info")" "$a" ;;
    set-drives) same "drives per erasure set per pool" "$(numbers totalDrivesPerSet "$info")" "$a" ;;
    bucket)
      if [[ $buckets != *" $a "* ]]; then
        fail "bucket $a: missing"
        settings_missing=$((settings_missing + 1))
        continue
      fi
      read_lock "$a"
      case $b:${lock_of[$a]} in
        locked:on) pass "bucket $a: object lock on" ;;
        unlocked:off) pass "bucket $a: object lock off" ;;
        unlocked:on) fail "bucket $a: object lock on where the plan says off" ;;
        locked:off) fail "bucket $a: object lock off where the plan says on (MinIO sets it only when a bucket is created)" ;;
        *) fail "bucket $a: object lock ${lock_of[$a]}" ;;
      esac
      ;;
    versioning) setting "$a" versioning "$(versioning "$a")" "$b" "mc version suspend myminio/$a" ;;
    retention)
      [[ -n ${retention_of[$a]+set} ]] || read_lock "$a"
      if [[ ${lock_of[$a]} == off && $b != none ]]; then
        fail "bucket $a: default retention: none where the plan says $b${c:+ $c}, which a bucket without object lock cannot have"
      else
        setting "$a" "default retention" "${retention_of[$a]}" "$b${c:+ $c}" "mc retention clear --default myminio/$a"
      fi
      ;;
    noncurrent)
      setting "$a" "noncurrent-version expiry" "$(noncurrent "$a")" "$b${c:+ $c}" "mc ilm rule rm --all --force myminio/$a"
      ;;
    quota) setting "$a" quota "$(quota "$a")" "$b${c:+ $c}" "mc quota clear myminio/$a" ;;
    consumer)
      if [[ -z ${alias_of[$a]:-} ]]; then
        alias_of[$a]="consumer${#alias_of[@]}"
        if ! printf '%s\n%s\n' "$(<"$secrets/$a/CONSOLE_ACCESS_KEY")" "$(<"$secrets/$a/CONSOLE_SECRET_KEY")" |
          mc alias set "${alias_of[$a]}" "$endpoint" --api S3v4 --json >/dev/null; then
          fail "consumer $a: cannot set an mc alias from its Secret"
          continue
        fi
      fi
      out=$(mc ls "${alias_of[$a]}/$c/" --json 2>&1)
      status=$?
      denied=no
      [[ $out =~ \"Code\":[[:space:]]*\"AccessDenied\" ]] && denied=yes
      case $b:$status:$denied in
        allowed:0:*) pass "consumer $a: allowed on $c" ;;
        allowed:*) fail "consumer $a: refused on $c, which its policy grants: $(oneline "$out")" ;;
        refused:0:*) fail "consumer $a: allowed on $c, which its policy does not grant" ;;
        refused:*:yes) pass "consumer $a: refused on $c" ;;
        refused:*) fail "consumer $a: on $c: $(oneline "$out")" ;;
      esac
      ;;
    '' | '#'*) ;;
    *) fail "unknown expectation: $kind" ;;
  esac
done <"$expected"

if ((settings_missing > 0)); then
  printf 'the operator creates the buckets, and the bucket job%s applies their settings after it: on a first sync or right after a change, this Job runs again until its deadline\n' \
    "${bucket_job:+ \`$bucket_job\`}"
fi
if ((failures > 0)); then
  printf '%d checks failed: the tenant does not match the plan\n' "$failures"
  exit 1
fi
printf 'the tenant matches the plan\n'
