//! Consumer outputs: what Synapse and CloudNativePG are given to reach their buckets.
//!
//! Part of the plan stage: from the same endpoint, buckets and Secrets the manifests use, it
//! decides the settings of Synapse's `media_storage_providers` block and CloudNativePG's backup
//! configuration (the Barman Cloud plugin's `ObjectStore` and `plugins` entry, and the built-in
//! `backup.barmanObjectStore` stanza), and which of them are Kubernetes objects in the manifests
//! and which are fragments written beside them. The LI sync's remotes are part of `plan::Rclone`.
//! No IO, and no credential: consumers get Secret references.

use serde::Serialize;

use crate::model::spec::{CaKind, Site, SynapseOutputKind, TrustSource};
use crate::plan::{ACCESS_KEY, Endpoint, SECRET_KEY};

/// The folder of an output folder that holds the fragments, which are not Kubernetes objects.
pub const FRAGMENT_DIR: &str = "consumers";
/// The Barman Cloud plugin's name in a Cluster's `plugins`.
pub const BARMAN_PLUGIN: &str = "barman-cloud.cloudnative-pg.io";
/// The key of a CA certificate, in the CA ConfigMap and the CA Secret alike.
pub const CA_KEY: &str = "ca.crt";
/// Where Synapse's pod mounts the CA.
pub const SYNAPSE_CA_DIR: &str = "/etc/synapse/minio-ca";

/// The CA every client verifies the tenant's certificate with: the one `tenant.trust` names.
/// With TLS off there is none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trust {
    /// `cluster-ca`, `named-ca` or `provided`.
    pub source: &'static str,
    /// `ConfigMap` or `Secret`.
    pub kind: &'static str,
    /// Its name.
    pub name: String,
    /// The key holding the PEM certificate.
    pub key: String,
    /// For `provided`: the Secret with the tenant's own certificate (`externalCertSecret`).
    pub certificate_secret: Option<String>,
}

/// The trusted CA of `site`; `rules` has refused a `named-ca` without `ca` and a `provided`
/// without `certificate_secret`.
#[must_use]
pub fn trust(site: &Site) -> Option<Trust> {
    let t = &site.tenant;
    if !t.tls {
        return None;
    }
    let named =
        |kind: CaKind, name: &str, key: &str| (kind.name(), name.to_string(), key.to_string());
    let (kind, name, key) = match (t.trust, &t.ca, &t.certificate_secret) {
        (TrustSource::ClusterCa, _, _) => named(CaKind::ConfigMap, &t.ca_config_map, CA_KEY),
        (_, Some(ca), _) => named(ca.kind, &ca.name, ca.key.as_deref().unwrap_or(CA_KEY)),
        // cert-manager writes the issuing CA beside the certificate.
        (TrustSource::Provided, None, Some(secret)) => named(CaKind::Secret, secret, CA_KEY),
        (TrustSource::NamedCa | TrustSource::Provided, None, _) => {
            named(CaKind::ConfigMap, &t.ca_config_map, CA_KEY)
        }
    };
    Some(Trust {
        source: t.trust.name(),
        kind,
        name,
        key,
        certificate_secret: t
            .certificate_secret
            .clone()
            .filter(|_| t.trust == TrustSource::Provided),
    })
}

impl Trust {
    /// The CA mounted as `file` in folder `dir` of a pod.
    #[must_use]
    pub fn mount(&self, dir: &'static str) -> CaMount {
        CaMount {
            kind: self.kind,
            name: self.name.clone(),
            key: self.key.clone(),
            dir,
            file: CA_KEY,
            path: format!("{dir}/{CA_KEY}"),
        }
    }
}

/// Every consumer output.
#[derive(Debug, Clone, Serialize)]
pub struct Outputs {
    /// The CA every consumer trusts, with TLS on.
    pub trust: Option<Trust>,
    /// Synapse's, unless turned off.
    pub synapse: Option<Synapse>,
    /// CloudNativePG's.
    pub cnpg: Cnpg,
    /// The fragment files, in order.
    pub fragments: Vec<FragmentFile>,
}

/// A file written beside the manifests, never into the stream.
#[derive(Debug, Clone, Serialize)]
pub struct FragmentFile {
    /// Its name inside `FRAGMENT_DIR`.
    pub file: &'static str,
    /// The template that renders it.
    pub template: &'static str,
    /// The consumer it configures.
    pub consumer: &'static str,
    /// Where it goes, for the comment that opens it.
    pub purpose: &'static str,
}

/// Synapse's `s3_storage_provider` settings and the pod wiring that goes with them.
#[derive(Debug, Clone, Serialize)]
pub struct Synapse {
    /// The ConfigMap holding the `homeserver.yaml` fragment, for `output = "config-map"`.
    pub config_map: Option<String>,
    /// Its key: a file for Synapse's config directory.
    pub config_file: &'static str,
    /// The bucket.
    pub bucket: String,
    /// `endpoint_url`.
    pub endpoint_url: String,
    /// `region_name`.
    pub region: String,
    /// The Secret boto3 takes its keys from (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`).
    pub secret: String,
    /// Its access key's key.
    pub access_key_key: &'static str,
    /// Its secret key's key.
    pub secret_key_key: &'static str,
    /// With TLS on: the CA ConfigMap to mount and where boto3 finds it (`AWS_CA_BUNDLE`).
    pub ca: Option<CaMount>,
}

/// The trusted CA, from its ConfigMap or Secret, mounted into a pod.
#[derive(Debug, Clone, Serialize)]
pub struct CaMount {
    /// `ConfigMap` or `Secret`.
    pub kind: &'static str,
    /// Its name.
    pub name: String,
    /// Its key.
    pub key: String,
    /// The folder it is mounted at.
    pub dir: &'static str,
    /// The file's name in that folder.
    pub file: &'static str,
    /// The file's full path.
    pub path: String,
}

/// CloudNativePG's backup settings, shared by the plugin's `ObjectStore` and the built-in stanza.
#[derive(Debug, Clone, Serialize)]
pub struct Cnpg {
    /// Whether the Cluster fragments are written.
    pub fragments: bool,
    /// The `ObjectStore`'s name.
    pub object_store: String,
    /// Whether the `ObjectStore` is in the manifests.
    pub object_store_in_manifests: bool,
    /// The plugin's name in `plugins`.
    pub plugin: &'static str,
    /// The bucket.
    pub bucket: String,
    /// `destinationPath`: `s3://<bucket>/<path>/`.
    pub destination_path: String,
    /// `endpointURL`.
    pub endpoint_url: String,
    /// The Secret with the user's keys.
    pub secret: String,
    /// Its access key's key.
    pub access_key_key: &'static str,
    /// Its secret key's key.
    pub secret_key_key: &'static str,
    /// `retentionPolicy`.
    pub retention: String,
    /// With TLS on: `endpointCA`, the trusted CA's Secret, or a copy you create of a CA kept in
    /// a ConfigMap.
    pub ca_secret: Option<String>,
    /// Its key.
    pub ca_key: String,
}

/// The consumer outputs for `site`, reaching the tenant at `s3`.
#[must_use]
pub fn outputs(site: &Site, s3: &Endpoint) -> Outputs {
    let trust = trust(site);
    let synapse_id = site.users.synapse();
    let cnpg_id = site.users.cnpg();
    let s = &site.synapse;
    let synapse = (s.output != SynapseOutputKind::None).then(|| Synapse {
        config_map: (s.output == SynapseOutputKind::ConfigMap).then(|| s.config_map.clone()),
        config_file: "media-storage.yaml",
        bucket: synapse_id.bucket.clone().unwrap_or_default(),
        endpoint_url: s3.url.clone(),
        region: s.region.clone(),
        secret: synapse_id.secret.clone(),
        access_key_key: ACCESS_KEY,
        secret_key_key: SECRET_KEY,
        ca: trust.as_ref().map(|t| t.mount(SYNAPSE_CA_DIR)),
    });
    let c = &site.cnpg;
    let bucket = cnpg_id.bucket.clone().unwrap_or_default();
    let cnpg = Cnpg {
        fragments: c.fragments,
        object_store: c.object_store_name.clone(),
        object_store_in_manifests: c.object_store,
        plugin: BARMAN_PLUGIN,
        destination_path: format!("s3://{bucket}/{}/", c.path),
        bucket,
        endpoint_url: s3.url.clone(),
        secret: cnpg_id.secret.clone(),
        access_key_key: ACCESS_KEY,
        secret_key_key: SECRET_KEY,
        retention: c.retention.clone(),
        // CloudNativePG reads `endpointCA` from a Secret only.
        ca_secret: trust.as_ref().map(|t| {
            if t.kind == "Secret" {
                t.name.clone()
            } else {
                c.ca_secret.clone()
            }
        }),
        ca_key: trust
            .as_ref()
            .filter(|t| t.kind == "Secret")
            .map_or_else(|| CA_KEY.to_string(), |t| t.key.clone()),
    };
    let mut fragments = Vec::new();
    if synapse.is_some() {
        fragments.extend([
            FragmentFile {
                file: "synapse-media-storage.yaml",
                template: "synapse-media-storage.yaml.j2",
                consumer: "synapse",
                purpose: "Synapse's homeserver.yaml (or a file in its config directory)",
            },
            FragmentFile {
                file: "synapse-pod.yaml",
                template: "synapse-pod.yaml.j2",
                consumer: "synapse",
                purpose: "the Synapse container (env, volumeMounts) and pod (volumes)",
            },
        ]);
    }
    // The plugin's entry names the ObjectStore, so it comes only with one in the manifests.
    if cnpg.fragments && cnpg.object_store_in_manifests {
        fragments.push(FragmentFile {
            file: "cnpg-plugin.yaml",
            template: "cnpg-plugin.yaml.j2",
            consumer: "cnpg",
            purpose: "the CloudNativePG Cluster's spec, with the Barman Cloud plugin",
        });
    }
    if cnpg.fragments {
        fragments.extend([FragmentFile {
                file: "cnpg-barman-object-store.yaml",
                template: "cnpg-barman-object-store.yaml.j2",
                consumer: "cnpg",
                purpose: "the CloudNativePG Cluster's spec, without the plugin (deprecated since CloudNativePG 1.26)",
        }]);
    }
    Outputs {
        trust,
        synapse,
        cnpg,
        fragments,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::spec::CaRef;

    /// One trusted CA per source: `kube-root-ca.crt` by default, the named one, or the `ca.crt`
    /// cert-manager writes beside a provided certificate; none with TLS off.
    #[test]
    fn each_trust_source_names_one_ca() {
        let mut site = Site::default();
        let t = trust(&site).unwrap_or_else(|| panic!("TLS is on by default"));
        assert_eq!(
            (t.kind, t.name.as_str(), t.key.as_str()),
            ("ConfigMap", "kube-root-ca.crt", "ca.crt")
        );
        site.tenant.trust = TrustSource::NamedCa;
        site.tenant.ca = Some(CaRef {
            kind: CaKind::Secret,
            name: "ca".into(),
            key: Some("root.pem".into()),
        });
        let t = trust(&site).unwrap_or_else(|| panic!("named"));
        assert_eq!(
            (t.kind, t.name.as_str(), t.key.as_str()),
            ("Secret", "ca", "root.pem")
        );
        assert_eq!(t.certificate_secret, None);
        site.tenant.trust = TrustSource::Provided;
        site.tenant.ca = None;
        site.tenant.certificate_secret = Some("minio-tls".into());
        let t = trust(&site).unwrap_or_else(|| panic!("provided"));
        assert_eq!(
            (t.kind, t.name.as_str(), t.key.as_str()),
            ("Secret", "minio-tls", "ca.crt")
        );
        assert_eq!(t.certificate_secret.as_deref(), Some("minio-tls"));
        site.tenant.tls = false;
        assert_eq!(trust(&site), None);
    }
}
