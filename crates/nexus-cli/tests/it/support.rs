//! Running the `nexus` binary and talking HTTP to it without extra dependencies.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_nexus");

/// The repository root (for `data/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// Checks that the generated file `rel` (from the repository root) holds `want`, writing it
/// first when `NEXUS_BLESS` is set; `test` names the test that regenerates it.
pub fn generated(rel: &str, want: &str, test: &str) {
    let path = repo_root().join(rel);
    if std::env::var_os("NEXUS_BLESS").is_some() {
        std::fs::write(&path, want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(have, want, "{rel} is stale: NEXUS_BLESS=1 cargo test -p nexus-cli --test it {test}");
}

/// A `nexus` command with a clean environment: no inherited DATABASE_URL or NEXUS_*.
pub fn nexus(cwd: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(cwd)
        .env_remove("DATABASE_URL")
        .env_remove("NEXUS_HOME")
        .env_remove("NEXUS_BIND")
        .env_remove("NEXUS_CONFIG");
    c
}

/// A folder the `postgres` user can enter, removed (cluster stopped first) on drop.
pub struct Workdir {
    pub path: PathBuf,
}

impl Workdir {
    pub fn new(tag: &str) -> Workdir {
        let path = std::env::temp_dir().join(format!("nexus-cli-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        Workdir { path }
    }
}

impl Drop for Workdir {
    fn drop(&mut self) {
        let _ = nexus(&self.path).args(["db", "stop"]).output();
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `nexus ARGS` in `cwd` against the database at `url`, killed after `limit`.
pub fn run_on(url: &str, cwd: &Path, args: &[&str], limit: Duration) -> Output {
    run_with_timeout(nexus(cwd).args(args).env("DATABASE_URL", url), limit).0
}

/// [`run_on`], which must succeed: what it printed.
pub fn ok_on(url: &str, cwd: &Path, args: &[&str], limit: Duration) -> String {
    let out = run_on(url, cwd, args, limit);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Runs to completion with a deadline.
pub fn run_with_timeout(cmd: &mut Command, limit: Duration) -> (Output, Duration) {
    let started = Instant::now();
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    loop {
        if child.try_wait().unwrap().is_some() {
            return (child.wait_with_output().unwrap(), started.elapsed());
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("command did not finish within {limit:?}: {:?}", child.wait_with_output().unwrap());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `GET path` over HTTP/1.0; returns (status, body).
pub fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    Some((status, body))
}

/// Waits until `/health` answers 200, or the process dies, or the time is up.
pub fn wait_healthy(child: &mut Child, port: u16, limit: Duration) -> serde_json::Value {
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("server exited early with {status}");
        }
        if let Some((200, body)) = http_get(port, "/health") {
            return serde_json::from_str(&body).unwrap();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("server not healthy within {limit:?}");
}

/// The single `error: …` line of a failed run, checking there is exactly one and no panic.
pub fn single_error_line(out: &Output) -> String {
    assert!(!out.status.success(), "expected failure, got success");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "exactly one error line expected:\n{stderr}");
    errors[0].to_owned()
}
