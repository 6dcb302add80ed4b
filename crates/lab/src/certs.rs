//! The lab's throw-away certificate authority and server certificate.

use std::fs;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, SanType,
};

use crate::LabError;

/// Where the PEM files of one lab were written.
#[derive(Debug, Clone)]
pub(crate) struct CertFiles {
    /// The CA certificate, which clients trust.
    pub(crate) ca: PathBuf,
    /// The server certificate, signed by the CA.
    pub(crate) cert: PathBuf,
    /// The server certificate's private key (mode 0600).
    pub(crate) key: PathBuf,
}

/// Makes a fresh CA and a server certificate signed by it, and writes
/// `ca.pem`, `server.crt` and `server.key` into `dir`.
///
/// The server certificate names `domain`, `conference.<domain>`,
/// `upload.<domain>` and the IP address 127.0.0.1. It is a separate leaf
/// certificate because rustls (webpki) refuses a CA certificate used as an
/// end-entity certificate.
pub(crate) fn generate(dir: &Path, domain: &str) -> Result<CertFiles, LabError> {
    let ca_key = KeyPair::generate()?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, format!("Tandem Lab CA for {domain}"));
    ca_params
        .distinguished_name
        .push(DnType::OrganizationName, "Tandem Lab");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params.self_signed(&ca_key)?;

    let server_key = KeyPair::generate()?;
    let mut params = CertificateParams::new(vec![
        domain.to_owned(),
        format!("conference.{domain}"),
        format!("upload.{domain}"),
    ])?;
    params
        .subject_alt_names
        .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    params.distinguished_name.push(DnType::CommonName, domain);
    params
        .distinguished_name
        .push(DnType::OrganizationName, "Tandem Lab");
    params.is_ca = IsCa::NoCa;
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let server_cert = params.signed_by(&server_key, &ca_cert, &ca_key)?;

    let files = CertFiles {
        ca: dir.join("ca.pem"),
        cert: dir.join("server.crt"),
        key: dir.join("server.key"),
    };
    write_file(&files.ca, ca_cert.pem().as_bytes(), 0o644)?;
    write_file(&files.cert, server_cert.pem().as_bytes(), 0o644)?;
    write_file(&files.key, server_key.serialize_pem().as_bytes(), 0o600)?;
    tracing::debug!(dir = %dir.display(), domain, "wrote lab CA and server certificate");
    Ok(files)
}

/// Writes `contents` to a new file at `path` with the given Unix `mode`.
pub(crate) fn write_file(path: &Path, contents: &[u8], mode: u32) -> Result<(), LabError> {
    use std::os::unix::fs::OpenOptionsExt;
    let wrap = |source| LabError::Write {
        path: path.to_owned(),
        source,
    };
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(path)
        .map_err(wrap)?;
    file.write_all(contents).map_err(wrap)?;
    file.sync_all().map_err(wrap)
}
