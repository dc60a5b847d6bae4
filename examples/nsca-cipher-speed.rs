//! Client-side cost of each encryption method, without any network: COUNT
//! packets of 4,304 bytes through one connection's cipher stream.
//!
//! Usage: nsca-cipher-speed COUNT METHOD...   (e.g. 10000 1 14 2 3)

use adminkit::nsca::crypto::{Encryptor, Method};
use std::time::Instant;

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: nsca-cipher-speed COUNT METHOD...";
    let count: usize = args.next().and_then(|s| s.parse().ok()).ok_or(usage)?;
    for arg in args {
        let number = arg
            .parse()
            .map_err(|_| format!("{arg}: not a method number"))?;
        let method = Method::from_number(number)?;
        let mut encryptor = Encryptor::new(method, b"bench-password", &[7u8; 128]);
        let mut packet = vec![1u8; 4304];
        let started = Instant::now();
        for _ in 0..count {
            encryptor.encrypt_packet(&mut packet);
        }
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "{:>2} {:<13} {seconds:.3} s for {count} packets",
            method.number(),
            method.name()
        );
    }
    Ok(())
}
