//! The embedded cluster manager: create, start, stop, restart, survive a crash and a
//! taken port, keep data throughout.

use std::os::unix::fs::PermissionsExt;

use nexus_store::cluster::{os, Cluster, ClusterStatus};
use nexus_store::{Store, StoreConfig};

use crate::util::raw;

/// A home folder the `postgres` user can reach (tempdirs are 0700).
fn reachable_home() -> tempfile::TempDir {
    let dir = tempfile::Builder::new().prefix("nexus-cluster-test").tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

struct StopOnDrop(Cluster);
impl Drop for StopOnDrop {
    fn drop(&mut self) {
        let _ = self.0.stop();
    }
}

#[tokio::test]
async fn lifecycle_keeps_data_across_restart_and_crash() {
    let home = reachable_home();
    let cluster = Cluster::new(home.path().join(".nexus")).unwrap();
    let guard = StopOnDrop(cluster.clone());
    assert_eq!(cluster.status().unwrap(), ClusterStatus::NotInitialized);

    let url = cluster.ensure_database().await.unwrap();
    let ClusterStatus::Running { pid, port } = cluster.status().unwrap() else { panic!("not running") };
    assert!(url.starts_with("postgres://nexus:") && url.ends_with(&format!("@127.0.0.1:{port}/nexus")));
    let state = cluster.state().unwrap().unwrap();
    assert_eq!(state.cluster_dir, home.path().join(".nexus/cluster"));
    let mode = std::fs::metadata(home.path().join(".nexus/cluster.json")).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "the state file holds a password and must be private");

    let store = Store::connect(&StoreConfig::new(&url)).await.unwrap();
    assert!(store.database_info().await.unwrap().postgis_version.starts_with('3'));
    store.close();
    raw(&url)
        .await
        .batch_execute("INSERT INTO cities (slug, name, country, role, centre) VALUES ('korat', 'Korat', 'TH', 'partner', ST_Point(102.098, 14.975, 4326))")
        .await
        .unwrap();

    // Starting again while it runs changes nothing.
    assert_eq!(cluster.start().unwrap().port, port);
    assert_eq!(cluster.status().unwrap(), ClusterStatus::Running { pid, port });

    // A clean stop and start keeps the data.
    assert!(cluster.stop().unwrap());
    assert_eq!(cluster.status().unwrap(), ClusterStatus::Stopped);
    assert!(!cluster.stop().unwrap(), "stopping a stopped cluster is a no-op");
    let url2 = cluster.ensure_database().await.unwrap();
    assert_eq!(url2, url, "same port and login after a restart");
    assert_eq!(count_cities(&url2).await, 1);

    // A crash (postmaster killed) leaves a stale pid file; the next start recovers.
    let ClusterStatus::Running { pid, .. } = cluster.status().unwrap() else { panic!() };
    std::process::Command::new("kill").args(["-9", &pid.to_string()]).status().unwrap();
    for _ in 0..50 {
        if cluster.status().unwrap() == ClusterStatus::Stopped {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(cluster.status().unwrap(), ClusterStatus::Stopped);
    let url3 = cluster.ensure_database().await.unwrap();
    assert_eq!(count_cities(&url3).await, 1, "committed data survives a crash");
    drop(guard);
    assert_eq!(cluster.status().unwrap(), ClusterStatus::Stopped);
}

#[tokio::test]
async fn a_taken_port_is_replaced_by_a_free_one() {
    let home = reachable_home();
    let cluster = Cluster::new(home.path().join(".nexus")).unwrap();
    let _guard = StopOnDrop(cluster.clone());
    cluster.start().unwrap();
    cluster.stop().unwrap();
    let old = cluster.state().unwrap().unwrap().port;
    let squatter = std::net::TcpListener::bind(("127.0.0.1", old)).unwrap();
    let state = cluster.start().unwrap();
    assert_ne!(state.port, old);
    assert_eq!(cluster.state().unwrap().unwrap().port, state.port, "the new port is saved");
    drop(squatter);
}

#[tokio::test]
async fn an_unreachable_home_puts_the_cluster_under_var_tmp() {
    if os::effective_uid() != 0 {
        return; // Only root hands the cluster to another user.
    }
    let home = tempfile::Builder::new().prefix("nexus-private").tempdir().unwrap();
    std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let cluster = Cluster::new(home.path().join(".nexus")).unwrap();
    let guard = StopOnDrop(cluster.clone());
    cluster.start().unwrap();
    let state = cluster.state().unwrap().unwrap();
    assert!(state.cluster_dir.to_string_lossy().starts_with("/var/tmp/nexus-"), "{}", state.cluster_dir.display());
    assert_eq!(std::fs::read_link(home.path().join(".nexus/cluster")).unwrap(), state.cluster_dir);
    assert!(matches!(cluster.status().unwrap(), ClusterStatus::Running { .. }));
    drop(guard);
    std::fs::remove_dir_all(&state.cluster_dir).unwrap();
}

async fn count_cities(url: &str) -> i64 {
    raw(url).await.query_one("SELECT count(*) FROM cities", &[]).await.unwrap().get(0)
}
