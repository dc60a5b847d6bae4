//! `HOST_PORT.state`: how far the spool file has been delivered (the
//! checkpoint), and when a delivery last succeeded. One line of fixed
//! width, rewritten in place, so that updating it never needs a new block
//! on a full disk:
//!
//! `1 DEV INO OFFSET CRC LAST_DELIVERY LF` (numbers zero-padded to 20 digits)
//!
//! Every line of the spool file `DEV:INO` before byte `OFFSET` was
//! delivered; `CRC` is the CRC-32 of those bytes. A spool file replaced by
//! a rewrite is another inode, and one replaced by hand (even on a reused
//! inode) holds other bytes: a checkpoint never applies to the wrong file.

use super::files::FileId;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct State {
    /// The spool file the checkpoint is about.
    pub(crate) file: Option<FileId>,
    pub(crate) offset: u64,
    /// CRC-32 of the file's first `offset` bytes.
    pub(crate) crc: u32,
    /// Seconds since the epoch of the last delivery that succeeded.
    pub(crate) last_delivery: Option<u64>,
}

const WIDTH: usize = 2 + 5 * 21;

impl State {
    /// The state in `file`; a missing or garbled one is the default.
    pub(crate) fn load(file: &File) -> State {
        let mut bytes = [0u8; WIDTH];
        let n = file.read_at(&mut bytes, 0).unwrap_or(0);
        State::parse(&bytes[..n])
    }

    pub(crate) fn parse(bytes: &[u8]) -> State {
        let text = String::from_utf8_lossy(bytes);
        let numbers: Vec<u64> = text
            .split_ascii_whitespace()
            .map_while(|n| n.parse().ok())
            .collect();
        match numbers[..] {
            [1, dev, ino, offset, crc, last] => State {
                file: (ino != 0).then_some(FileId { dev, ino }),
                offset,
                crc: crc as u32,
                last_delivery: (last != 0).then_some(last),
            },
            _ => State::default(),
        }
    }

    fn line(&self) -> Vec<u8> {
        let (dev, ino) = self.file.map_or((0, 0), |f| (f.dev, f.ino));
        let line = format!(
            "1 {dev:020} {ino:020} {:020} {:020} {:020}\n",
            self.offset,
            self.crc,
            self.last_delivery.unwrap_or(0)
        );
        debug_assert_eq!(line.len(), WIDTH);
        line.into_bytes()
    }

    /// Writes the state over the old one; `durable` waits for the disk.
    pub(crate) fn save(&self, file: &File, durable: bool) -> io::Result<()> {
        file.write_all_at(&self.line(), 0)?;
        file.set_len(WIDTH as u64)?;
        if durable {
            file.sync_data()?;
        }
        Ok(())
    }

    /// The offset to start reading the spool file `id` holding `bytes` from.
    pub(crate) fn start_of(&self, id: FileId, bytes: &[u8]) -> usize {
        let offset = self.offset as usize;
        let applies = self.file == Some(id)
            && offset <= bytes.len()
            && (offset == 0 || bytes[offset - 1] == b'\n')
            && crc32fast::hash(&bytes[..offset]) == self.crc;
        if applies { offset } else { 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_garbage() {
        let state = State {
            file: Some(FileId { dev: 2049, ino: 77 }),
            offset: 2,
            crc: crc32fast::hash(b"a\n"),
            last_delivery: Some(1_700_000_000),
        };
        assert_eq!(State::parse(&state.line()), state);
        assert_eq!(State::parse(b"garbage"), State::default());
        let id = FileId { dev: 2049, ino: 77 };
        assert_eq!(state.start_of(FileId { dev: 2049, ino: 78 }, b"a\nb\n"), 0);
        assert_eq!(state.start_of(id, b"a"), 0);
        assert_eq!(state.start_of(id, b"b\nb\n"), 0);
        assert_eq!(state.start_of(id, b"a\nb\n"), 2);
    }
}
