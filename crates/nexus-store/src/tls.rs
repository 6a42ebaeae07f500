//! TLS to the database, with rustls, as libpq's users know it: `sslmode` = `disable`,
//! `prefer` (the default: encrypted when the server offers it), `require` (encrypted, any
//! certificate), `verify-ca` (a certificate from a trusted authority) or `verify-full` (and
//! issued for the host), and `sslrootcert` for the authorities to trust (the system's
//! otherwise). tokio-postgres knows only the first three modes, so the URL is read here first.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres::config::SslMode;

use crate::error::{StoreError, StoreResult};

/// How much of the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// No TLS.
    Disable,
    /// TLS when the server offers it, certificate unchecked.
    Prefer,
    /// TLS always, certificate unchecked (checked as `VerifyCa` when a root is named).
    Require,
    /// TLS, certificate from a trusted authority.
    VerifyCa,
    /// TLS, certificate from a trusted authority and issued for the host.
    VerifyFull,
}

/// The TLS side of a database URL.
#[derive(Clone)]
pub struct Tls {
    /// The mode asked for.
    pub mode: Mode,
    /// The authorities' certificates (PEM), when not the system's.
    pub root: Option<PathBuf>,
    /// The connector (`None` when TLS is off).
    pub(crate) connector: Option<tokio_postgres_rustls::MakeRustlsConnect>,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls").field("mode", &self.mode).field("root", &self.root).finish_non_exhaustive()
    }
}

impl Tls {
    /// libpq's name of the mode (for `PGSSLMODE`).
    pub fn libpq_mode(&self) -> &'static str {
        match self.mode {
            Mode::Disable => "disable",
            Mode::Prefer => "prefer",
            Mode::Require => "require",
            Mode::VerifyCa => "verify-ca",
            Mode::VerifyFull => "verify-full",
        }
    }
}

fn bad(reason: impl std::fmt::Display) -> StoreError {
    StoreError::BadUrl(reason.to_string())
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                i += 3;
            }
            (b'+', ..) => {
                out.push(b' ');
                i += 1;
            }
            (b, ..) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Splits the TLS options off a URL (`postgres://…?sslmode=verify-full&sslrootcert=ca.pem`)
/// or a `key=value` connection string; returns what tokio-postgres should parse.
fn split_options(url: &str) -> StoreResult<(String, Option<String>, Option<String>)> {
    let (mut mode, mut root) = (None, None);
    let mut take = |key: &str, value: String| -> StoreResult<bool> {
        match key {
            "sslmode" => mode = Some(value),
            "sslrootcert" => root = Some(value),
            "sslcert" | "sslkey" => return Err(bad("client certificates (sslcert, sslkey) are not supported")),
            _ => return Ok(false),
        }
        Ok(true)
    };
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let Some((base, query)) = url.split_once('?') else { return Ok((url.to_owned(), None, None)) };
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            if !take(&percent_decode(k), percent_decode(v))? {
                kept.push(pair);
            }
        }
        let rest = if kept.is_empty() { String::new() } else { format!("?{}", kept.join("&")) };
        return Ok((format!("{base}{rest}"), mode, root));
    }
    let mut kept = Vec::new();
    for token in url.split_whitespace() {
        match token.split_once('=') {
            Some((k, v)) if take(k, v.trim_matches('\'').to_owned())? => {}
            _ => kept.push(token),
        }
    }
    Ok((kept.join(" "), mode, root))
}

/// Parses a database URL with its TLS options.
///
/// # Errors
/// [`StoreError::BadUrl`] for a URL tokio-postgres cannot read, an unknown `sslmode`, or a
/// root certificate file that cannot be read.
pub fn parse(url: &str) -> StoreResult<(tokio_postgres::Config, Tls)> {
    let (rest, mode, root) = split_options(url)?;
    let mut config: tokio_postgres::Config = rest.parse().map_err(|e: tokio_postgres::Error| bad(e))?;
    let mode = match mode.as_deref() {
        None | Some("prefer") => Mode::Prefer,
        Some("disable") => Mode::Disable,
        Some("allow") => Mode::Prefer,
        Some("require") => Mode::Require,
        Some("verify-ca") => Mode::VerifyCa,
        Some("verify-full") => Mode::VerifyFull,
        Some(other) => {
            return Err(bad(format!(
                "sslmode '{other}' is not one of disable, prefer, require, verify-ca, verify-full"
            )))
        }
    };
    config.ssl_mode(match mode {
        Mode::Disable => SslMode::Disable,
        Mode::Prefer => SslMode::Prefer,
        _ => SslMode::Require,
    });
    let root = root.map(PathBuf::from);
    let connector = match mode {
        Mode::Disable => None,
        _ => Some(tokio_postgres_rustls::MakeRustlsConnect::new(client_config(mode, root.as_deref())?)),
    };
    Ok((config, Tls { mode, root, connector }))
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn roots(file: Option<&Path>) -> StoreResult<RootCertStore> {
    let mut store = RootCertStore::empty();
    match file {
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| bad(format!("sslrootcert {}: {e}", path.display())))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| bad(format!("sslrootcert {}: {e}", path.display())))?;
            if certs.is_empty() {
                return Err(bad(format!("sslrootcert {} holds no certificate", path.display())));
            }
            for c in certs {
                store.add(c).map_err(|e| bad(format!("sslrootcert {}: {e}", path.display())))?;
            }
        }
        None => {
            for c in rustls_native_certs::load_native_certs().certs {
                // A broken certificate among the system's is skipped, as libpq would.
                let _ = store.add(c);
            }
        }
    }
    Ok(store)
}

fn client_config(mode: Mode, root: Option<&Path>) -> StoreResult<rustls::ClientConfig> {
    let builder =
        rustls::ClientConfig::builder_with_provider(provider()).with_safe_default_protocol_versions().map_err(bad)?;
    let mode = if mode == Mode::Require && root.is_some() { Mode::VerifyCa } else { mode };
    let verifier: Arc<dyn ServerCertVerifier> = match mode {
        Mode::Disable | Mode::Prefer | Mode::Require => Arc::new(Unchecked(provider())),
        Mode::VerifyCa | Mode::VerifyFull => {
            let webpki =
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots(root)?), provider()).build().map_err(bad)?;
            Arc::new(Checked { webpki, names: mode == Mode::VerifyFull })
        }
    };
    Ok(builder.dangerous().with_custom_certificate_verifier(verifier).with_no_client_auth())
}

/// `prefer` and `require`: encrypted, whoever answers (libpq's meaning of the modes).
#[derive(Debug)]
struct Unchecked(Arc<rustls::crypto::CryptoProvider>);

/// `verify-ca` and `verify-full`: the chain to a trusted root, and for `verify-full` the name.
#[derive(Debug)]
struct Checked {
    webpki: Arc<WebPkiServerVerifier>,
    names: bool,
}

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

impl ServerCertVerifier for Checked {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.webpki.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Err(rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName))
            | Err(rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForNameContext { .. }))
                if !self.names =>
            {
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_options_are_taken_out_of_urls_and_connection_strings() {
        let (rest, mode, root) = split_options(
            "postgres://u:p@db.example:5432/atlas?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&application_name=x",
        )
        .unwrap();
        assert_eq!(rest, "postgres://u:p@db.example:5432/atlas?application_name=x");
        assert_eq!((mode.as_deref(), root.as_deref()), (Some("verify-full"), Some("/etc/ca.pem")));
        let (rest, mode, _) = split_options("host=db user=u sslmode=require dbname=atlas").unwrap();
        assert_eq!((rest.as_str(), mode.as_deref()), ("host=db user=u dbname=atlas", Some("require")));
        assert!(split_options("postgres://h/db?sslcert=c.pem").is_err());
        assert!(parse("postgres://h/db?sslmode=sometimes").is_err());
        let (_, tls) = parse("postgres://h/db").unwrap();
        assert_eq!(tls.mode, Mode::Prefer, "TLS is tried unless turned off");
        assert!(parse("postgres://h/db?sslmode=verify-ca&sslrootcert=/nonexistent.pem").is_err());
    }
}
