//! TLS to an external database (issue 14, finding 9), against a PostgreSQL started with a
//! certificate of its own authority: every `sslmode` does what libpq's users expect, and the
//! default encrypts whenever the server can.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use nexus_store::cluster::Cluster;
use nexus_store::{Store, StoreConfig, StoreError};

use crate::util::raw;

struct StopOnDrop(Cluster);
impl Drop for StopOnDrop {
    fn drop(&mut self) {
        let _ = self.0.stop();
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().unwrap();
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A certificate authority and a server certificate for `localhost` (not for 127.0.0.1).
fn certificates(dir: &Path) {
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl(
        dir,
        &[
            &["req", "-x509"][..],
            &ec,
            &["-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=Nexus test CA"],
        ]
        .concat(),
    );
    openssl(
        dir,
        &[&["req"][..], &ec, &["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"]].concat(),
    );
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ],
    );
    // PostgreSQL reads the key as its own user and refuses one others may read.
    std::fs::set_permissions(dir.join("server.key"), std::fs::Permissions::from_mode(0o600)).unwrap();
    if nexus_store::cluster::os::effective_uid() == 0 {
        let user = nexus_store::cluster::os::lookup_user("postgres").expect("the postgres user");
        for f in ["server.key", "server.crt"] {
            std::os::unix::fs::chown(dir.join(f), Some(user.uid), Some(user.gid)).unwrap();
        }
    }
}

async fn encrypted(url: &str) -> Result<bool, StoreError> {
    let store = Store::connect(&StoreConfig::new(url)).await?;
    let tls = store.database_info().await?.tls;
    store.close();
    Ok(tls)
}

#[tokio::test]
async fn every_sslmode_does_what_libpq_users_expect() {
    let home = tempfile::Builder::new().prefix("nexus-tls-test").tempdir().unwrap();
    std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let certs = home.path().join("certs");
    std::fs::create_dir(&certs).unwrap();
    std::fs::set_permissions(&certs, std::fs::Permissions::from_mode(0o755)).unwrap();
    certificates(&certs);
    let cluster = Cluster::new(home.path().join(".nexus")).unwrap();
    let _stop = StopOnDrop(cluster.clone());
    let url = cluster.ensure_database().await.unwrap();

    // Before TLS is on: the default still connects (in clear); require refuses.
    assert!(!encrypted(&url).await.unwrap());
    let err = encrypted(&format!("{url}?sslmode=require")).await.unwrap_err().to_string();
    assert!(err.contains("TLS") || err.contains("SSL"), "{err}");

    let admin = raw(&cluster.admin_url().unwrap()).await;
    for setting in [
        format!("ssl_cert_file = '{}/server.crt'", certs.display()),
        format!("ssl_key_file = '{}/server.key'", certs.display()),
        "ssl = on".to_owned(),
    ] {
        admin.batch_execute(&format!("ALTER SYSTEM SET {setting}")).await.unwrap();
    }
    admin.batch_execute("SELECT pg_reload_conf()").await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;

    let ca = certs.join("ca.crt");
    let by_name = url.replace("@127.0.0.1:", "@localhost:");
    let root = format!("sslrootcert={}", ca.display());
    // The default now encrypts: the password no longer crosses in clear.
    assert!(encrypted(&url).await.unwrap(), "prefer (the default) uses TLS when offered");
    assert!(!encrypted(&format!("{url}?sslmode=disable")).await.unwrap());
    assert!(encrypted(&format!("{url}?sslmode=require")).await.unwrap());
    assert!(encrypted(&format!("{by_name}?sslmode=verify-full&{root}")).await.unwrap());
    assert!(encrypted(&format!("{url}?sslmode=verify-ca&{root}")).await.unwrap(), "verify-ca ignores the name");

    // The checks refuse what they must, saying why.
    let err = encrypted(&format!("{url}?sslmode=verify-full&{root}")).await.unwrap_err().to_string();
    assert!(
        err.contains("not valid for") || err.contains("NotValidForName"),
        "127.0.0.1 is not in the certificate: {err}"
    );
    let err = encrypted(&format!("{by_name}?sslmode=verify-full")).await.unwrap_err().to_string();
    assert!(err.contains("UnknownIssuer") || err.contains("unknown issuer"), "not signed by a system root: {err}");
    let stranger = certs.join("server.crt");
    let err = encrypted(&format!("{by_name}?sslmode=verify-ca&sslrootcert={}", stranger.display())).await.unwrap_err();
    assert!(matches!(err, StoreError::Connect { .. }), "{err}");
    let err = encrypted(&format!("{url}?sslmode=sometimes")).await.unwrap_err().to_string();
    assert!(err.contains("sslmode 'sometimes'"), "{err}");
}
