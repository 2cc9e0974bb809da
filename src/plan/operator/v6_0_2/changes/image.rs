//! `spec.image`: what the operator's in-place update (`fetchArtifacts`, `updateServer`,
//! `ServerUpdateV2`) or a roll of the pods does with a new image, and the release a MinIO image
//! reference names.

use serde_json::Value;

use super::template::TEMPLATE;
use super::{effect, str_at, with};
use crate::plan::operator::{Disruption, Effect, Kind};

const IMAGE_UPDATE: &str = "pkg/controller/artifacts.go fetchArtifacts, \
                            pkg/controller/main-controller.go updateServer, \
                            minio cmd/admin-handlers.go ServerUpdateV2Handler";

const IMAGE_ROLL: &str = "pkg/controller/main-controller.go syncHandler, \
                          minio cmd/bootstrap-peer-server.go ServerSystemConfig.Diff";

/// What `syncHandler` compares to decide on an in-place update: the part of the image after its
/// first `:` (`strings.Split(image, ":")`, element 1), or nothing.
fn operator_tag(image: &str) -> &str {
    image.split(':').nth(1).unwrap_or_default()
}

/// The release date of a MinIO image reference from its `RELEASE.` tag, as
/// `YYYY-MM-DDTHH-MM-SSZ` (which sorts as time does), the way `ReleaseTagToReleaseTime`
/// (`pkg/apis/minio.min.io/v2/helper.go`) reads a tag; `None` for a digest alone or another tag.
#[must_use]
pub fn release(image: &str) -> Option<&str> {
    let name = image.rsplit('/').next().unwrap_or(image);
    let tag = name.split_once(':')?.1;
    let date = tag.strip_prefix("RELEASE.")?.get(..20)?;
    let shape = date.bytes().enumerate().all(|(i, b)| match i {
        4 | 7 | 13 | 16 => b == b'-',
        10 => b == b'T',
        19 => b == b'Z',
        _ => b.is_ascii_digit(),
    });
    shape.then_some(date)
}

/// `spec.image`: an in-place update of every server (`simultaneous`), refused for a release
/// that is not newer (`blocked`), or a roll of the pods when the operator sees the same tag.
pub(super) fn image(old: &Value, new: &Value) -> Option<Effect> {
    let (from, to) = (str_at(old, "/spec/image"), str_at(new, "/spec/image"));
    if from == to {
        return None;
    }
    let change = format!("`spec.image` from `{from}` to `{to}`");
    let releases = (release(from), release(to));
    let update = "the operator pulls the image itself (`fetchArtifacts`, with the Tenant's \
                  `imagePullSecret` or the operator's own credentials) and hands its binary to \
                  MinIO (`updateServer`, `ServerUpdateV2`), which replaces the binary on every \
                  server and restarts every MinIO process at once; then the StatefulSets roll \
                  one pod at a time onto the new image";
    let registry = "make sure the operator's pod can pull it (registry access from the \
                    operator's namespace, the pull secret); S3 requests fail for the seconds \
                    every server takes to restart and find its peers, then one server is down \
                    at a time while the pods roll";
    if operator_tag(from) != operator_tag(to) {
        let e = match releases {
            (Some(a), Some(b)) if b > a => with(
                effect(Kind::Image, None, change, Disruption::Simultaneous),
                IMAGE_UPDATE,
                update.to_string(),
                registry.to_string(),
            ),
            (Some(a), Some(b)) => with(
                effect(Kind::Image, None, change, Disruption::Blocked),
                IMAGE_UPDATE,
                format!(
                    "release {b} is not newer than {a}: MinIO answers `ServerUpdateV2` with \
                     \"server is running the latest version\" for any release not newer than its \
                     own, so `updateServer` fails on every reconcile and returns before volume \
                     expansion, buckets and PodDisruptionBudgets"
                ),
                format!(
                    "keep `{from}` or move to a newer release; MinIO has no supported \
                     downgrade"
                ),
            ),
            _ => with(
                effect(Kind::Image, None, change, Disruption::Simultaneous),
                IMAGE_UPDATE,
                format!(
                    "{update}. miniogen cannot tell the releases apart (no `RELEASE.` tag): \
                     MinIO refuses a release that is not newer than the one it runs, and the \
                     operator then fails on every reconcile"
                ),
                format!(
                    "{registry}; first read the release the image holds (its `release` label: \
                     `crane config IMAGE`, or `docker inspect`) and compare it with what `mc \
                     admin info` reports, and pin images as `...:RELEASE.<date>@sha256:<digest>` \
                     so that miniogen can compare them"
                ),
            ),
        };
        return Some(e);
    }
    Some(match releases {
        (Some(a), Some(b)) if a != b => with(
            effect(Kind::Image, None, change, Disruption::Blocked),
            IMAGE_ROLL,
            format!(
                "the operator compares only the part of the image after its first `:` (`{}` on \
                 both sides), so it skips the in-place update and rolls the pods one at a time \
                 onto release {b}; MinIO refuses a peer whose binary differs from its own \
                 (`ServerSystemConfig.Diff`), so each restarted server waits for peers that \
                 never match",
                operator_tag(to)
            ),
            "name the image without a registry port (the first `:` must precede the tag), or \
             upgrade through a mirror that has none"
                .to_string(),
        ),
        _ => with(
            effect(Kind::Image, None, change, Disruption::Rolling),
            TEMPLATE,
            format!(
                "the operator sees the same tag (`{}`) and does no in-place update: it replaces \
                 the pod templates, and the pods restart one at a time",
                operator_tag(to)
            ),
            "make sure both names hold the very same MinIO binary: MinIO refuses a peer whose \
             binary differs (`ServerSystemConfig.Diff` compares checksums), so a restarted \
             server would wait for peers that never match"
                .to_string(),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::operator::v6_0_2::changes::testing::*;
    use serde_json::json;

    #[test]
    fn releases_are_read_from_the_tag() {
        assert_eq!(release(NEW), Some("2025-09-07T16-13-09Z"));
        assert_eq!(
            release("registry:5000/minio/minio:RELEASE.2025-09-07T16-13-09Z.hotfix.1@sha256:ab"),
            Some("2025-09-07T16-13-09Z")
        );
        assert_eq!(release("quay.io/minio/minio@sha256:abcd"), None);
        assert_eq!(release("quay.io/minio/minio:latest"), None);
        assert_eq!(release("quay.io/minio/minio:RELEASE.2025-9-7"), None);
        assert_eq!(
            operator_tag("registry:5000/minio/minio:RELEASE.x"),
            "5000/minio/minio"
        );
        assert_eq!(operator_tag("minio/minio"), "");
    }

    /// A digest alone: the operator still updates in place, and miniogen says it cannot tell.
    #[test]
    fn a_digest_without_a_release_says_so() {
        let old = tenant();
        let mut new = tenant();
        new["spec"]["image"] = json!("quay.io/minio/minio@sha256:0123");
        let v = judge(&old, &new);
        let c = &v.changes[0];
        assert_eq!(c.disruption, Disruption::Simultaneous);
        assert!(c.cause.contains("cannot tell"), "{}", c.cause);
        assert!(c.todo.contains("`release` label"), "{}", c.todo);
    }

    /// A registry port: the operator's tag comparison sees `5000/minio/minio` on both sides
    /// and rolls another release in, which MinIO refuses as a peer.
    #[test]
    fn another_release_behind_a_registry_port_is_blocked() {
        let mut old = tenant();
        old["spec"]["image"] = json!("registry:5000/minio/minio:RELEASE.2024-10-13T13-34-11Z");
        let mut new = tenant();
        new["spec"]["image"] = json!("registry:5000/minio/minio:RELEASE.2025-09-07T16-13-09Z");
        let v = judge(&old, &new);
        assert_eq!(classes(&v), [(Kind::Image, None, Disruption::Blocked)]);
    }

    /// The same release moved behind a registry port: the operator's tags differ
    /// (`5000/minio/minio` against the release), so it updates in place, and MinIO answers
    /// "server is running the latest version" for a release that is not newer
    /// (`ServerUpdateV2Handler`: `lrTime.Sub(currentReleaseTime) <= 0`): `blocked`, as a
    /// downgrade is, not the update of an upgrade.
    #[test]
    fn the_same_release_through_a_registry_port_is_blocked() {
        let old = tenant();
        let mut new = tenant();
        new["spec"]["image"] = json!("registry:5000/minio/minio:RELEASE.2024-10-13T13-34-11Z");
        let v = judge(&old, &new);
        assert_eq!(classes(&v), [(Kind::Image, None, Disruption::Blocked)]);
        assert!(
            v.changes[0].cause.contains("is not newer than"),
            "{}",
            v.changes[0].cause
        );
    }
}
