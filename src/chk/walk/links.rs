//! Hard links. A regular file with several links may be a link to a file
//! outside the target (someone else's, or a system file), which no rule of
//! this tree may change. Such a file is repaired only when every one of
//! its links was met inside the target (as after untarring an archive):
//! the walk counts the links of each multiply-linked inode against
//! `st_nlink` and decides once it is over. Memory grows only with the
//! number of multiply-linked inodes, one path each.

use crate::chk::node::Node;
use rustix::fs::{FileType, RawDir, Statx};
use std::collections::HashMap;
use std::io;
use std::mem::MaybeUninit;
use std::sync::Mutex;

/// (device major, device minor, inode).
type InodeKey = (u32, u32, u64);

struct Seen {
    nlink: u32,
    met: u32,
    /// The smallest relative path among its links: the same one decides
    /// the rule on every run, whatever the walk's order.
    rel: Vec<u8>,
}

#[derive(Default)]
pub(crate) struct HardLinks {
    seen: Mutex<HashMap<InodeKey, Seen>>,
}

/// What the walk learned about one multiply-linked inode.
pub(crate) struct Inode {
    key: InodeKey,
    pub rel: Vec<u8>,
    pub nlink: u32,
    pub met: u32,
}

impl Inode {
    /// Every link lies inside the target: repair it like any entry.
    pub(crate) fn all_inside(&self) -> bool {
        self.met == self.nlink
    }

    /// Whether `stat` is still this inode with as many links.
    pub(crate) fn is(&self, stat: &Statx) -> bool {
        (stat.stx_dev_major, stat.stx_dev_minor, stat.stx_ino) == self.key
            && stat.stx_nlink == self.nlink
    }
}

/// Whether the walk must hold this entry back until it is over.
pub(crate) fn is_multiply_linked(stat: &Statx) -> bool {
    stat.stx_nlink > 1 && FileType::from_raw_mode(stat.stx_mode.into()) == FileType::RegularFile
}

impl HardLinks {
    /// Counts one link of a multiply-linked file, met at `rel`.
    pub(crate) fn meet(&self, stat: &Statx, rel: &[u8]) {
        let key = (stat.stx_dev_major, stat.stx_dev_minor, stat.stx_ino);
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let entry = seen.entry(key).or_insert_with(|| Seen {
            nlink: stat.stx_nlink,
            met: 0,
            rel: rel.to_vec(),
        });
        entry.met += 1;
        if rel < entry.rel.as_slice() {
            entry.rel = rel.to_vec();
        }
    }

    /// The inodes met, in path order.
    pub(crate) fn into_inodes(self) -> Vec<Inode> {
        let seen = self.seen.into_inner().unwrap_or_else(|p| p.into_inner());
        let mut inodes: Vec<Inode> = seen
            .into_iter()
            .map(|(key, s)| Inode {
                key,
                rel: s.rel,
                nlink: s.nlink,
                met: s.met,
            })
            .collect();
        inodes.sort_by(|a, b| a.rel.cmp(&b.rel));
        inodes
    }
}

/// The links of inode `ino` below `root` (on its file system and mount,
/// as the walk sees them): how many, and the smallest relative path among
/// them, whose rule the walk applies. For `chk explain`, which looks at
/// one entry and must agree with the walk.
pub(crate) fn links_inside(
    root: &Node,
    ino: u64,
    cross_mounts: bool,
) -> io::Result<(u32, Vec<u8>)> {
    let top = root.stat()?;
    let mount = (top.stx_dev_major, top.stx_dev_minor, top.stx_mnt_id);
    let mut count = 0;
    let mut first: Option<Vec<u8>> = None;
    let mut met = |rel: Vec<u8>| {
        count += 1;
        if first.as_ref().is_none_or(|f| rel < *f) {
            first = Some(rel);
        }
    };
    let root = Node::from_dir_fd(rustix::io::fcntl_dupfd_cloexec(root.fd(), 0)?);
    let mut pending = vec![(root, Vec::new())];
    while let Some((dir, rel)) = pending.pop() {
        let mut buf = [MaybeUninit::<u8>::uninit(); 8192];
        let mut entries = RawDir::new(dir.fd(), &mut buf);
        while let Some(entry) = entries.next() {
            let entry = entry?;
            let name = entry.file_name();
            if matches!(name.to_bytes(), b"." | b"..") {
                continue;
            }
            let child = super::join_relative(&rel, name.to_bytes());
            let maybe_dir = matches!(entry.file_type(), FileType::Directory | FileType::Unknown);
            match maybe_dir.then(|| Node::open_dir_at(dir.fd(), name)) {
                Some(Ok(sub)) => {
                    let stat = sub.stat()?;
                    let here = (stat.stx_dev_major, stat.stx_dev_minor, stat.stx_mnt_id);
                    if cross_mounts || here == mount {
                        pending.push((sub, child));
                    }
                }
                // Not a directory (after all): a file, maybe one of ours.
                _ if entry.ino() == ino => met(child),
                _ => {}
            }
        }
    }
    Ok((count, first.unwrap_or_default()))
}
