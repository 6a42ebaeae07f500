//! Operating-system facts the cluster manager needs: who we are, which user runs
//! PostgreSQL, and whether that user can reach a folder.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// An OS account that owns and runs the cluster when we are root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsUser {
    /// Login name.
    pub name: String,
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
}

/// The effective uid of this process (the owner of `/proc/self`).
pub fn effective_uid() -> u32 {
    std::fs::metadata("/proc/self").map(|m| m.uid()).unwrap_or(u32::MAX)
}

/// Looks `name` up in `/etc/passwd`.
pub fn lookup_user(name: &str) -> Option<OsUser> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let mut f = line.split(':');
        let (n, _, uid, gid) = (f.next()?, f.next()?, f.next()?, f.next()?);
        if n != name {
            return None;
        }
        Some(OsUser { name: n.to_owned(), uid: uid.parse().ok()?, gid: gid.parse().ok()? })
    })
}

/// Whether `user` may enter every folder from `/` down to `dir` (the execute bit), which
/// PostgreSQL needs to reach its data directory. Supplementary groups are not considered.
pub fn can_traverse(user: &OsUser, dir: &Path) -> bool {
    dir.ancestors().all(|a| match std::fs::metadata(a) {
        Ok(m) => {
            let mode = m.mode();
            if m.uid() == user.uid {
                mode & 0o100 != 0
            } else if m.gid() == user.gid {
                mode & 0o010 != 0
            } else {
                mode & 0o001 != 0
            }
        }
        // Not created yet: its parent decides, and we create it ourselves.
        Err(_) => true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_exists_in_passwd() {
        let root = lookup_user("root").unwrap();
        assert_eq!((root.uid, root.gid), (0, 0));
        assert!(lookup_user("no-such-user-hopefully").is_none());
    }

    #[test]
    fn traversal_follows_mode_bits() {
        let nobody = OsUser { name: "nobody".into(), uid: 65534, gid: 65534 };
        assert!(can_traverse(&nobody, Path::new("/usr/share")));
        let dir = tempfile::tempdir().unwrap();
        let locked = dir.path().join("locked");
        std::fs::create_dir(&locked).unwrap();
        std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
        let inner = locked.join("inner");
        let me = OsUser { name: "me".into(), uid: effective_uid(), gid: 0 };
        if me.uid != nobody.uid {
            assert!(!can_traverse(&nobody, &inner));
        }
        assert!(can_traverse(&me, &inner));
    }
}
