"""An S3 server that enforces IAM policies and object lock (moto), and boto3 steps against it,
for tests/li_sync.rs: the lawful-intercept copy as the generated policies and bucket settings
make it.

    lock.py serve PORT     moto on 127.0.0.1:PORT (the caller bounds it in time and stops it)
    lock.py setup          stdin: {"endpoint", "buckets": [{"name", "lock"}], "users": {name: policy}}
                           stdout: {name: [access key, secret key]}
    lock.py apply          stdin: {"endpoint", "keys", "commands": [[mc words]]}: the bucket job
    lock.py check          stdin: {"endpoint", "keys", "bucket", "mode", "deleted", "replaced"}
                           stdout: what each identity could do, as JSON

moto authenticates every request after the first INITIAL_NO_AUTH_ACTION_COUNT (the caller sets
exactly as many as `setup` makes), then checks the signature and the IAM action.
"""

import base64
import json
import sys
from urllib.parse import urlsplit, urlunsplit


def serve(port):
    # moto re-checks SigV4 against the URL werkzeug rebuilt, with `%2F` decoded to `/`, so every
    # listing with a delimiter (rclone's) fails its signature check. The raw request URI is
    # what the client signed: hand that to the check, and nothing else changes.
    from moto import server
    from moto.core import authorization

    check = authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action

    def with_raw_uri(self, iam_request_cls, resource="*"):
        environ = getattr(getattr(self, "request", None), "environ", None) or {}
        raw = environ.get("RAW_URI") or ""
        decoded = self.uri
        if raw:
            path, _, query = raw.partition("?")
            self.uri = urlunsplit(urlsplit(decoded)._replace(path=path, query=query))
        try:
            return check(self, iam_request_cls, resource)
        finally:
            self.uri = decoded

    authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action = with_raw_uri
    server.main(["-H", "127.0.0.1", "-p", str(port)])


def client(endpoint, keys, service="s3", when_required=False):
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"max_attempts": 1},
        request_checksum_calculation="when_required" if when_required else "when_supported",
    )
    return boto3.client(
        service,
        endpoint_url=endpoint,
        aws_access_key_id=keys[0],
        aws_secret_access_key=keys[1],
        region_name="us-east-1",
        config=config,
    )


def setup(spec):
    anonymous = ("testing", "testing")
    s3 = client(spec["endpoint"], anonymous)
    iam = client(spec["endpoint"], anonymous, "iam")
    for bucket in spec["buckets"]:
        s3.create_bucket(Bucket=bucket["name"], ObjectLockEnabledForBucket=bucket["lock"])
    keys = {}
    for name, policy in spec["users"].items():
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName=name, PolicyDocument=policy)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        keys[name] = [key["AccessKeyId"], key["SecretAccessKey"]]
    return keys


def apply(spec):
    """The bucket job's `mc` commands as the S3 calls `mc` makes, as the job's own identity.

    moto's action map has no entry for `PUT ?object-lock` and authorizes it as
    `s3:CreateBucket` (moto/s3/responses.py ACTION_MAP), which MinIO does not: the default
    retention is set as the administrator here, and the job's policy is checked against
    MinIO's action for it (`s3:PutBucketObjectLockConfiguration`) by the unit tests.
    """
    job = client(spec["endpoint"], spec["keys"]["buckets"])
    admin = client(spec["endpoint"], spec["keys"]["admin"])
    applied = []
    for words in spec["commands"]:
        assert words[0] == "mc", words
        bucket = words[-1].split("/", 1)[1]
        verb = words[1:-1]
        if verb[:3] == ["retention", "set", "--default"]:
            mode, days = verb[3].upper(), int(verb[4].rstrip("d"))
            admin.put_object_lock_configuration(
                Bucket=bucket,
                ObjectLockConfiguration={
                    "ObjectLockEnabled": "Enabled",
                    "Rule": {"DefaultRetention": {"Mode": mode, "Days": days}},
                },
            )
        elif verb[:2] == ["version", "enable"]:
            job.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        elif verb[:3] == ["ilm", "rule", "add"]:
            rule = {"ID": f"rule-{len(applied)}", "Status": "Enabled", "Filter": {"Prefix": ""}}
            if "--expire-delete-marker" in verb:
                rule["Expiration"] = {"ExpiredObjectDeleteMarker": True}
            if "--noncurrent-expire-days" in verb:
                days = int(verb[verb.index("--noncurrent-expire-days") + 1])
                rule["NoncurrentVersionExpiration"] = {"NoncurrentDays": days}
            try:
                rules = job.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
            except job.exceptions.ClientError:
                rules = []
            job.put_bucket_lifecycle_configuration(
                Bucket=bucket, LifecycleConfiguration={"Rules": rules + [rule]}
            )
        elif verb[:5] == ["ilm", "rule", "rm", "--all", "--force"]:
            job.get_bucket_lifecycle_configuration(Bucket=bucket)
            job.delete_bucket_lifecycle(Bucket=bucket)
        else:
            raise SystemExit(f"no S3 call for {words}")
        applied.append(" ".join(words))
    return applied


def attempt(call):
    try:
        call()
        return "allowed"
    except Exception as e:  # noqa: BLE001 - the error code is the answer
        response = getattr(e, "response", {}) or {}
        return response.get("Error", {}).get("Code", type(e).__name__)


def check(spec):
    endpoint, keys, bucket = spec["endpoint"], spec["keys"], spec["bucket"]
    admin = client(endpoint, keys["admin"])
    sync = client(endpoint, keys["rclone"])
    out = {}
    config = admin.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
    out["default_retention"] = config["Rule"]["DefaultRetention"]
    out["versioning"] = admin.get_bucket_versioning(Bucket=bucket).get("Status")
    rules = admin.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    out["lifecycle"] = [
        {k: r[k] for k in ("NoncurrentVersionExpiration", "Expiration") if k in r} for r in rules
    ]
    listing = admin.list_object_versions(Bucket=bucket)
    versions = listing.get("Versions", [])
    markers = listing.get("DeleteMarkers", [])

    def old_version(key):
        found = [v for v in versions if v["Key"] == key and not v["IsLatest"]]
        assert len(found) == 1, (key, versions, markers)
        return found[0]["VersionId"]

    kept = {}
    for key in (spec["deleted"], spec["replaced"]):
        version = old_version(key)
        body = admin.get_object(Bucket=bucket, Key=key, VersionId=version)
        # moto answers GetObjectRetention with a 500; HEAD carries the same lock.
        head = admin.head_object(Bucket=bucket, Key=key, VersionId=version)
        kept[key] = {
            "version": version,
            "bytes": base64.b64encode(body["Body"].read()).decode(),
            "lock": head.get("ObjectLockMode"),
        }
    out["kept"] = kept
    out["delete_marker"] = [m["Key"] for m in markers if m["IsLatest"]]
    victim = spec["deleted"]
    version = kept[victim]["version"]
    out["sync"] = {
        "delete version": attempt(
            lambda: sync.delete_object(Bucket=bucket, Key=victim, VersionId=version)
        ),
        "delete version bypassing governance": attempt(
            lambda: sync.delete_object(
                Bucket=bucket, Key=victim, VersionId=version, BypassGovernanceRetention=True
            )
        ),
        "suspend versioning": attempt(
            lambda: sync.put_bucket_versioning(
                Bucket=bucket, VersioningConfiguration={"Status": "Suspended"}
            )
        ),
        "remove lifecycle": attempt(lambda: sync.delete_bucket_lifecycle(Bucket=bucket)),
        "write the source": attempt(
            lambda: sync.put_object(Bucket=spec["source"], Key="x", Body=b"x")
        ),
    }
    out["admin"] = {
        "delete locked version": attempt(
            lambda: admin.delete_object(Bucket=bucket, Key=victim, VersionId=version)
        )
    }
    # AWS's rule, which moto enforces: a put into a bucket with a default retention needs
    # Content-MD5 or a checksum. That rclone's puts went through shows they carry one.
    bare = client(endpoint, keys["admin"], when_required=True)
    out["admin"]["put without Content-MD5 or checksum"] = attempt(
        lambda: bare.put_object(Bucket=bucket, Key="bare", Body=b"bare")
    )
    # Last, as it removes a version: governance lets an administrator who asks to bypass it.
    out["admin"]["delete locked version bypassing governance"] = attempt(
        lambda: admin.delete_object(
            Bucket=bucket, Key=victim, VersionId=version, BypassGovernanceRetention=True
        )
    )
    return out


def main():
    command = sys.argv[1]
    if command == "serve":
        serve(int(sys.argv[2]))
        return
    spec = json.load(sys.stdin)
    result = {"setup": setup, "apply": apply, "check": check}[command](spec)
    json.dump(result, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main()
