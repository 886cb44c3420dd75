use std::fs;
use std::path::{Path, PathBuf};

use scs_crypto::keys::KeyAlgorithm;
use scs_crypto::pem_io::{self, KeyFile};
use scs_crypto::{KeyKind, Passphrase, PrivateKey, PublicKey};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::fsutil::{ensure_private_dir, sync_dir, write_atomic, write_new};
use crate::{Error, Result, validate_name};

const META: &str = "key.toml";
const PRIVATE: &str = "private.pem";
const PUBLIC: &str = "public.pem";
const CERT: &str = "cert.pem";

/// A keystore rooted at a home directory.
#[derive(Debug, Clone)]
pub struct Keystore {
    home: PathBuf,
    keys: PathBuf,
}

/// What the keystore knows about one key.
#[derive(Debug, Clone)]
pub struct KeyInfo {
    pub name: String,
    pub public: PublicKey,
    /// RFC 3339 creation (or import) time.
    pub created: String,
    /// How the key arrived: "generated" or "imported".
    pub origin: String,
    pub has_private: bool,
    pub has_certificate: bool,
}

impl KeyInfo {
    #[must_use]
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.public.algorithm()
    }

    #[must_use]
    pub fn fingerprint_hex(&self) -> String {
        self.public.fingerprint_hex()
    }
}

/// What an import stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Imported {
    PrivateKey,
    PublicKey,
    Certificate,
}

#[derive(Serialize, Deserialize)]
struct Meta {
    version: u32,
    created: String,
    origin: String,
}

impl Keystore {
    /// Opens (creating if needed) the keystore at `home`.
    pub fn open(home: &Path) -> Result<Self> {
        let keys = home.join("keys");
        ensure_private_dir(home)?;
        ensure_private_dir(&keys)?;
        Ok(Self {
            home: home.to_path_buf(),
            keys,
        })
    }

    #[must_use]
    pub fn home(&self) -> &Path {
        &self.home
    }

    fn dir(&self, name: &str) -> Result<PathBuf> {
        validate_name(name)?;
        Ok(self.keys.join(name))
    }

    fn existing(&self, name: &str) -> Result<PathBuf> {
        let d = self.dir(name)?;
        if d.join(PUBLIC).is_file() {
            Ok(d)
        } else {
            Err(Error::NotFound(name.to_owned()))
        }
    }

    /// Whether a key of that name exists.
    pub fn contains(&self, name: &str) -> bool {
        self.existing(name).is_ok()
    }

    /// Generates a key pair and stores it under `name`, the private key
    /// encrypted with `passphrase`.
    pub fn generate(&self, name: &str, kind: KeyKind, passphrase: &Passphrase) -> Result<KeyInfo> {
        self.refuse_existing(name)?;
        let key = PrivateKey::generate(kind)?;
        self.store(
            name,
            Some((&key, passphrase)),
            key.public_key(),
            None,
            "generated",
        )
    }

    /// Stores a private key (and optionally its certificate).
    pub fn import_private(
        &self,
        name: &str,
        key: &PrivateKey,
        passphrase: &Passphrase,
        cert_der: Option<&[u8]>,
    ) -> Result<KeyInfo> {
        self.refuse_existing(name)?;
        if let Some(c) = cert_der {
            check_cert_matches(c, key.public_key())?;
        }
        self.store(
            name,
            Some((key, passphrase)),
            key.public_key(),
            cert_der,
            "imported",
        )
    }

    /// Stores a public key only.
    pub fn import_public(&self, name: &str, key: &PublicKey) -> Result<KeyInfo> {
        self.refuse_existing(name)?;
        self.store(name, None, key, None, "imported")
    }

    /// Stores a certificate and its public key.
    pub fn import_certificate(&self, name: &str, cert_der: &[u8]) -> Result<KeyInfo> {
        self.refuse_existing(name)?;
        let pk = public_key_of_certificate(cert_der)?;
        self.store(name, None, &pk, Some(cert_der), "imported")
    }

    fn refuse_existing(&self, name: &str) -> Result<()> {
        if self.dir(name)?.exists() {
            return Err(Error::Exists(name.to_owned()));
        }
        Ok(())
    }

    /// Writes every file of a new entry into a staging directory, then
    /// renames it into place, so that a key is either whole or absent.
    fn store(
        &self,
        name: &str,
        private: Option<(&PrivateKey, &Passphrase)>,
        public: &PublicKey,
        cert_der: Option<&[u8]>,
        origin: &str,
    ) -> Result<KeyInfo> {
        let target = self.dir(name)?;
        let staging = tempfile::Builder::new()
            .prefix(".new-")
            .tempdir_in(&self.keys)
            .map_err(|e| Error::io(&self.keys, e))?;
        let sd = staging.path();
        fs::set_permissions(sd, std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .map_err(|e| Error::io(sd, e))?;
        if let Some((key, pass)) = private {
            let pem = pem_io::encrypt_private_key_pem(key, pass, pem_io::PBKDF2_ITERATIONS)?;
            write_new(&sd.join(PRIVATE), pem.as_bytes(), 0o600)?;
        }
        write_new(
            &sd.join(PUBLIC),
            pem_io::public_key_pem(public).as_bytes(),
            0o644,
        )?;
        if let Some(c) = cert_der {
            write_new(&sd.join(CERT), pem_io::certificate_pem(c).as_bytes(), 0o644)?;
        }
        let created = OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .unwrap_or_else(|_| OffsetDateTime::now_utc())
            .format(&Rfc3339)
            .unwrap_or_default();
        let meta = Meta {
            version: 1,
            created,
            origin: origin.to_owned(),
        };
        let meta_text = toml::to_string(&meta).map_err(|e| Error::Corrupt {
            path: sd.join(META),
            detail: e.to_string(),
        })?;
        write_new(&sd.join(META), meta_text.as_bytes(), 0o644)?;
        sync_dir(sd)?;
        // rename(2) of a directory fails if the target exists and is not
        // empty, so a concurrent creator of the same name cannot be clobbered.
        let kept = staging.keep();
        if let Err(e) = fs::rename(&kept, &target) {
            let _ = fs::remove_dir_all(&kept);
            return Err(if target.exists() {
                Error::Exists(name.to_owned())
            } else {
                Error::io(&target, e)
            });
        }
        sync_dir(&self.keys)?;
        self.info(name)
    }

    /// Information about one key.
    pub fn info(&self, name: &str) -> Result<KeyInfo> {
        let d = self.existing(name)?;
        let public = read_public(&d.join(PUBLIC))?;
        let meta_path = d.join(META);
        let meta: Meta = match fs::read_to_string(&meta_path) {
            Ok(t) => toml::from_str(&t).map_err(|e| Error::Corrupt {
                path: meta_path.clone(),
                detail: e.message().to_owned(),
            })?,
            Err(e) => return Err(Error::io(&meta_path, e)),
        };
        Ok(KeyInfo {
            name: name.to_owned(),
            public,
            created: meta.created,
            origin: meta.origin,
            has_private: d.join(PRIVATE).is_file(),
            has_certificate: d.join(CERT).is_file(),
        })
    }

    /// Every key, sorted by name. Entries that fail to load are skipped
    /// and returned separately so that one bad entry does not hide the rest.
    pub fn list(&self) -> Result<(Vec<KeyInfo>, Vec<Error>)> {
        let mut names = Vec::new();
        for entry in fs::read_dir(&self.keys).map_err(|e| Error::io(&self.keys, e))? {
            let entry = entry.map_err(|e| Error::io(&self.keys, e))?;
            if let Some(n) = entry.file_name().to_str()
                && validate_name(n).is_ok()
                && entry.path().is_dir()
            {
                names.push(n.to_owned());
            }
        }
        names.sort();
        let mut out = Vec::new();
        let mut errs = Vec::new();
        for n in names {
            match self.info(&n) {
                Ok(i) => out.push(i),
                Err(e) => errs.push(e),
            }
        }
        Ok((out, errs))
    }

    pub fn public_key(&self, name: &str) -> Result<PublicKey> {
        read_public(&self.existing(name)?.join(PUBLIC))
    }

    /// The key's certificate, DER, if one is stored.
    pub fn certificate(&self, name: &str) -> Result<Option<Vec<u8>>> {
        let p = self.existing(name)?.join(CERT);
        match fs::read(&p) {
            Ok(b) => {
                let mut certs = pem_io::parse_certificates(&b).map_err(|e| Error::Corrupt {
                    path: p.clone(),
                    detail: e.to_string(),
                })?;
                Ok(Some(certs.swap_remove(0)))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(&p, e)),
        }
    }

    /// Stores (or replaces) the certificate of an existing key; its public
    /// key must be the key's.
    pub fn set_certificate(&self, name: &str, cert_der: &[u8]) -> Result<()> {
        let d = self.existing(name)?;
        check_cert_matches(cert_der, &read_public(&d.join(PUBLIC))?)?;
        Ok(write_atomic(
            &d.join(CERT),
            pem_io::certificate_pem(cert_der).as_bytes(),
            0o644,
        )?)
    }

    /// The stored encrypted PKCS#8 PEM, as written on disk.
    pub fn encrypted_private_pem(&self, name: &str) -> Result<String> {
        let p = self.existing(name)?.join(PRIVATE);
        match fs::read_to_string(&p) {
            Ok(s) => Ok(s),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(Error::NoPrivateKey(name.to_owned()))
            }
            Err(e) => Err(Error::io(&p, e)),
        }
    }

    /// Decrypts the private key of `name`.
    pub fn unlock(&self, name: &str, passphrase: &Passphrase) -> Result<PrivateKey> {
        let pem = self.encrypted_private_pem(name)?;
        let path = self.dir(name)?.join(PRIVATE);
        match pem_io::parse_key_file(pem.as_bytes()) {
            Ok(KeyFile::Encrypted(enc)) => {
                let key = enc.decrypt(passphrase)?;
                let expected = self.public_key(name)?;
                if key.public_key() != &expected {
                    return Err(Error::Corrupt {
                        path,
                        detail: "private key does not match public.pem".into(),
                    });
                }
                Ok(key)
            }
            Ok(_) => Err(Error::Corrupt {
                path,
                detail: "private key is not encrypted".into(),
            }),
            Err(e) => Err(Error::Corrupt {
                path,
                detail: e.to_string(),
            }),
        }
    }

    /// Re-encrypts the private key of `name` under a new passphrase.
    pub fn change_passphrase(&self, name: &str, old: &Passphrase, new: &Passphrase) -> Result<()> {
        let key = self.unlock(name, old)?;
        let pem = pem_io::encrypt_private_key_pem(&key, new, pem_io::PBKDF2_ITERATIONS)?;
        Ok(write_atomic(
            &self.existing(name)?.join(PRIVATE),
            pem.as_bytes(),
            0o600,
        )?)
    }

    /// Removes a key. The entry disappears atomically (renamed, then erased).
    pub fn delete(&self, name: &str) -> Result<()> {
        let d = self.existing(name)?;
        let grave = tempfile::Builder::new()
            .prefix(".del-")
            .tempdir_in(&self.keys)
            .map_err(|e| Error::io(&self.keys, e))?;
        let grave_path = grave.path().join("k");
        fs::rename(&d, &grave_path).map_err(|e| Error::io(&d, e))?;
        sync_dir(&self.keys)?;
        drop(grave);
        Ok(())
    }

    /// The key whose public key has this SHA-256 fingerprint.
    pub fn find_by_fingerprint(&self, fingerprint: &[u8; 32]) -> Result<Option<KeyInfo>> {
        Ok(self
            .list()?
            .0
            .into_iter()
            .find(|k| &k.public.fingerprint() == fingerprint))
    }
}

fn read_public(path: &Path) -> Result<PublicKey> {
    let bytes = fs::read(path).map_err(|e| Error::io(path, e))?;
    match pem_io::parse_key_file(&bytes) {
        Ok(KeyFile::Public(pk)) => Ok(pk),
        Ok(_) => Err(Error::Corrupt {
            path: path.to_path_buf(),
            detail: "not a public key".into(),
        }),
        Err(e) => Err(Error::Corrupt {
            path: path.to_path_buf(),
            detail: e.to_string(),
        }),
    }
}

/// The public key inside an X.509 certificate (DER).
pub fn public_key_of_certificate(cert_der: &[u8]) -> Result<PublicKey> {
    let (rest, cert) = x509_parser::parse_x509_certificate(cert_der)
        .map_err(|e| Error::Certificate(format!("cannot parse: {e}")))?;
    if !rest.is_empty() {
        return Err(Error::Certificate(
            "trailing data after the certificate".into(),
        ));
    }
    Ok(PublicKey::from_spki_der(cert.public_key().raw)?)
}

fn check_cert_matches(cert_der: &[u8], key: &PublicKey) -> Result<()> {
    if &public_key_of_certificate(cert_der)? != key {
        return Err(Error::Certificate(
            "the certificate is for a different key".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Keystore) {
        let d = tempfile::tempdir().unwrap();
        let ks = Keystore::open(&d.path().join("home")).unwrap();
        (d, ks)
    }

    #[test]
    fn generate_list_unlock_delete() {
        let (_d, ks) = store();
        let pass = Passphrase::from("pw");
        let info = ks.generate("alice", KeyKind::Ed25519, &pass).unwrap();
        assert!(info.has_private);
        assert!(matches!(
            ks.generate("alice", KeyKind::Ed25519, &pass),
            Err(Error::Exists(_))
        ));
        let (all, errs) = ks.list().unwrap();
        assert!(errs.is_empty());
        assert_eq!(all.len(), 1);
        let key = ks.unlock("alice", &pass).unwrap();
        assert_eq!(key.public_key(), &info.public);
        let wrong = ks.unlock("alice", &Passphrase::from("nope")).unwrap_err();
        assert!(wrong.is_verification_failure(), "{wrong}");
        ks.change_passphrase("alice", &pass, &Passphrase::from("new"))
            .unwrap();
        assert!(ks.unlock("alice", &pass).is_err());
        ks.unlock("alice", &Passphrase::from("new")).unwrap();
        assert_eq!(
            ks.find_by_fingerprint(&info.public.fingerprint())
                .unwrap()
                .unwrap()
                .name,
            "alice"
        );
        ks.delete("alice").unwrap();
        assert!(matches!(ks.info("alice"), Err(Error::NotFound(_))));
        assert!(ks.list().unwrap().0.is_empty());
    }

    #[test]
    fn permissions_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let (_d, ks) = store();
        ks.generate("k", KeyKind::X25519, &Passphrase::from("pw"))
            .unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(ks.home()), 0o700);
        assert_eq!(mode(&ks.home().join("keys/k")), 0o700);
        assert_eq!(mode(&ks.home().join("keys/k/private.pem")), 0o600);
    }

    #[test]
    fn hostile_names_never_touch_the_filesystem() {
        let (_d, ks) = store();
        for n in ["../evil", "/etc/passwd", "a/b", ".."] {
            assert!(matches!(
                ks.generate(n, KeyKind::Ed25519, &Passphrase::from("p")),
                Err(Error::InvalidName { .. })
            ));
        }
    }
}
