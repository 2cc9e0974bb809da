//! Credentials: the references the plan holds (`CredentialRef`, which Secret and key, and what
//! kind of value) and where each mode's values come from.
//!
//! The plan holds only `CredentialRef`s; the render stage asks `Values::value` for each one at
//! the last moment. Only `derived` produces real credentials, from a master key with HMAC-SHA256,
//! so that a render is reproducible without randomness; `vault-placeholders` produces
//! argocd-vault-plugin placeholders and `external-secrets` the External Secrets template
//! expressions the plan already carries. Nothing here prints, logs or formats a credential into
//! an error: a message may name a Secret and key, never a value or the master key.

use std::fmt;
use std::sync::Arc;

use data_encoding::{BASE32_NOPAD, BASE64URL_NOPAD};
use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::{Sha256, Sha512};
use thiserror::Error;

use crate::model::spec::{RemoteKey, SecretsMode};
use serde::{Deserialize, Serialize};

/// The environment variable naming the file that holds the master key of `derived` mode.
pub const MASTER_KEY_FILE_ENV: &str = "MINIOGEN_MASTER_KEY_FILE";
/// The environment variable holding the master key itself, when no file is named.
pub const MASTER_KEY_ENV: &str = "MINIOGEN_MASTER_KEY";
/// The shortest master key accepted, in bytes: credentials cannot hold more entropy than the
/// key, and 32 random base64 characters carry 192 bits.
pub const MASTER_KEY_MIN_BYTES: usize = 32;
/// Characters in a derived credential: 32 base32 characters carry 160 bits, and MinIO accepts
/// secret keys of 8 to 40 characters.
pub const DERIVED_LENGTH: usize = 32;
/// Expiry of a derived metrics token: 2100-01-01T00:00:00Z. Fixed, so that a render is
/// reproducible; `mc admin prometheus generate` sets one a hundred years out, too.
pub const METRICS_TOKEN_EXPIRY: u64 = 4_102_444_800;

/// Separates the fields a credential is derived from, so that no two inputs give the same
/// message. A version, so that a change of scheme can never silently give old values.
const DERIVATION_CONTEXT: &str = "miniogen credential v1";

/// A key of a Secret whose value is a credential, filled in by the render stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialRef {
    /// Secret name.
    pub secret: String,
    /// Key within the Secret (for the root password: its variable in `config.env`).
    pub key: String,
    /// Where the secret store keeps it.
    pub remote: RemoteKey,
    /// The name External Secrets fetches it under, for its template.
    pub variable: String,
    /// The External Secrets template expression that stands for it, such as
    /// `{{ .root_password }}`. Data for our templates, never template source.
    pub template: String,
    /// What the credential is.
    pub kind: CredentialKind,
}

/// What a credential is, which decides how `derived` makes one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum CredentialKind {
    /// A password or secret key.
    Password,
    /// A metrics bearer token signed by the secret key of `subject`, which is the credential
    /// `signer_key` of Secret `signer_secret`.
    MetricsToken {
        /// The access key the token is issued for.
        subject: String,
        /// Secret of the signing credential.
        signer_secret: String,
        /// Its key.
        signer_key: String,
    },
}

/// The master key of `derived` mode. Its `Debug` never shows the key.
#[derive(Clone, PartialEq, Eq)]
pub struct MasterKey(Vec<u8>);

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MasterKey({} bytes)", self.0.len())
    }
}

/// Why a master key is refused. Messages give lengths, never content.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum KeyError {
    /// Shorter than `MASTER_KEY_MIN_BYTES` after trimming.
    #[error("the master key has {0} bytes; `derived` needs at least {MASTER_KEY_MIN_BYTES}")]
    TooShort(usize),
}

impl MasterKey {
    /// A key from the bytes of a file or variable; surrounding white space (a file's trailing
    /// newline) is not part of it.
    pub fn new(bytes: &[u8]) -> Result<Self, KeyError> {
        let bytes = bytes.trim_ascii();
        if bytes.len() < MASTER_KEY_MIN_BYTES {
            return Err(KeyError::TooShort(bytes.len()));
        }
        Ok(Self(bytes.to_vec()))
    }
}

impl Drop for MasterKey {
    fn drop(&mut self) {
        // Best effort: the bytes do not linger in freed memory for a later allocation to see.
        self.0.fill(0);
    }
}

/// HMAC-SHA256.
#[must_use]
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC takes a key of any length (RFC 2104 hashes a long one), so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// HMAC-SHA512, which signs MinIO's metrics tokens (`HS512`).
#[must_use]
pub fn hmac_sha512(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha512>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// The credential for `key` of Secret `secret` of tenant `tenant` in `namespace`, at rotation
/// `rotation`: HMAC-SHA256 of those fields under the master key, the first 160 bits in base32.
#[must_use]
pub fn derive(
    master: &MasterKey,
    namespace: &str,
    tenant: &str,
    secret: &str,
    key: &str,
    rotation: u32,
) -> String {
    let mut message = Vec::new();
    let rotation = rotation.to_string();
    for field in [
        DERIVATION_CONTEXT,
        namespace,
        tenant,
        secret,
        key,
        rotation.as_str(),
    ] {
        // Length prefixes: ("ab", "c") and ("a", "bc") must not meet.
        let len = u32::try_from(field.len()).unwrap_or(u32::MAX);
        message.extend_from_slice(&len.to_be_bytes());
        message.extend_from_slice(field.as_bytes());
    }
    let mac = hmac_sha256(&master.0, &message);
    base32(&mac[..DERIVED_LENGTH * 5 / 8])
}

/// Lower-case RFC 4648 base32 without padding: letters and digits only, safe in `config.env`,
/// rclone's variables and URLs, and never starting with `-`, which the IAM MinIOJob's `mc` would
/// read as a flag (`plan::access`: the secret key reaches `mc admin user add` as an argument).
fn base32(bytes: &[u8]) -> String {
    let mut text = BASE32_NOPAD.encode(bytes);
    text.make_ascii_lowercase();
    text
}

/// RFC 4648 base64url without padding, as JWTs use it (RFC 7515).
fn base64url(bytes: &[u8]) -> String {
    BASE64URL_NOPAD.encode(bytes)
}

/// A bearer token for MinIO's metrics endpoint, as `mc admin prometheus generate` makes one: a
/// JWT signed with HS512 by the secret key of `subject`, issued by `prometheus`.
#[must_use]
pub fn metrics_token(subject: &str, secret_key: &str) -> String {
    let header = base64url(br#"{"alg":"HS512","typ":"JWT"}"#);
    let claims = serde_json::json!({
        "exp": METRICS_TOKEN_EXPIRY,
        "iss": "prometheus",
        "sub": subject,
    });
    let claims = base64url(claims.to_string().as_bytes());
    let signing_input = format!("{header}.{claims}");
    let signature = base64url(&hmac_sha512(
        secret_key.as_bytes(),
        signing_input.as_bytes(),
    ));
    format!("{signing_input}.{signature}")
}

/// An argocd-vault-plugin inline-path placeholder for `remote` under `prefix`, such as
/// `<path:secret/data/minio/matrix-minio/minio-config#MINIO_ROOT_PASSWORD>`.
#[must_use]
pub fn vault_placeholder(prefix: &str, remote: &RemoteKey) -> String {
    format!(
        "<path:{}/{}#{}>",
        prefix.trim_end_matches('/'),
        remote.key,
        remote.property
    )
}

/// `text` as literal text of an External Secrets template (Go `text/template`): every `{{`
/// becomes an action that prints `{{`, so no value of ours can run as template code.
#[must_use]
pub fn go_template_literal(text: &str) -> String {
    text.replace("{{", r#"{{ "{{" }}"#)
}

/// A credential could not be produced; the message names the reference, never a value.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum CredentialError {
    /// `derived` mode without a master key; `lib` loads one before rendering, so this is a bug.
    #[error("no master key to derive `{secret}` key `{key}` from")]
    NoKey {
        /// Secret name.
        secret: String,
        /// Key within it.
        key: String,
    },
    /// The mode emits no credential values.
    #[error("secrets mode `{mode}` has no value for `{secret}` key `{key}`")]
    NoValues {
        /// The mode.
        mode: &'static str,
        /// Secret name.
        secret: String,
        /// Key within it.
        key: String,
    },
}

/// What the render stage fills credential references with, for one tenant.
#[derive(Debug, Clone)]
pub struct Values {
    /// The mode.
    pub mode: SecretsMode,
    /// The master key, for `derived`.
    pub key: Option<Arc<MasterKey>>,
    /// Namespace of the tenant.
    pub namespace: String,
    /// Tenant name.
    pub tenant: String,
    /// The rotation counter.
    pub rotation: u32,
    /// The Vault path prefix, for `vault-placeholders`.
    pub vault_path_prefix: String,
}

impl Values {
    /// The value to write for `reference`.
    pub fn value(&self, reference: &CredentialRef) -> Result<String, CredentialError> {
        match self.mode {
            SecretsMode::ExternalSecrets => Ok(reference.template.clone()),
            SecretsMode::VaultPlaceholders => Ok(vault_placeholder(
                &self.vault_path_prefix,
                &reference.remote,
            )),
            SecretsMode::Derived => {
                let key = self.key.as_deref().ok_or_else(|| CredentialError::NoKey {
                    secret: reference.secret.clone(),
                    key: reference.key.clone(),
                })?;
                let derive = |secret: &str, name: &str| {
                    derive(
                        key,
                        &self.namespace,
                        &self.tenant,
                        secret,
                        name,
                        self.rotation,
                    )
                };
                Ok(match &reference.kind {
                    CredentialKind::Password => derive(&reference.secret, &reference.key),
                    CredentialKind::MetricsToken {
                        subject,
                        signer_secret,
                        signer_key,
                    } => metrics_token(subject, &derive(signer_secret, signer_key)),
                })
            }
            SecretsMode::Existing => Err(CredentialError::NoValues {
                mode: self.mode.name(),
                secret: reference.secret.clone(),
                key: reference.key.clone(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().fold(String::new(), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
    }

    fn key(text: &str) -> MasterKey {
        MasterKey::new(text.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
    }

    /// RFC 4231 test cases 1, 2 and 6 (a key longer than the block).
    #[test]
    fn hmac_matches_rfc_4231() {
        assert_eq!(
            hex(&hmac_sha256(&[0x0b; 20], b"Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hex(&hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
        assert_eq!(
            hex(&hmac_sha512(b"Jefe", b"what do ya want for nothing?")),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
        );
    }

    #[test]
    fn encodings_match_rfc_4648() {
        assert_eq!(base32(b"foobar"), "mzxw6ytboi");
        assert_eq!(base64url(b"foob"), "Zm9vYg");
        assert_eq!(base64url(b"\xfb\xff"), "-_8");
    }

    #[test]
    fn derived_credentials_are_stable_distinct_and_minio_safe() {
        let a = key("0123456789abcdef0123456789abcdef");
        let b = key("0123456789abcdef0123456789abcdeF");
        let one = derive(&a, "matrix", "t", "minio-user", "CONSOLE_SECRET_KEY", 0);
        assert_eq!(
            one,
            derive(&a, "matrix", "t", "minio-user", "CONSOLE_SECRET_KEY", 0)
        );
        let others = [
            derive(&b, "matrix", "t", "minio-user", "CONSOLE_SECRET_KEY", 0),
            derive(&a, "matrix", "t", "minio-user", "CONSOLE_SECRET_KEY", 1),
            derive(&a, "matrix2", "t", "minio-user", "CONSOLE_SECRET_KEY", 0),
            derive(&a, "matrix", "t2", "minio-user", "CONSOLE_SECRET_KEY", 0),
            derive(&a, "matrix", "t", "minio-config", "CONSOLE_SECRET_KEY", 0),
            derive(&a, "matrix", "t", "minio-user", "MINIO_ROOT_PASSWORD", 0),
            // Field boundaries matter: the same bytes split differently.
            derive(&a, "matrixt", "", "minio-user", "CONSOLE_SECRET_KEY", 0),
        ];
        for other in &others {
            assert_ne!(&one, other);
        }
        for value in others.iter().chain([&one]) {
            assert_eq!(value.len(), DERIVED_LENGTH);
            assert!((8..=40).contains(&value.len()));
            assert!(
                value
                    .bytes()
                    .all(|c| c.is_ascii_lowercase() || (b'2'..=b'7').contains(&c))
            );
        }
        // 160 bits of HMAC output, at least the 128 the issue asks for.
        const { assert!(DERIVED_LENGTH * 5 >= 128) };
    }

    #[test]
    fn short_keys_are_refused_without_showing_them() {
        let err = MasterKey::new(b"  hunter2\n").err();
        assert_eq!(err, Some(KeyError::TooShort(7)));
        assert!(
            !err.map(|e| e.to_string())
                .unwrap_or_default()
                .contains("hunter2")
        );
        assert!(!format!("{:?}", key(&"k".repeat(40))).contains("kkk"));
    }

    /// A token MinIO accepts: the signature verifies with the subject's secret key over the
    /// first two parts, and the claims are the ones `mc admin prometheus generate` sets.
    #[test]
    fn metrics_tokens_are_hs512_jwts() {
        let token = metrics_token("minio-admin", "secret-key-1234");
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0], base64url(br#"{"alg":"HS512","typ":"JWT"}"#));
        let signing_input = format!("{}.{}", parts[0], parts[1]);
        assert_eq!(
            parts[2],
            base64url(&hmac_sha512(b"secret-key-1234", signing_input.as_bytes()))
        );
        assert_eq!(
            parts[1],
            base64url(br#"{"exp":4102444800,"iss":"prometheus","sub":"minio-admin"}"#)
        );
        assert_ne!(token, metrics_token("minio-admin", "secret-key-1235"));
    }

    #[test]
    fn placeholders_and_template_literals() {
        let remote = RemoteKey {
            key: "minio/matrix-minio/minio-config".into(),
            property: "MINIO_ROOT_PASSWORD".into(),
        };
        assert_eq!(
            vault_placeholder("secret/data/", &remote),
            "<path:secret/data/minio/matrix-minio/minio-config#MINIO_ROOT_PASSWORD>"
        );
        assert_eq!(go_template_literal("a{{b}}"), r#"a{{ "{{" }}b}}"#);
        assert_eq!(go_template_literal("plain"), "plain");
    }
}
