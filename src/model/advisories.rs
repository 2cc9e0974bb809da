//! Published security advisories against the images miniogen pins: MinIO, `mc` and rclone.
//!
//! Part of the plan stage: a small table of known advisories, each with the first release that
//! fixes it, and the check of a pinned image's release against it. No IO; the table is updated
//! by hand, from the advisory and the upstream repository's tags (`git tag --contains` of the
//! fix commit), each entry naming where it was checked. An image pinned by digest alone names no
//! release, so it is not checked.

use serde::Serialize;

/// The newest MinIO release upstream published an official image for. Upstream moved to
/// source-only releases with RELEASE.2025-10-15T17-29-55Z (its commit 9e49d5e7a, "update
/// README.md and other docs to point to source only releases"; minio/minio#21647: "MinIO
/// community version is a source-only distribution"); `quay.io/minio/minio` keeps serving the
/// tags published before.
pub const NEWEST_MINIO_IMAGE: &str = "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z";

/// Which software an image runs, which decides how its tag names a release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Software {
    /// The MinIO server: `RELEASE.<timestamp>` tags.
    Minio,
    /// The MinIO client in the IAM job: `RELEASE.<timestamp>` tags.
    Mc,
    /// rclone: `1.75.2` or `v1.75.2` tags.
    Rclone,
}

/// One published advisory and the first release that fixes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Advisory {
    /// The software it is published against.
    pub software: Software,
    /// Its CVE identifier.
    pub cve: &'static str,
    /// Its GitHub advisory identifier.
    pub ghsa: &'static str,
    /// What it allows, in a few words.
    pub summary: &'static str,
    /// The first release that fixes it.
    pub fixed_in: &'static str,
    /// Whether upstream published an official image of that release.
    pub fix_has_image: bool,
}

/// The advisories known to miniogen, oldest fix first per software.
pub const KNOWN: [Advisory; 9] = [
    // GHSA-cwq8-g58r-32hg: fix f246c9053 (#20756); first tag containing it.
    Advisory {
        software: Software::Minio,
        cve: "CVE-2024-55949",
        ghsa: "GHSA-cwq8-g58r-32hg",
        summary: "privilege escalation through the IAM import API",
        fixed_in: "RELEASE.2024-12-13T22-19-12Z",
        fix_has_image: true,
    },
    // GHSA-wg47-6jq2-q2hh: fix 8c7097528 (#21103), "make sure to validate signature unsigned
    // trailer stream"; first tag containing it.
    Advisory {
        software: Software::Minio,
        cve: "CVE-2025-31489",
        ghsa: "GHSA-wg47-6jq2-q2hh",
        summary: "incomplete signature validation of uploads with unsigned trailers",
        fixed_in: "RELEASE.2025-04-03T14-56-28Z",
        fix_has_image: true,
    },
    // GHSA-jjjj-jwhf-8rgr: fix c1a49490c (#21642), "fix: check sub-policy properly when
    // present", in the first source-only release.
    Advisory {
        software: Software::Minio,
        cve: "CVE-2025-62506",
        ghsa: "GHSA-jjjj-jwhf-8rgr",
        summary: "service and STS accounts bypass their session policy when creating service accounts",
        fixed_in: "RELEASE.2025-10-15T17-29-55Z",
        fix_has_image: false,
    },
    // minio/mc#5217: mc built with a Go standard library before 1.23.10. This tag's go.mod
    // raises the `toolchain` directive from go1.23.6 to go1.23.10, so no older Go builds it.
    Advisory {
        software: Software::Mc,
        cve: "CVE-2025-4673",
        ghsa: "GHSA-62jj-gr2r-5c34",
        summary: "Go standard library: proxy credentials kept on cross-origin redirects (net/http)",
        fixed_in: "RELEASE.2025-07-16T15-35-03Z",
        fix_has_image: true,
    },
    // golang/vulndb#3271; fix 01ccf204f.
    Advisory {
        software: Software::Rclone,
        cve: "CVE-2024-52522",
        ghsa: "GHSA-hrxh-9w67-g4cv",
        summary: "symlink targets' ownership and permissions changed with --links and --metadata",
        fixed_in: "1.68.2",
        fix_has_image: true,
    },
    Advisory {
        software: Software::Rclone,
        cve: "CVE-2026-41179",
        ghsa: "GHSA-jfwf-28xr-xw6q",
        summary: "unauthenticated operations/fsinfo in the remote control API runs local commands",
        fixed_in: "1.73.5",
        fix_has_image: true,
    },
    Advisory {
        software: Software::Rclone,
        cve: "CVE-2026-54572",
        ghsa: "GHSA-cf44-9pgv-m4xc",
        summary: "symlinks planted outside the destination with --links",
        fixed_in: "1.74.4",
        fix_has_image: true,
    },
    Advisory {
        software: Software::Rclone,
        cve: "CVE-2026-71310",
        ghsa: "GHSA-xhf4-832v-7xcr",
        summary: "unbounded HTTP CONNECT response headers exhaust memory",
        fixed_in: "1.75.0",
        fix_has_image: true,
    },
    Advisory {
        software: Software::Rclone,
        cve: "CVE-2026-88016",
        ghsa: "GHSA-f8g7-2xjc-7mfh",
        summary: "directory metadata applied through planted symlinks with --links",
        fixed_in: "1.75.1",
        fix_has_image: true,
    },
];

/// A pinned image whose release predates the fix of an advisory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The site key that pins it, such as `tenant.image`.
    pub key: &'static str,
    /// The image.
    pub image: String,
    /// The release its tag names.
    pub release: String,
    /// The advisory.
    pub advisory: Advisory,
}

/// The release an image's tag names, for `software`; none for a digest-only pin or a tag that
/// names no release.
#[must_use]
pub fn release(image: &str, software: Software) -> Option<String> {
    let name = image.split('@').next().unwrap_or(image);
    let last = name.rsplit('/').next().unwrap_or(name);
    let (_, tag) = last.split_once(':')?;
    match software {
        // `RELEASE.2025-09-07T16-13-09Z`, possibly with a suffix such as `-cpuv1`.
        Software::Minio | Software::Mc => {
            let stamp = tag.strip_prefix("RELEASE.")?.get(..20)?;
            let shape = "dddd-dd-ddTdd-dd-ddZ";
            stamp
                .chars()
                .zip(shape.chars())
                .all(|(c, s)| if s == 'd' { c.is_ascii_digit() } else { c == s })
                .then(|| format!("RELEASE.{stamp}"))
        }
        Software::Rclone => {
            let version = semver(tag)?;
            Some(format!("{}.{}.{}", version[0], version[1], version[2]))
        }
    }
}

/// `1.75.2` or `v1.75.2` (and `1.75`) as numbers; a suffix such as `-beta` is ignored.
fn semver(tag: &str) -> Option<[u64; 3]> {
    let core = tag.strip_prefix('v').unwrap_or(tag);
    let core = core.split(['-', '+']).next().unwrap_or(core);
    let mut parts = core.split('.').map(str::parse::<u64>);
    let major = parts.next()?.ok()?;
    let minor = parts.next()?.ok()?;
    let patch = parts.next().unwrap_or(Ok(0)).ok()?;
    Some([major, minor, patch])
}

/// Whether `release` comes before `fixed_in`, both named as `software` names its releases.
fn before(release: &str, fixed_in: &str, software: Software) -> bool {
    match software {
        // Timestamps of one shape: text order is time order.
        Software::Minio | Software::Mc => release < fixed_in,
        Software::Rclone => semver(release) < semver(fixed_in),
    }
}

/// The advisories `image`, pinned by site key `key`, predates the fix of, except `accepted`
/// ones (named by CVE or GHSA identifier).
#[must_use]
pub fn check(
    key: &'static str,
    image: &str,
    software: Software,
    accepted: &[String],
) -> Vec<Finding> {
    let Some(release) = release(image, software) else {
        return Vec::new();
    };
    KNOWN
        .iter()
        .filter(|a| a.software == software && before(&release, a.fixed_in, software))
        .filter(|a| !accepted.iter().any(|id| id == a.cve || id == a.ghsa))
        .map(|a| Finding {
            key,
            image: image.to_string(),
            release: release.clone(),
            advisory: a.clone(),
        })
        .collect()
}

impl Finding {
    /// The warning's text.
    #[must_use]
    pub fn message(&self) -> String {
        let a = &self.advisory;
        format!(
            "`{}` `{}` predates the fix of {} ({}): {}; fixed in {}",
            self.key, self.image, a.cve, a.ghsa, a.summary, a.fixed_in
        )
    }

    /// What to do about it.
    #[must_use]
    pub fn help(&self) -> String {
        let a = &self.advisory;
        let accept = format!(
            "or accept it with `warnings.accepted_advisories = [\"{}\"]`",
            a.cve
        );
        if a.fix_has_image {
            format!("pin {} or later, {accept}", a.fixed_in)
        } else {
            format!(
                "upstream published no image of {} (source only since minio/minio#21647): build one \
                 from that tag and pin it, {accept}",
                a.fixed_in
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_are_read_from_tags() {
        assert_eq!(
            release(
                "quay.io/minio/minio:RELEASE.2024-10-13T13-34-11Z",
                Software::Minio
            ),
            Some("RELEASE.2024-10-13T13-34-11Z".into())
        );
        assert_eq!(
            release(
                "registry:5000/minio/minio:RELEASE.2025-09-07T16-13-09Z-cpuv1",
                Software::Minio
            ),
            Some("RELEASE.2025-09-07T16-13-09Z".into())
        );
        assert_eq!(
            release("docker.io/rclone/rclone:v1.68.1", Software::Rclone),
            Some("1.68.1".into())
        );
        let digest = "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        assert_eq!(
            release(&format!("quay.io/minio/minio{digest}"), Software::Minio),
            None
        );
        assert_eq!(
            release(
                &format!("quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z{digest}"),
                Software::Mc
            ),
            Some("RELEASE.2025-08-13T08-35-41Z".into())
        );
    }

    /// The release the profiles pinned before: both advisories the issue names, and the one
    /// fixed only in source.
    #[test]
    fn the_old_pin_predates_three_fixes() {
        let found = check(
            "tenant.image",
            "quay.io/minio/minio:RELEASE.2024-10-13T13-34-11Z",
            Software::Minio,
            &[],
        );
        let cves: Vec<&str> = found.iter().map(|f| f.advisory.cve).collect();
        assert_eq!(cves, ["CVE-2024-55949", "CVE-2025-31489", "CVE-2025-62506"]);
        assert!(
            found[0]
                .message()
                .contains("fixed in RELEASE.2024-12-13T22-19-12Z")
        );
        assert!(
            found[2]
                .help()
                .contains("no image of RELEASE.2025-10-15T17-29-55Z")
        );
    }

    /// The newest official image has every fix that has an image; accepting an advisory by
    /// either identifier silences it.
    #[test]
    fn the_newest_image_only_lacks_the_source_only_fix() {
        let found = check("tenant.image", NEWEST_MINIO_IMAGE, Software::Minio, &[]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].advisory.cve, "CVE-2025-62506");
        assert!(
            KNOWN
                .iter()
                .filter(|a| a.software == Software::Minio && a.fix_has_image)
                .all(|a| a.fixed_in <= "RELEASE.2025-09-07T16-13-09Z")
        );
        for id in ["CVE-2025-62506", "GHSA-jjjj-jwhf-8rgr"] {
            assert!(
                check(
                    "tenant.image",
                    NEWEST_MINIO_IMAGE,
                    Software::Minio,
                    &[id.into()]
                )
                .is_empty()
            );
        }
    }

    #[test]
    fn rclone_versions_compare_as_numbers() {
        let ids = |image: &str| -> Vec<&str> {
            check("rclone.image", image, Software::Rclone, &[])
                .iter()
                .map(|f| f.advisory.cve)
                .collect()
        };
        assert_eq!(ids("docker.io/rclone/rclone:1.75.2"), Vec::<&str>::new());
        assert_eq!(ids("docker.io/rclone/rclone:1.75.0"), ["CVE-2026-88016"]);
        assert_eq!(ids("docker.io/rclone/rclone:1.9.0").len(), 5);
        assert_eq!(ids("docker.io/rclone/rclone:1.68.2").len(), 4);
    }

    #[test]
    fn mc_before_the_go_fix_is_flagged() {
        assert_eq!(
            check(
                "iam.mc_image",
                "quay.io/minio/mc:RELEASE.2025-05-21T01-59-54Z",
                Software::Mc,
                &[]
            )
            .len(),
            1
        );
        assert!(
            check(
                "iam.mc_image",
                "quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z",
                Software::Mc,
                &[]
            )
            .is_empty()
        );
    }
}
