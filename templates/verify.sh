#!/bin/bash
# miniogen's verification Job: checks the running tenant against the plan, one line per check,
# and exits 1 when any check fails (README, "Watch and verify"). It needs bash, coreutils and mc,
# which the mc image has (ubi-micro), and reads only these fields of `mc --json` at
# RELEASE.2025-08-13T08-35-41Z:
# - `mc admin info`: `status`, and `backend` (madmin-go v3 `ErasureBackend`): `onlineDisks`,
#   `offlineDisks`, `standardSCParity`, `totalSets`, `totalDrivesPerSet` (one entry per pool);
# - `mc ls ALIAS`: each bucket's `key` (`contentMessage`, cmd/ls.go), such as `synapse-media/`;
# - `mc retention info --default`: `enabled` (`retentionBucketMessage`); on a bucket without
#   object lock mc fails with "does not support locking" (`fatalIfBucketLockNotSupported`);
# - `mc ls ALIAS/BUCKET/` with a consumer's keys: exit 0 when allowed; refused, the error's
#   `cause.error.Code` is `AccessDenied` (minio-go `ErrorResponse`, printed by cmd/error.go).
# Expectations come from $MINIOGEN_EXPECTED, the consumers' keys from $MINIOGEN_SECRETS/NAME.
set -u -o pipefail

expected=${MINIOGEN_EXPECTED:?}
secrets=${MINIOGEN_SECRETS:?}
endpoint=${MINIOGEN_ENDPOINT:?}
failures=0

pass() { printf 'ok      %s\n' "$1"; }
fail() {
  printf 'FAILED  %s\n' "$1"
  failures=$((failures + 1))
}

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

# Wait until the cluster has write quorum; the Job's activeDeadlineSeconds bounds the wait.
mc ready myminio --json >/dev/null

info=$(mc admin info myminio --json 2>&1)
if [[ ! $info =~ \"status\":[[:space:]]*\"success\" ]]; then
  fail "mc admin info myminio: ${info//$'\n'/ }"
  exit 1
fi
listing=$(mc ls myminio --json 2>&1) || fail "mc ls myminio: ${listing//$'\n'/ }"
buckets=" "
rest=$listing
while [[ $rest =~ \"key\":[[:space:]]*\"([^\"/]*)/\" ]]; do
  buckets+="${BASH_REMATCH[1]} "
  rest=${rest#*"${BASH_REMATCH[0]}"}
done

declare -A alias_of=()
while read -r kind a b c; do
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
        continue
      fi
      lock=$(mc retention info --default "myminio/$a" --json 2>&1)
      if [[ $lock =~ \"enabled\":[[:space:]]*\"Enabled\" ]]; then
        [[ $b == locked ]] && pass "bucket $a: object lock on" ||
          fail "bucket $a: object lock on where the plan says off"
      elif [[ $lock == *"does not support locking"* ]]; then
        [[ $b == unlocked ]] && pass "bucket $a: object lock off" ||
          fail "bucket $a: object lock off where the plan says on (MinIO sets it only when a bucket is created)"
      else
        fail "bucket $a: object lock unknown: ${lock//$'\n'/ }"
      fi
      ;;
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
        allowed:*) fail "consumer $a: refused on $c, which its policy grants: ${out//$'\n'/ }" ;;
        refused:0:*) fail "consumer $a: allowed on $c, which its policy does not grant" ;;
        refused:*:yes) pass "consumer $a: refused on $c" ;;
        refused:*) fail "consumer $a: on $c: ${out//$'\n'/ }" ;;
      esac
      ;;
    '' | '#'*) ;;
    *) fail "unknown expectation: $kind" ;;
  esac
done <"$expected"

if ((failures > 0)); then
  printf '%d checks failed: the tenant does not match the plan\n' "$failures"
  exit 1
fi
printf 'the tenant matches the plan\n'
